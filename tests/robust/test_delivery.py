"""ui/delivery.py: a script run waits until the server's event loop has its elements.

The whole effect is measured through a real server in tests/robust/test_class_link.py (30
students, each must get the explosion callout); these pin the parts it relies on.
"""

from __future__ import annotations

import asyncio
import threading
import time

from streamlit.runtime import Runtime
from streamlit.runtime.runtime import AsyncObjects

from ui import delivery


def test_streamlit_still_keeps_its_event_loop_where_delivery_reads_it():
    assert callable(getattr(Runtime, "_get_async_objs", None))
    assert "eventloop" in AsyncObjects._fields


def test_without_a_server_it_returns_at_once():
    started = time.monotonic()
    assert delivery.wait_until_taken() is False
    assert time.monotonic() - started < 0.5


def test_it_waits_for_what_the_loop_has_queued_before_it(monkeypatch):
    loop = asyncio.new_event_loop()
    monkeypatch.setattr(delivery, "_event_loop", lambda: loop)
    handled: list[str] = []
    # Two "elements" queued by the script thread before it waits, as Streamlit queues them.
    loop.call_soon_threadsafe(handled.append, "callout")
    loop.call_soon_threadsafe(handled.append, "chart")
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(delivery.wait_until_taken(5.0)))
    waiter.start()
    time.sleep(0.2)
    assert not result  # the loop has not run yet: the run is held open
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    waiter.join(5)
    assert result == [True] and handled == ["callout", "chart"]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_a_loop_that_never_runs_holds_the_run_only_as_long_as_the_timeout(monkeypatch):
    loop = asyncio.new_event_loop()
    monkeypatch.setattr(delivery, "_event_loop", lambda: loop)
    started = time.monotonic()
    assert delivery.wait_until_taken(0.3) is False
    assert 0.25 < time.monotonic() - started < 2
    loop.close()
    assert delivery.wait_until_taken(0.3) is False  # a closed loop: the server is stopping
