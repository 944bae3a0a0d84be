"""Hold a script run open until the server has taken what it drew, so none of it is dropped.

A Streamlit script run hands each element to the server's event loop as it draws it; the
loop queues it for the browser. When a run ends with no request waiting, its script runner
stops, and the next request (a live chart's timer tick, say) starts a new runner. If that
request reaches the event loop before the old run's elements do, the session ignores them:
they came from a runner that is no longer current (``AppSession`` drops events from a
"non-current ScriptRunner"). On a busy server the loop lags behind the script threads, and a
page run that ends a live run (the explosion callout, a pause) could vanish this way: a CI
run of tests/robust/test_class_link.py had 3 of 30 students without the callout.

:func:`wait_until_taken` closes that gap: the run ends only after the event loop has
handled everything it sent (events reach the loop in order), and a tick that arrives
meanwhile is queued on the same runner instead of starting a new one.

app.py calls it at the end of every page run, the runs that must not vanish. Live ticks do
not wait: a dropped tick is redrawn by the next one, and waiting after each was slower and
less steady in bench/busy_class.py (30 students with 3 CPU hogs on 2 cores: the explosion
reached all 30 in a median of 18-90 s over four runs and only 4 of 30 in 120 s in a fifth,
against a median of 25-42 s in three runs waiting only after page runs).
"""

from __future__ import annotations

import asyncio
import threading

from streamlit.runtime import Runtime

TAKEN_WAIT_S = 2.0  # at most this long: a server that busy still ends the run


def _event_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop; None outside a running server (AppTest, bare mode)."""
    if not Runtime.exists():
        return None
    try:
        # Streamlit keeps it private (``Runtime._get_async_objs``); requirements.txt pins
        # Streamlit, and tests/robust/test_delivery.py fails if this stops finding it.
        return Runtime.instance()._get_async_objs().eventloop
    except (AttributeError, RuntimeError):
        return None


def wait_until_taken(timeout: float = TAKEN_WAIT_S) -> bool:
    """Block this script thread until the event loop has handled every element this run has
    drawn so far; whether it did within ``timeout`` seconds (False without a server)."""
    loop = _event_loop()
    if loop is None or loop.is_closed():
        return False
    try:
        if asyncio.get_running_loop() is loop:  # on the loop itself: nothing is pending
            return True
    except RuntimeError:
        pass  # a script thread: no loop running here, as expected
    taken = threading.Event()
    try:
        loop.call_soon_threadsafe(taken.set)
    except RuntimeError:  # the loop closed meanwhile (the server is stopping)
        return False
    return taken.wait(timeout)
