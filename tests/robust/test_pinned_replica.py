"""A replica pinned to one core sizes itself for that core (``ui.training_pool.usable_cores``).

Several replicas on one machine (deploy/start_replicas.sh pins one a core) each used to size
their training pool and the live charts' CPU budget for every core of the machine, so together
they promised the students more CPU than there was. The check runs the import in a fresh
interpreter started under ``taskset``, as the script starts a replica.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset (util-linux) pins the process")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing to pin apart")
def test_a_process_pinned_to_one_core_budgets_one_core():
    code = (
        "from ui.training_pool import CORES, _POOL; from ui.live import POLICY; "
        "print(CORES, _POOL._max_workers, POLICY.budget)"
    )
    pinned = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pinned.returncode == 0, pinned.stderr[-3000:]
    cores, workers, budget = pinned.stdout.split()[-3:]
    assert (int(cores), int(workers), float(budget)) == (1, 1, pytest.approx(0.9))
    free = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert free.returncode == 0, free.stderr[-3000:]
    assert int(free.stdout.split()[-3]) == len(os.sched_getaffinity(0))
