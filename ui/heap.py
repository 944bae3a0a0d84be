"""The process's long-lived objects, out of the way of Python's full garbage collections.

No ``st.*`` calls here. A full (generation 2) collection walks every object the collector
tracks, with the GIL held: with torch, Streamlit, Plotly and the app loaded, and a class of 30
training, that is about 440,000 objects and 0.2-0.3 s (on a quiet 2-core machine; up to 0.86 s
on a busy one) in which no session draws and no step trains. Each one stalled every page at
once, and the refresh policy read the late ticks as load (``bench/gc_pauses.py``). Modules,
classes and functions live as long as the process, so the app moves them to the permanent
generation once, at its first run (:func:`gc.freeze`): a full collection then walks only what
the sessions made.

The freeze runs in the first session's first run, so that session's few objects of the moment
are frozen with the imports: should they end in a reference cycle, it is never collected. Its
trainer is not among them (it is built later, and released with its tab like any other,
``ui/live.py``).
"""

from __future__ import annotations

import gc
import importlib
import os
from threading import Lock

# What a first page run imports anyway, loaded before the freeze so they are frozen too.
# torch.optim imports torch._dynamo (and sympy) when the first optimizer is built: about
# 115,000 objects, a quarter of what a server tracks.
SHARED = (
    "torch",
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

    Returns whether this call froze (False: an earlier call did). The collector is off while
    the modules load: each full collection would walk the growing heap again (a server's start
    ran 6 of them, 2.0 s in all). No collection comes before the freeze either, as Python's
    documentation of :func:`gc.freeze` does it: the ~10,000 objects the imports left behind
    (a few MB) stay frozen for good, where collecting them would add 0.4-0.8 s to the first
    page's render.
    """
    global _frozen
    with _lock:
        if _frozen or os.environ.get("GRADCLIP_GC_FREEZE") == "0":  # bench/gc_pauses.py
            return False
        enabled = gc.isenabled()
        gc.disable()
        try:
            for name in modules:
                importlib.import_module(name)
        finally:
            if enabled:
                gc.enable()
        gc.freeze()
        _frozen = True
        return True
