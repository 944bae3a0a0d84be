"""How long does the Cliff page's loss map take? A 200 x 200 (w, b) grid at T = 50.

Times :func:`gradclip_core.cliff.loss_grid` (float64, all points at once, a loop over T only)
with one torch thread, as the server runs (``app.py``), and with torch's default threads;
prints the median of several runs (target: at most 0.3 s). For scale it also times what the
page computes besides the map: the two 150-step gradient-descent paths (autograd on the two
parameters, one of them through ``clip_grad_norm_``).

Usage::

    .venv/bin/python bench/cliff_grid.py
    .venv/bin/python bench/cliff_grid.py --size 400 --length 100 --repeats 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradclip_core.cliff import loss_grid, trajectory  # noqa: E402

TARGET_S = 0.3
W_RANGE, B_RANGE = (2.0, 10.0), (-7.0, 1.0)  # the page's map (ui/cliff/view.py)


def _median_s(fn, repeats: int) -> float:
    fn()  # warm-up: first-call allocations and dispatch
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="grid points per side")
    parser.add_argument("--length", type=int, default=50, help="sequence length T")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs (median shown)")
    args = parser.parse_args()
    w = torch.linspace(*W_RANGE, args.size, dtype=torch.float64)
    b = torch.linspace(*B_RANGE, args.size, dtype=torch.float64)
    default_threads = torch.get_num_threads()
    print(f"loss_grid: {args.size} x {args.size} grid, T = {args.length}, float64")
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        s = _median_s(lambda: loss_grid(w, b, args.length), args.repeats)
        verdict = "within" if s <= TARGET_S else "OVER"
        print(
            f"  {threads:2d} thread(s): median {s * 1000:7.1f} ms over {args.repeats} runs "
            f"({verdict} the {TARGET_S:g} s target)"
        )
    torch.set_num_threads(1)
    paths = _median_s(
        lambda: (
            trajectory((6.0, -4.5), 1.0, 150, args.length),
            trajectory((6.0, -4.5), 1.0, 150, args.length, clip=1.0),
        ),
        max(3, args.repeats // 5),
    )
    print(f"two 150-step paths (1 thread): median {paths * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
