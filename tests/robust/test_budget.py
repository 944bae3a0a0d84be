"""No student can sink the laptop: a step's cost is checked before it runs, and every step runs
on the training pool within one server-wide memory budget."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gradclip_core.budget import (
    LIMIT_MB,
    LIMIT_MS,
    Budget,
    TooLargeError,
    largest_batch,
    step_cost,
    too_large,
)
from gradclip_core.config import TrainConfig
from gradclip_core.presets import load_presets

ROOT = Path(__file__).resolve().parents[2]
HUGE = {"model": "lstm", "width": "256", "seq_len": "200", "batch_size": "1024"}


def _largest_allowed(model: str) -> TrainConfig:
    """The largest batch that fits with every other size at its maximum."""
    base = TrainConfig(model=model, width=256, seq_len=200, device="cpu")
    if model == "mlp":
        base = TrainConfig(model="mlp", task="regression", width=256, depth=24, device="cpu")
    return base.replace(batch_size=largest_batch(base))


def test_every_preset_and_the_default_fit_and_the_reported_monster_does_not():
    for preset in load_presets().values():
        assert step_cost(preset.config).fits, preset
    assert step_cost(TrainConfig()).fits
    monster = TrainConfig(model="lstm", width=256, seq_len=200, batch_size=1024)
    cost = step_cost(monster)
    # Measured on the machine: 3.3 GB and 7-10 s a step; the estimate must see that.
    assert cost.mb > 1000 and cost.ms > 1000 and not cost.fits


def test_the_message_names_the_limits_and_a_batch_that_fits():
    config = TrainConfig(model="lstm", width=256, seq_len=200, batch_size=1024)
    message = too_large(config)
    assert message.startswith("This model is too large for a shared server")
    assert f"at most {LIMIT_MS:.0f} ms and {LIMIT_MB:.0f} MB" in message
    batch = largest_batch(config)
    assert f"a batch of at most {batch} fits (now 1024)" in message
    assert step_cost(config.replace(batch_size=batch)).fits
    assert not step_cost(config.replace(batch_size=batch * 2)).fits
    assert too_large(config.replace(batch_size=batch)) is None


def test_cost_grows_with_every_size():
    base = TrainConfig(model="gru", width=64, seq_len=50, batch_size=32)
    for change in ({"width": 128}, {"seq_len": 100}, {"batch_size": 64}, {"model": "lstm"}):
        bigger = step_cost(base.replace(**change))
        assert bigger.ms > step_cost(base).ms and bigger.mb > step_cost(base).mb, change


def test_budget_holds_jobs_until_memory_is_free_and_a_lone_big_job_still_runs():
    budget = Budget(capacity_mb=100)
    inside, peak, lock = [0.0], [0.0], threading.Lock()

    def job(mb: float) -> None:
        with budget.reserve(mb):
            with lock:
                inside[0] += mb
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= mb

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(job, [40, 40, 40, 30, 60, 10, 90, 20] * 3))
    assert peak[0] <= 100 and budget.peak_mb <= 100 and budget.in_use_mb == 0
    with budget.reserve(500):  # bigger than the whole budget, alone: runs rather than waits
        assert budget.in_use_mb == 500


def test_the_largest_allowed_link_from_several_sessions_at_once_stays_in_budget():
    from ui import training_pool
    from ui.live import LiveRun

    config = _largest_allowed("lstm")
    runs = [LiveRun(config) for _ in range(4)]
    seen: list[str] = []
    for run in runs:
        run_for = run.trainer.run_for

        def spy(*args, _run_for=run_for):
            seen.append(threading.current_thread().name)
            return _run_for(*args)

        run.trainer.run_for = spy
    barrier = threading.Barrier(len(runs))

    def press_step(run: LiveRun) -> int:
        barrier.wait()  # four students press Step at the same moment
        return run.step_once()

    training_pool.BUDGET.peak_mb = 0.0
    with ThreadPoolExecutor(len(runs)) as students:
        assert list(students.map(press_step, runs)) == [1, 1, 1, 1]
    assert all(name.startswith(training_pool.THREAD_PREFIX) for name in seen) and len(seen) == 4
    assert training_pool.BUDGET.peak_mb <= training_pool.BUDGET.capacity_mb
    assert training_pool.BUDGET.in_use_mb == 0
    losses = {float(run.trainer.history.column("loss")[-1]) for run in runs}
    assert len(losses) == 1  # the same link, the same step, whoever pressed first


def test_a_run_too_large_for_the_server_cannot_be_built():
    from ui.live import LiveRun

    with pytest.raises(TooLargeError, match="too large for a shared server"):
        LiveRun(TrainConfig(model="lstm", width=256, seq_len=200, batch_size=1024))


def test_a_link_to_a_model_too_large_says_so_on_the_page_and_trains_nothing():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in HUGE.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "too large for a shared server" in errors and "at most" in errors
    assert "run" not in at.session_state or at.session_state["run"] is None
    # Taking the suggestion fixes it: the largest batch that fits builds a run.
    fits = largest_batch(TrainConfig.from_dict({**HUGE, "task": "adding"}))
    at.select_slider(key="w_batch_size").set_value(fits).run()
    assert not at.exception and not at.error
    assert at.session_state["run"].trainer is not None
