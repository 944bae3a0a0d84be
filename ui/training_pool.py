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

CORES = os.cpu_count() or 1
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
_M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena count


def limit_heap_arenas(arenas: int = 2) -> None:
    """Keep glibc to a few heap arenas in this process (call once, as early as possible).

    glibc gives threads their own arenas, up to 8 per core, and Streamlit runs every rerun on a
    new thread: the heap fragments across them and stays at its peak after a class leaves.
    Measured with bench/memory_release.py (3 classes of 30): 1.20-1.26x the baseline RSS
    after each class with the default, 1.03-1.05x with 2 arenas.
    """
    if _MALLOPT is not None and os.environ.get("MALLOC_ARENA_MAX") is None:
        _MALLOPT(_M_ARENA_MAX, arenas)


def give_memory_back() -> None:
    """Return freed heap pages to the operating system (glibc keeps them otherwise).

    A released run's tensors go back to the allocator, but glibc holds the pages for reuse,
    so the server's resident memory would stay at its peak after a class leaves.
    """
    if _TRIM is not None:
        _TRIM(0)
