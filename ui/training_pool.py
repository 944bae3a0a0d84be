"""The server's training pool: every step of every session runs here, within one budget.

No ``st.*`` calls here. Training runs on a few long-lived threads, not in Streamlit's script
threads: Streamlit starts a new thread for every rerun, and the first forward pass in a fresh
thread cost 30-80 ms of CPU in the server (measured: 24-layer MLP, 2 cores; 1.5 ms on a warm
thread). The pool has one thread per core, and a job first reserves its step's memory from a
server-wide :class:`~gradclip_core.budget.Budget`, so four students pressing Step on the largest
model at once queue for the memory instead of stacking it (DESIGN.md, Live pages).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from gradclip_core.budget import LIMIT_MB, Budget


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, else the machine's count.

    A replica pinned to one core (``taskset -c 0 streamlit run app.py``, a container's cpuset)
    then sizes its training pool and the refresh policy's budget for that core, not for the
    whole machine it shares with the other replicas.
    """
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # no affinity call (macOS, Windows)
        return os.cpu_count() or 1


CORES = usable_cores()
THREAD_PREFIX = "gradclip-train"
_POOL = ThreadPoolExecutor(max_workers=CORES, thread_name_prefix=THREAD_PREFIX)
# Steps in flight at once hold at most this much memory: one largest step per core.
BUDGET = Budget(capacity_mb=LIMIT_MB * CORES)

T = TypeVar("T")


def run_in_pool(fn: Callable[..., T], *args, mb: float) -> T:
    """Run ``fn(*args)`` on a training thread once ``mb`` megabytes of the budget are free.

    The caller (a script thread) waits for the memory and then for the result; the pool's
    threads never wait, so a queue of large steps cannot starve small ones of threads.
    """
    with BUDGET.reserve(mb):
        return _POOL.submit(fn, *args).result()


def _libc(function: str) -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), function) if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to tune
        return None


_TRIM = _libc("malloc_trim")
_MALLOPT = _libc("mallopt")
_M_ARENA_MAX = -8  # glibc's mallopt parameter numbers: the arena count,
_M_MMAP_THRESHOLD = -3  # ... and the size from which a block gets its own mapping
MMAP_THRESHOLD = 128 * 1024  # glibc's starting value, kept from moving


def tune_heap(arenas: int = 2, mmap_threshold: int = MMAP_THRESHOLD) -> None:
    """Keep the heap from holding a class's memory after it leaves (call once, early).

    Two glibc settings, each left alone when its environment variable is set:

    - a few heap arenas (``MALLOC_ARENA_MAX``): glibc gives threads their own, up to 8 per
      core, and Streamlit runs every rerun on a new thread: the heap fragments across them.
      bench/memory_release.py (3 classes of 30): RSS 1.20-1.26x the baseline after each class
      with the default, 1.03-1.05x with 2 arenas;
    - a fixed mmap threshold (``MALLOC_MMAP_THRESHOLD_``): a block from 128 KB up (a tensor
      of 32,768 floats) that no free space in the heap can hold gets a mapping of its own,
      returned whole when freed, instead of growing the heap. glibc raises the threshold each
      time such a block is freed, so after the first step the big models' tensors grew the
      heap, between small objects that outlive the class. Measured,
      30 s after each class: 1.00-1.16x the baseline with glibc's moving threshold (20
      classes: 7 over 1.05x, one over 1.10x), 1.02-1.04x with it fixed (12 classes; the peak
      1.40 GB instead of 1.6-1.7). A step costs the same (CPU time: the budget's largest MLP
      42.2 ms either way, the default RNN 1 % more).
    """
    if _MALLOPT is None:
        return
    if os.environ.get("MALLOC_ARENA_MAX") is None:
        _MALLOPT(_M_ARENA_MAX, arenas)
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        _MALLOPT(_M_MMAP_THRESHOLD, mmap_threshold)


def give_memory_back() -> None:
    """Return freed heap pages to the operating system (glibc keeps them otherwise).

    A released run's tensors go back to the allocator, but glibc holds the pages for reuse,
    so the server's resident memory would stay at its peak after a class leaves.
    """
    if _TRIM is not None:
        _TRIM(0)
