"""The refresh policy: live charts redraw as fast as the server's measured load allows.

``RefreshPolicy`` (ui/tempo.py) reads two clocks, the wall clock and the process's CPU time;
these tests hand it their own, so every measurement is made up and nothing depends on how fast
this machine is. A "window" below is one second of ticks, each tick costing a known number of
CPU seconds; the policy folds each window into its moving averages.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradclip_core import TrainConfig
from tests.robust.refresh_helpers import BUDGET, Clocks
from tests.robust.refresh_helpers import demand as _demand
from tests.robust.refresh_helpers import make_policy as _policy
from tests.robust.refresh_helpers import windows as _windows
from ui.live import LiveRun
from ui.tempo import FASTEST, RUNGS, SLOWEST, STEADY, RefreshPolicy


def test_the_policy_measures_what_a_tick_costs_besides_training():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.012, train=0.008, count=30)
    assert policy.draw_cpu == pytest.approx(0.012, rel=0.01)
    assert policy.train_cpu == pytest.approx(0.008, rel=0.01)
    assert policy.ticks == 60 * 30
    assert policy.used == pytest.approx(60 * 0.020, rel=0.01)  # cores, in the last window


def test_it_slows_down_when_tick_cost_times_runs_exceeds_the_budget():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.002, count=20)  # cheap ticks: room to spare
    fast = policy.interval(30)
    _windows(policy, clocks, ticks=60, draw=0.030, count=20)  # 15 times dearer
    slow = policy.interval(30, current=fast)
    assert slow > fast
    # Drawing 30 runs at the new rate fits in the budget, training included.
    assert 30 * policy.draw_cpu / slow <= policy.draw_most * BUDGET
    assert _demand(policy, 30, slow) <= BUDGET * 1.001
    # ... and the rung below it would not have kept drawing within its share.
    below = RUNGS[RUNGS.index(slow) - 1]
    assert 30 * policy.draw_cpu / below > policy.draw_share * BUDGET


def test_it_speeds_up_when_there_is_room():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=30, draw=0.040, count=20)
    slow = policy.interval(30)
    _windows(policy, clocks, ticks=60, draw=0.004, count=20)
    fast = policy.interval(30, current=slow)
    assert fast < slow
    assert policy.interval(1) == FASTEST  # one learner: 10 redraws a second
    # More runs never make it faster.
    rates = [policy.interval(n) for n in (1, 2, 5, 10, 20, 30, 60, 120)]
    assert rates == sorted(rates)


def test_a_class_keeps_two_redraws_a_second_while_drawing_alone_fits():
    clocks = Clocks()
    policy = _policy(clocks)
    # Drawing 30 runs 2.5 times a second at 16 ms takes 1.2 cores: more than its half of 1.8,
    # less than the most it may take (0.8 of it). Training gives way; the charts stay at
    # STEADY (asked 2.5 times a second, each student gets 2 or more).
    _windows(policy, clocks, ticks=60, draw=0.016, count=20)
    assert policy.interval(30) == STEADY
    assert policy.slice(STEADY, 30) < policy.slice(STEADY, 10)


def test_a_faster_rung_needs_room_to_spare_hysteresis():
    clocks = Clocks()
    policy = _policy(clocks, draw_guess=0.0)
    # 30 runs drawing at 9.9 ms: 0.33 s is needed, so 0.4 s is the rung.
    _windows(policy, clocks, ticks=60, draw=0.0099, count=40)
    assert policy.interval(30) == 0.4
    # The cost falls 10 %: 0.3 s would just fit, but not with 15 % to spare: a page at 0.4 s
    # keeps it, while a page starting afresh gets 0.3 s.
    _windows(policy, clocks, ticks=60, draw=0.0089, count=40)
    assert policy.interval(30) == 0.3
    assert policy.interval(30, current=0.4) == 0.4
    # A little dearer again (4 % over what 0.3 s allows): a page at 0.3 s keeps it too.
    _windows(policy, clocks, ticks=60, draw=0.00936, count=60)
    assert policy.interval(30) == 0.4
    assert policy.interval(30, current=0.3) == 0.3
    # A real fall (a third cheaper) moves it.
    _windows(policy, clocks, ticks=60, draw=0.006, count=40)
    assert policy.interval(30, current=0.4) < 0.4
    # Slower never waits: a dearer tick slows a page at once.
    _windows(policy, clocks, ticks=60, draw=0.030, count=40)
    assert policy.interval(30, current=0.3) > 0.4


def test_the_page_waits_before_speeding_up_and_slows_down_at_once():
    clocks = Clocks()
    policy = _policy(clocks)
    run = LiveRun(TrainConfig(model="mlp", task="regression"))
    run.policy = policy
    run.running, run.last_tick = True, 1000.0
    try:
        _windows(policy, clocks, ticks=60, draw=0.001, count=20)  # room: 10 a second
        assert run.retune(1.0, now=1000.0) is False  # faster: not yet
        assert run.retune(1.0, now=1004.0) is False
        assert run.retune(1.0, now=1005.1) is True  # after 5 s of wanting it
        _windows(policy, clocks, ticks=60, draw=0.5, count=20)  # a tick now costs 0.5 s
        assert run.retune(0.1, now=1005.2) is True  # slower: at once
    finally:
        run.running = False


def test_overruns_lower_the_capacity_and_it_comes_back_slowly():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.010, count=20)
    calm = policy.interval(30)  # a page loading: the windows right after it never cut
    _windows(policy, clocks, ticks=60, draw=0.010, count=policy.SETTLE)
    # Ticks are cheap on paper (0.6 cores), yet half of them overrun: the process is not
    # getting the cores it is owed (the GIL, other programs on the machine).
    seen = [policy.capacity]
    for _ in range(40):
        _windows(policy, clocks, ticks=60, draw=0.010, overrun=0.5, count=1)
        seen.append(policy.capacity)
    assert seen[1] == pytest.approx(policy.CUT * BUDGET)  # the first overloaded window
    cuts = [i for i, (a, b) in enumerate(itertools.pairwise(seen)) if b < a]
    assert all(b <= a for a, b in itertools.pairwise(seen))  # never up while overloaded
    # A cut at most every SETTLE windows: the pages need a moment to move to the new rate.
    assert all(j - i >= policy.SETTLE for i, j in itertools.pairwise(cuts))
    assert policy.capacity == pytest.approx(policy.FLOOR * BUDGET)  # and never below
    overloaded = policy.interval(30)
    assert overloaded > calm
    # Ticks on time again: the capacity waits until the overruns have faded, then comes
    # back a little each window, so the rate does not jump back (and overrun again).
    _windows(policy, clocks, ticks=60, draw=0.010, count=3)
    assert policy.capacity == pytest.approx(policy.FLOOR * BUDGET)
    _windows(policy, clocks, ticks=60, draw=0.010, count=20)
    assert policy.FLOOR * BUDGET < policy.capacity < 0.5 * BUDGET
    _windows(policy, clocks, ticks=60, draw=0.010, count=60)
    assert policy.capacity == BUDGET
    assert policy.interval(30) == calm


def test_after_an_overload_the_capacity_creeps_back_near_where_it_overloaded():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.010, count=5)
    # Overloaded windows, three cuts SETTLE windows apart: 1.8 -> 1.53 -> 1.30 -> 1.11 cores.
    for _ in range(2 * policy.SETTLE + 1):
        _windows(policy, clocks, ticks=60, draw=0.010, overrun=0.5, count=1)
    assert policy.ceiling == pytest.approx(BUDGET * policy.CUT**2)  # where the last one hit
    low = policy.capacity
    steps = []
    for _ in range(40):
        before = policy.capacity
        _windows(policy, clocks, ticks=60, draw=0.010, count=1)
        steps.append((before, policy.capacity - before))
    fast = [d for c, d in steps if c < 0.95 * policy.ceiling and d > 0]
    slow = [d for c, d in steps if 0.95 * policy.ceiling <= c <= 1.15 * policy.ceiling]
    assert fast and slow and max(slow) < min(fast)
    assert low < policy.capacity < BUDGET


def test_a_burst_of_page_loads_raises_the_cost_of_a_tick_gradually():
    clocks = Clocks()
    policy = _policy(clocks)
    _windows(policy, clocks, ticks=60, draw=0.010, count=20)
    # 30 pages loading at once: 3 CPU seconds in a window with only 6 ticks.
    for _ in range(6):
        clocks.advance(1 / 6, 0.5)
        policy.note_tick()
    assert policy.draw_cpu < 0.010 * policy.GROWTH + 0.002  # not 0.5 s a tick
    assert policy.interval(30) < SLOWEST


def test_a_window_with_too_few_ticks_waits_for_more():
    clocks = Clocks()
    policy = _policy(clocks, draw_guess=0.010)
    for _ in range(3):  # three ticks in three seconds, with a page load among them
        clocks.advance(1.0, 0.3)
        policy.note_tick()
    assert policy.draw_cpu == 0.010  # nothing folded yet
    for _ in range(3):
        clocks.advance(1.0, 0.01)
        policy.note_tick()
    assert policy.draw_cpu > 0.010  # folded once enough time passed


def test_a_run_that_ticks_late_reports_an_overrun_and_a_paused_one_does_not():
    clocks = Clocks()
    policy = _policy(clocks)
    run = LiveRun(TrainConfig(model="mlp", task="regression"))
    run.policy, run.running = policy, True
    try:
        run.note_tick(started=10.0, interval=0.5, now=10.1)
        run.note_tick(started=10.5, interval=0.5, now=10.6)  # on time
        assert policy.overruns == 0 and not run.behind
        run.note_tick(started=11.4, interval=0.5, now=11.5)  # 0.9 s after the last: late
        assert policy.overruns == 1 and run.behind
        run.note_tick(started=11.9, interval=0.5, now=12.5)  # took 0.6 s: over
        assert policy.overruns == 2 and run.behind
        run.note_tick(started=40.0, interval=0.5, now=40.1)  # after a pause
        assert policy.overruns == 2 and not run.behind
    finally:
        run.running = False


def test_total_demand_stays_under_the_capacity():
    clocks = Clocks()
    policy = _policy(clocks)
    for draw in (0.001, 0.004, 0.01, 0.02, 0.05):
        _windows(policy, clocks, ticks=40, draw=draw, count=30)
        for active in (1, 3, 10, 30, 60):
            interval = policy.interval(active)
            if interval < SLOWEST and policy.slice(interval, active) > policy.SLICE_MIN:
                assert _demand(policy, active, interval) <= policy.capacity * 1.001


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 200),  # ticks in the window
            st.floats(0.0, 2.0),  # CPU seconds each tick costs
            st.floats(0.0, 1.0),  # share of them that overran
            st.floats(0.0, 3.0),  # seconds the window lasted
        ),
        max_size=30,
    ),
    st.integers(0, 10_000),
)
def test_the_interval_and_the_slice_stay_within_their_bounds(windows, active):
    clocks = Clocks()
    policy = _policy(clocks)
    for ticks, cost, overrun, seconds in windows:
        late = round(overrun * ticks)
        for i in range(ticks):
            clocks.advance(seconds / max(1, ticks), cost)
            policy.note_tick(cost / 2)
            if i < late:
                policy.note_overrun()
        clocks.advance(0.0 if ticks else seconds, 0.0)
        interval = policy.interval(active)
        assert FASTEST <= interval <= SLOWEST and interval in RUNGS
        assert policy.interval(active, current=SLOWEST) <= SLOWEST
        assert policy.SLICE_MIN <= policy.slice(interval, active) <= policy.SLICE_MAX
        assert policy.FLOOR * BUDGET <= policy.capacity <= BUDGET
        assert 0.0 <= policy.overrun <= 1.0 and policy.draw_cpu > 0


def test_bad_settings_are_refused_with_what_to_pass():
    with pytest.raises(ValueError, match="budget > 0"):
        RefreshPolicy(0)
    with pytest.raises(ValueError, match="draw_share <= draw_most"):
        RefreshPolicy(1.8, draw_share=0.9, draw_most=0.5)
