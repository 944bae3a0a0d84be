"""Garbage collection in the server: how often a full collection stops it, and how long.

A full (generation 2) collection walks every object the collector tracks with the GIL held: no
session draws and no step trains meanwhile. The app freezes its imports out of those walks at
its first run (``ui/heap.py``). This starts ``streamlit run app.py`` on 127.0.0.1 with a probe
(a ``sitecustomize`` module on ``PYTHONPATH`` that times every collection through
``gc.callbacks``), opens the Playground as ``--students`` emulated students
(``bench/classroom.py``'s protocol-level client), lets them train for ``--seconds``, and prints
the full collections from the spawn to the class and during it (count, seconds in all, the
longest), the young ones, and the objects a full collection walks at the end. With
``--no-freeze`` the server skips the freeze (``GRADCLIP_GC_FREEZE=0``): what it did before.

Usage::

    .venv/bin/python bench/gc_pauses.py [--students 10] [--seconds 30] [--no-freeze]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classroom import Student  # noqa: E402
from servers import ROOT, free_port, streamlit_command, wait_http  # noqa: E402

PROBE = """
import gc, json, os, threading, time
_out = os.environ["GC_PROBE_OUT"]
_start = {}
_log = []  # (generation, when, seconds)
def _timed(phase, info):
    g = info["generation"]
    if phase == "start":
        _start[g] = time.perf_counter()
    elif g in _start:
        _log.append((g, time.time(), time.perf_counter() - _start.pop(g)))
gc.callbacks.append(_timed)
def _dump():
    while True:
        time.sleep(1.0)
        last = os.path.exists(_out + ".last")
        data = {"log": list(_log), "frozen": gc.get_freeze_count()}
        if last:
            data["tracked"] = len(gc.get_objects())
        with open(_out + ".tmp", "w") as f:
            json.dump(data, f)
        os.replace(_out + ".tmp", _out)
        if last:
            return
threading.Thread(target=_dump, daemon=True).start()
"""


async def _class(url: str, n: int, seconds: float) -> tuple[float, float]:
    students = [Student(url, "preset=healthy&edge=off") for _ in range(n)]
    started = [asyncio.Event() for _ in students]
    tasks = [
        asyncio.create_task(s.run(seconds + 5, e)) for s, e in zip(students, started, strict=True)
    ]
    await asyncio.gather(*(e.wait() for e in started))
    await asyncio.sleep(2)
    t0 = time.time()
    await asyncio.sleep(seconds)
    t1 = time.time()
    await asyncio.gather(*tasks)
    return t0, t1


def _summary(log: list, t0: float, t1: float, gen: int) -> str:
    pauses = [s for g, when, s in log if g == gen and t0 <= when < t1]
    if not pauses:
        return "0"
    return f"{len(pauses)}, {sum(pauses):.3f} s in all, longest {max(pauses) * 1e3:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-freeze", action="store_true", help="the server skips ui/heap.py's freeze")
    args = ap.parse_args(argv)
    if args.students < 1 or args.seconds <= 0:
        ap.error("--students must be at least 1 and --seconds above 0")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "sitecustomize.py").write_text(PROBE)
        out = str(Path(tmp, "gc.json"))
        env = dict(os.environ, GC_PROBE_OUT=out)
        env["PYTHONPATH"] = os.pathsep.join([tmp, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        if args.no_freeze:
            env["GRADCLIP_GC_FREEZE"] = "0"
        port = free_port()
        spawned = time.time()
        proc = subprocess.Popen(
            streamlit_command(port),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc)
            t0, t1 = asyncio.run(_class(f"ws://127.0.0.1:{port}", args.students, args.seconds))
            Path(out + ".last").touch()
            for _ in range(30):
                time.sleep(1.0)
                data = json.loads(Path(out).read_text())
                if "tracked" in data:
                    break
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    log = data["log"]
    print(
        f"{'no freeze' if args.no_freeze else 'frozen imports'}: {args.students} students, "
        f"{args.seconds:g} s of class, {os.cpu_count()} cores"
    )
    print(f"  full collections, spawn to class ({t0 - spawned:.0f} s): {_summary(log, 0, t0, 2)}")
    print(f"  full collections, during the class: {_summary(log, t0, t1, 2)}")
    print(
        f"  young collections, during the class: {_summary(log, t0, t1, 0)} (generation 0); "
        f"{_summary(log, t0, t1, 1)} (generation 1)"
    )
    print(
        f"  objects a full collection walks at the end: {data['tracked']:,} "
        f"({data['frozen']:,} frozen)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
