"""The process's long-lived objects, out of the way of Python's full garbage collections.

No ``st.*`` calls here. A full (generation 2) collection walks every object the collector
tracks, with the GIL held: with torch, Streamlit, Plotly and the app loaded that is about
290,000 objects and 0.3-0.5 s in which no session draws and no step trains. A server under 10
emulated students ran 7 of them in its first minute, 2.0 s in all (measured with
``gc.callbacks``); each one stalled every page at once, and the refresh policy read the late
ticks as load. Modules, classes and functions live as long as the process, so the app moves
them to the permanent generation once, at its first run (:func:`gc.freeze`): a full
collection then walks only what the sessions made.

The freeze runs in the first session's first run, so that session's few objects of the moment
are frozen with the imports: should they end in a reference cycle, it is never collected. Its
trainer is not among them (it is built later, and released with its tab like any other,
``ui/live.py``).
"""

from __future__ import annotations

import gc
import importlib
from threading import Lock

# What a first page run imports anyway, loaded before the freeze so they are frozen too.
# torch.optim imports torch._dynamo (and sympy) when the first optimizer is built: about
# 115,000 objects, half of what a server tracks.
SHARED = (
    "numpy",
    "plotly.graph_objects",
    "torch._dynamo",
    "gradclip_core",
    "ui.live",
    "ui.charts",
)

_lock = Lock()
_frozen = False


def freeze_imports(modules: tuple[str, ...] = SHARED) -> bool:
    """Import ``modules`` and freeze every object alive now, once per process.

    Returns whether this call froze (False: an earlier call did). The young generations are
    collected first (a few ms), so the garbage the imports left is freed, not frozen.
    """
    global _frozen
    with _lock:
        if _frozen:
            return False
        for name in modules:
            importlib.import_module(name)
        gc.collect(1)
        gc.freeze()
        _frozen = True
        return True
