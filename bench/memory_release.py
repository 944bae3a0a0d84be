"""Memory comes back: the server's resident memory after classes of students come and go.

Streamlit keeps a closed tab's session for minutes and frees it lazily; the app releases a run's
trainer once its tab has been closed for ``ui.live.GONE_AFTER`` seconds and gives the heap
back to the system. This starts a server, lets one student warm it up (torch, plotly and the
page loaded: the baseline), then runs cycles of a class: every student opens a link to the
largest MLP the budget allows, trains, and closes the tab. It prints the server's RSS at the
baseline, at each class's peak and after each class has left, and the ratio to the baseline.

Usage::

    .venv/bin/python bench/memory_release.py                 # 3 cycles of 30 students
    .venv/bin/python bench/memory_release.py --cycles 2 --students 10 --train 5
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classroom import Student  # noqa: E402
from live_refresh import _serve  # noqa: E402
from servers import free_port  # noqa: E402

from gradclip_core.budget import largest_batch  # noqa: E402
from gradclip_core.config import TrainConfig  # noqa: E402
from ui.live import GONE_AFTER, JANITOR_EVERY  # noqa: E402


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler:
    """The server's RSS every 0.2 s, from a thread; ``peak()`` since the last ``reset()``."""

    def __init__(self, pid: int):
        self.pid, self._peak, self._stop = pid, 0.0, threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, _rss_mb(self.pid))
            time.sleep(0.2)

    def reset(self) -> None:
        self._peak = _rss_mb(self.pid)

    def peak(self) -> float:
        return self._peak

    def stop(self) -> None:
        self._stop.set()


def heavy_query() -> str:
    base = TrainConfig(model="mlp", task="regression", depth=24, width=256)
    batch = largest_batch(base)
    return f"model=mlp&task=regression&depth=24&width=256&batch_size={batch}&seed=0"


async def _class(url: str, n: int, seconds: float, query: str) -> int:
    students = [Student(url, query) for _ in range(n)]
    started = [asyncio.Event() for _ in students]
    await asyncio.gather(*(s.run(seconds, e) for s, e in zip(students, started, strict=True)))
    return sum(len(s.exceptions) for s in students)  # the sockets close here: tabs closed


def _settle(pid: int, wait: float) -> float:
    """Wait for the runs of closed tabs to be released; the RSS then."""
    time.sleep(wait)
    return _rss_mb(pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--train", type=float, default=10.0, help="seconds each class trains")
    parser.add_argument(
        "--settle",
        type=float,
        default=30.0,
        help="seconds after a class leaves to read the RSS (issue 13: back within 30 s)",
    )
    args = parser.parse_args(argv)
    wait = args.settle
    query = heavy_query()
    port = free_port()
    proc = _serve(port)
    url = f"ws://127.0.0.1:{port}"
    print(f"link: ?{query}; {args.students} students a class, {args.train:g} s of training; ")
    print(
        f"RSS read {wait:.0f} s after a class leaves (after), and {2 * wait:.0f} s after "
        f"(later); a closed tab's run is released after {GONE_AFTER:.0f} s, checked every "
        f"{JANITOR_EVERY:.0f} s\n"
    )
    try:
        asyncio.run(_class(url, 1, 2.0, query))
        baseline = _settle(proc.pid, wait)
        print(
            f"{'':>10}{'peak MB':>10}{'after MB':>10}{'after/baseline':>16}"
            f"{'later MB':>10}{'later/baseline':>16}{'exceptions':>12}"
        )
        print(f"{'baseline':>10}{'':>10}{baseline:>10.0f}{1.0:>16.2f}{'':>26}{0:>12}")
        sampler = Sampler(proc.pid)
        for cycle in range(1, args.cycles + 1):
            sampler.reset()
            errors = asyncio.run(_class(url, args.students, args.train, query))
            peak = sampler.peak()
            after = _settle(proc.pid, wait)
            later = _settle(proc.pid, wait)  # as long again: late, or kept?
            print(
                f"{'cycle ' + str(cycle):>10}{peak:>10.0f}{after:>10.0f}"
                f"{after / baseline:>16.2f}{later:>10.0f}{later / baseline:>16.2f}{errors:>12}"
            )
        sampler.stop()
    finally:
        proc.kill()
        proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
