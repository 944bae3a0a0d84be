"""Every preset on a GPU beside the CPU: the same story, and how often the GPU run synchronises.

For each preset in ``lessons/presets/`` this trains the preset's run twice, on the CPU and on
CUDA, and prints where each diverged (if it did), the final loss, the largest relative gap in
the gradient norm over the steps both recorded, and how many device-to-host synchronisations
the CUDA run made (counted with ``torch.cuda.set_sync_debug_mode("warn")``, one warning per
synchronising call) against the number of metric read-backs (every ``--sync-every`` steps).

The CPU and the GPU add floats in different orders, so a chaotic run drifts apart; where a
run diverges, the step it diverges at is the figure to compare. Needs a CUDA device; exits 2
with a message where there is none.

Run::

    python bench/gpu_check.py                  # every preset, its own number of steps
    python bench/gpu_check.py --steps 100      # at most 100 steps each
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradclip_core.presets import load_presets  # noqa: E402
from gradclip_core.trainer import Trainer  # noqa: E402


def _story(trainer: Trainer) -> str:
    d = trainer.divergence
    if d is None:
        return f"trained {trainer.steps_done} steps"
    return f"diverged at step {d.step} ({d.where}, {d.cause})"


def _is_sync(w: warnings.WarningMessage) -> bool:
    return "synchroniz" in str(w.message)


def _run_counting_syncs(trainer: Trainer, steps: int) -> tuple[int, int, float, Counter]:
    """Steps the run, counting synchronising calls.

    Returns: syncs made by steps that did not read back, syncs made by those that did, the
    seconds taken, and where the first kind came from (``file:line``) with any other warning.
    """
    stepping = reading = 0
    sources: Counter = Counter()
    start = time.perf_counter()
    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            for _ in range(steps):
                if trainer.diverged:
                    break
                n = len(caught)
                trainer.step()
                new = caught[n:]
                syncs = sum(map(_is_sync, new))
                # A step that ends a batch reads it back (its pending list is emptied).
                if not trainer._pending:
                    reading += syncs
                    sources.update(f"other: {str(w.message)[:90]}" for w in new if not _is_sync(w))
                else:
                    stepping += syncs
                    sources.update(
                        f"sync at {Path(w.filename).name}:{w.lineno}"
                        if _is_sync(w)
                        else f"other: {str(w.message)[:90]}"
                        for w in new
                    )
            n = len(caught)
            trainer.sync()
            reading += sum(map(_is_sync, caught[n:]))
        finally:
            torch.cuda.set_sync_debug_mode("default")
    torch.cuda.synchronize()
    return stepping, reading, time.perf_counter() - start, sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="at most this many steps each")
    parser.add_argument("--sync-every", type=int, default=16, help="steps per read-back")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; this benchmark needs one.", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    print(f"$ python bench/gpu_check.py --sync-every {args.sync_every}")
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}\n")
    header = (
        f"{'preset':<18}{'steps':>6}  {'CPU':<44}{'CUDA':<44}{'loss CPU':>10}{'loss GPU':>10}"
        f"{'max rel gap':>12}{'syncs in steps':>15}{'at read-backs':>14}{'read-backs':>11}"
        f"{'GPU ms/step':>12}"
    )
    print(header)
    print("-" * len(header))
    failed = 0
    for name, preset in sorted(load_presets().items()):
        steps = preset.steps if args.steps is None else min(args.steps, preset.steps)
        cpu = Trainer(preset.config.replace(device="cpu"))
        cpu.run(steps)
        gpu = Trainer(preset.config.replace(device="cuda"), sync_every=args.sync_every)
        gpu.step()  # the first step loads CUDA libraries: not counted
        gpu.sync()
        stepping, reading, seconds, sources = _run_counting_syncs(gpu, steps - 1)
        a, b = cpu.to_frame(), gpu.to_frame()
        n = min(len(a), len(b))
        ga, gb = a["grad_norm"].to_numpy()[:n], b["grad_norm"].to_numpy()[:n]
        ok = np.isfinite(ga) & np.isfinite(gb)
        gap = float(np.max(np.abs(ga[ok] - gb[ok]) / np.maximum(np.abs(ga[ok]), 1e-30)))
        read_backs = -(-(gpu.steps_done - 1) // args.sync_every)
        failed += stepping > 0
        print(
            f"{name:<18}{steps:>6}  {_story(cpu):<44}{_story(gpu):<44}"
            f"{a['loss'].iloc[n - 1]:>10.4g}{b['loss'].iloc[n - 1]:>10.4g}{gap:>12.2g}"
            f"{stepping:>15}{reading:>14}{read_backs:>11}"
            f"{1e3 * seconds / max(gpu.steps_done - 1, 1):>12.3f}"
        )
        for source, count in sources.most_common(5):
            print(f"    {count:>5} x {source}")
    print(
        "\nsyncs in steps: synchronising calls made by steps that did not read back (target 0);"
        "\nat read-backs: those made by the steps that read the batch back (the copy, and for "
        "an RNN the spectral radius, measured on the CPU)."
    )
    print("every step free of synchronisation" if not failed else f"{failed} preset(s) synced")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
