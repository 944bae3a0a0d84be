"""bench/grader_speed.py: a bad argument gets one clear line and exit 2, a real file its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ["bench/grader_speed.py"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *BENCH, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["no-such-answers.toml"], "no such file: no-such-answers.toml"),
        (["--rounds", "0", "tests/content/explain_answers_blind68.toml"], "at least 1"),
        (["--rounds", "many"], "invalid int value"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, says):
    done = _run(*args)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_it_grades_every_answer_of_a_file_and_prints_the_figures():
    done = _run("--rounds", "1", "tests/content/explain_answers_blind68.toml")
    assert done.returncode == 0, done.stderr
    assert "192 answers from 1 file, 1 round," in done.stdout
    assert "CPU per answer: median " in done.stdout and "slowest answer" in done.stdout
