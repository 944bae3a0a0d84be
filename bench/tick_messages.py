"""What one live tick sends: the messages and bytes of a playground redraw, by kind.

Every message a script run sends is a wake-up of the server's event loop from the script's
thread (``call_soon_threadsafe``); a class of 30 at 2.5 redraws a second sends 75 ticks a
second, so a tick's message count is part of what a class costs. Starts ``streamlit run
app.py`` on 127.0.0.1, opens the Playground as one emulated student (``bench/classroom.py``'s
protocol-level client), presses Start, lets the run settle, then sends ``--ticks`` reruns of the
live fragment, one every 0.5 s, and prints the messages per tick by kind (a delta names the
element or block it adds) and the bytes per tick.

Usage::

    .venv/bin/python bench/tick_messages.py [--ticks 20] [--preset healthy]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
from pathlib import Path

import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classroom import Student  # noqa: E402
from live_refresh import _serve  # noqa: E402
from servers import free_port  # noqa: E402


class Counter(Student):
    """A student that counts what it receives while :attr:`counting` is set."""

    def __init__(self, url: str, query: str):
        super().__init__(url, query)
        self.kinds: collections.Counter[str] = collections.Counter()
        self.bytes = 0
        self.counting = False

    def _read(self, raw: bytes) -> None:
        super()._read(raw)
        if not self.counting:
            return
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta":
            delta = msg.delta
            what = delta.WhichOneof("type")
            kind = f"delta {what}"
            if what == "new_element":
                kind += f" {delta.new_element.WhichOneof('type')}"
            elif what == "add_block":
                kind += f" {delta.add_block.WhichOneof('type')}"
        self.kinds[kind] += 1
        self.bytes += len(raw)


async def count(url: str, preset: str, ticks: int) -> Counter:
    student = Counter(url, f"preset={preset}&edge=off&speed=1")
    async with websockets.connect(
        f"{url}/_stcore/stream", subprotocols=["streamlit"], max_size=None
    ) as ws:
        reader = await student.start(ws)
        await asyncio.sleep(2.0)  # the page run that starts the timer has come and gone
        student.counting = True
        for _ in range(ticks):
            fragment_id, _interval = student.fragment
            await ws.send(student._rerun(fragment_id=fragment_id, is_auto_rerun=True))
            await asyncio.sleep(0.5)
        student.counting = False
        reader.cancel()
    return student


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--preset", default="healthy")
    args = parser.parse_args()
    if args.ticks < 1:
        parser.error("--ticks must be 1 or more")
    port = free_port()
    proc = _serve(port)
    try:
        student = asyncio.run(count(f"ws://127.0.0.1:{port}", args.preset, args.ticks))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    n = args.ticks
    total = sum(student.kinds.values())
    print(f"preset {args.preset}, {n} ticks of the live fragment, one every 0.5 s, 1 step each")
    print(f"{total / n:.1f} messages a tick, {student.bytes / n / 1e3:.1f} KB a tick")
    for kind, k in student.kinds.most_common():
        if k / n >= 0.5:  # what every tick sends (a page run now and then sends the rest)
            print(f"  {k / n:5.1f}  {kind}")


if __name__ == "__main__":
    main()
