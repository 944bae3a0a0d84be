"""The server's imports are frozen out of Python's full garbage collections (ui/heap.py).

A full collection walks every tracked object with the GIL held; before the freeze a server
under a class tracked ~440,000 objects and each full collection stalled every session for
0.2-0.3 s (bench/gc_pauses.py). Each
check runs in a fresh interpreter: a freeze is once per process and would change this one's.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_imports_are_frozen_once_and_cycles_made_later_are_still_collected():
    out = _run(
        """
        import gc, weakref
        from ui.heap import freeze_imports
        assert gc.get_freeze_count() == 0
        assert freeze_imports() is True
        frozen = gc.get_freeze_count()
        assert frozen > 100_000, frozen  # torch, torch._dynamo, plotly, the app's modules
        assert len(gc.get_objects()) < frozen / 10, len(gc.get_objects())
        assert freeze_imports() is False and gc.get_freeze_count() == frozen

        class Run:
            pass

        a, b = Run(), Run()
        a.other, b.other = b, a  # a cycle a session makes after the freeze
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None, "a cycle made after the freeze was not collected"
        print("ok", frozen)
        """
    )
    assert out.startswith("ok")


def test_the_apps_first_run_freezes_and_a_built_trainer_adds_little_to_walk():
    # The playground's first run builds a trainer: torch.optim then imports torch._dynamo and
    # sympy (~115,000 objects). Those must be among the frozen, not walked by every full
    # collection from then on.
    out = _run(
        """
        import gc
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file("app.py", default_timeout=120).run()
        assert not at.exception, at.exception
        frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
        assert frozen > 200_000, frozen
        assert tracked < frozen / 4, (tracked, frozen)
        print("ok", frozen, tracked)
        """
    )
    assert out.startswith("ok")
