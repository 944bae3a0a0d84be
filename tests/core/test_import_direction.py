"""The engine never imports the UI stack (DESIGN.md: imports run one way only)."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "gradclip_core"
UI_PACKAGES = {"streamlit", "plotly", "ui", "app_pages"}


def test_no_engine_module_imports_streamlit_or_plotly():
    offenders = []
    for path in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in UI_PACKAGES]
    assert not offenders, offenders


def test_importing_the_engine_loads_neither_streamlit_nor_plotly():
    code = (
        "import sys, gradclip_core, gradclip_core.cli, gradclip_core.presets;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = ENGINE.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
