"""The learning side is one package, gradclip_core/quiz/, whose modules import each other
plainly: any module can be imported first (no cycle), and nothing is re-exported lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "gradclip_core" / "quiz"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_first_in_a_fresh_interpreter(module):
    code = f"import gradclip_core.quiz.{module}; import gradclip_core.quiz as q; q.load_bank"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE.parents[1],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_no_lazy_reexports():
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        assert "importlib" not in text and "def __getattr__" not in text, path.name


def test_the_package_exports_what_it_lists():
    import gradclip_core.quiz as quiz

    assert all(hasattr(quiz, name) for name in quiz.__all__)
    assert {"load_bank", "grade_explanation", "check_order", "Progress"} <= set(quiz.__all__)
