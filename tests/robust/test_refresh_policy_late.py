"""The refresh policy under many sessions at once and with ticks that come late: no lost
tick, and only lasting or large lateness cuts the capacity (the policy is ``ui/tempo.py``'s
``RefreshPolicy``; the clocks are made up, see refresh_helpers.py)."""

from __future__ import annotations

import threading

import pytest

from gradclip_core import TrainConfig
from tests.robust.refresh_helpers import BUDGET, Clocks
from tests.robust.refresh_helpers import make_policy as _policy
from tests.robust.refresh_helpers import windows as _windows
from ui.live import LiveRun
from ui.tempo import SLOWEST


def test_many_sessions_report_and_ask_at_once():
    """Script threads of many sessions share one policy: no lost tick, no value out of bounds."""
    clocks = Clocks()
    policy = _policy(clocks, window=0.01)
    threads, per_thread = 16, 2_000
    seen: list[float] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def session(k: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                clocks.advance(0.0005, 0.0002 * (1 + k % 3))
                policy.note_tick(0.0001)
                if (i + k) % 7 == 0:
                    policy.note_overrun()
                if i % 50 == 0:
                    interval = policy.interval(1 + k * 4, current=0.5)
                    seen.append(interval)
                    seen.append(policy.slice(interval, 1 + k * 4))
        except BaseException as err:  # reported below: a thread's exception is otherwise lost
            errors.append(err)

    workers = [threading.Thread(target=session, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert policy.ticks == threads * per_thread
    assert all(0 < v <= SLOWEST for v in seen)
    assert policy.FLOOR * BUDGET <= policy.capacity <= BUDGET
    assert 0.0 <= policy.overrun <= 1.0


def test_overruns_just_after_pages_move_rung_do_not_cut_but_lasting_ones_do():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.010, count=20)
    calm = policy.interval(30)
    # The same overloaded window cuts the capacity when no page has just moved...
    control_clocks = Clocks()
    control = _policy(control_clocks)
    _windows(control, control_clocks, ticks=60, draw=0.010, count=20)
    _windows(control, control_clocks, ticks=60, draw=0.010, overrun=0.6, count=1)
    assert control.capacity < BUDGET
    # ... but not right after a page moved to another rung: its full rerun is the burst.
    assert policy.interval(30, current=SLOWEST) != SLOWEST
    _windows(policy, clocks, ticks=60, draw=0.010, overrun=0.6, count=policy.SETTLE - 1)
    assert policy.capacity == BUDGET
    assert policy.interval(30, current=calm) == calm  # no page moved: nothing is settling
    # Overruns that last past the settling windows are an overload: the capacity is cut.
    _windows(policy, clocks, ticks=60, draw=0.010, overrun=0.6, count=1)
    assert policy.capacity == pytest.approx(policy.CUT * BUDGET)


def test_ticks_a_little_late_that_keep_up_with_the_rate_asked_do_not_cut():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.010, count=20)
    # Every tick overran, each by a tenth of its interval: the GIL is busy, yet the pages get
    # 90 % of the redraws they ask for. Slowing them down would only give them fewer.
    _windows(policy, clocks, ticks=60, draw=0.010, overrun=1.0, lag=1.1, count=10)
    assert policy.capacity == BUDGET
    # Late by half an interval or more each: the pages get two thirds of their rate or less.
    _windows(policy, clocks, ticks=60, draw=0.010, overrun=1.0, lag=1.5, count=1)
    assert policy.capacity == pytest.approx(policy.CUT * BUDGET)


def test_a_late_tick_reports_how_many_intervals_it_took():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.010, count=20)
    run = LiveRun(TrainConfig(model="mlp", task="regression"))
    run.policy, run.running = policy, True
    try:
        # A 0.5 s timer, and each tick takes 0.51 s: it overran, by 1.02 intervals; the page
        # still gets 98 % of the redraws it asks for.
        t = 100.0
        for _ in range(60):
            run.note_tick(started=t, interval=0.5, now=t + 0.51)
            clocks.advance(1 / 60, 0.010)
            policy.note_tick()
            t += 0.51
        assert policy.overruns >= 59 and policy.capacity == BUDGET
        for _ in range(60):  # now each comes 0.95 s after the last: 1.9 intervals, late
            t += 0.95
            run.note_tick(started=t, interval=0.5, now=t + 0.1)
            clocks.advance(1 / 60, 0.010)
            policy.note_tick()
        assert policy.capacity == pytest.approx(policy.CUT * BUDGET)
    finally:
        run.running = False
