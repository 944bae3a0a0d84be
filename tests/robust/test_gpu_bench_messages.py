"""The GPU benchmarks, run where there is no GPU, say so in one line (no traceback); so does the
step benchmark given too few rounds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]

_NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


@_NO_CUDA
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["bench/gpu_check.py"], "no CUDA device here"),
        (["bench/step_overhead.py", "--device", "cuda"], "needs a CUDA device"),
    ],
)
def test_a_gpu_benchmark_without_a_gpu_says_so_and_exits_2(args, says):
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert says in out and "Traceback" not in out


@pytest.mark.parametrize("args", [["--rounds", "1"], ["--steps", "0"], ["--warmup", "-1"]])
def test_the_step_benchmark_refuses_too_few_rounds_in_one_line(args):
    done = subprocess.run(
        [sys.executable, "bench/step_overhead.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "--rounds must be at least 2" in out and "Traceback" not in out
