"""A function's signature in a code answer names its inputs; it asserts nothing.

Code answers wrap their point in a helper, and its signature is read like any other line: "def
adaptive_clip_(weight, clipping=0.01):" would say "clip ... weight" (AGC clipping the weights), "def
agc_step(model, optimizer, lam=0.01, skip=("fc",)):" that AGC skips, and "def __init__(self, params,
lam=0.01):" that it works from the weights at initialisation. The names of a function and of its
parameters say what the code takes, not what clipping does. So each line that defines a function
("def name(...):", "async def ...", up to the end of its bracket) is read as a supposition: each of
its clauses is led by "suppose" (:mod:`.asked`), which :mod:`.suppose` marks as the premise of its
clause, so no misconception is read in it (a concept still can be). The same goes for a guard that
passes over some parameters, "if p.grad is None or name.startswith(skip) or p.ndim < 2: continue":
it says which tensors the loop leaves out, not that clipping skips or zeroes anything. What the
docstring and the rest of the body say is read as usual.

A function named for one way of clipping ("def clip_norm(params, c):", "def clip_by_value_(...)")
is what the comment or docstring that opens its body is about: "# one scale factor c/||g||
...: every entry shrinks by the same ratio" names no subject of its own. When that opening
line names neither "norm" nor "value", it is led by the way as a heading ("norm clipping: one
scale factor ..."), which lends its subject to the clauses after it. Reads the lower-cased
answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_DEF = re.compile(r"^([ \t]*)((?:async[ \t]+)?def[ \t]+\w+[ \t]*\([^)]*\)[^:\n]*:?)", re.M)
_NAMED_FOR = re.compile(  # "def clip_norm(...):" then "    # one scale factor ..." or a docstring
    r"^([ \t]*def[ \t]+(?:clip_(?:by_)?(norm|value)_?|(norm|value)_clip\w*)[ \t]*\([^)]*\)[^\n]*\n"
    r"[ \t]*(?:#+|\"\"\"|\'\'\'|r\"\"\")[ \t]*)(?![^\n]*\b(?:norm|value)\b)",
    re.M,
)
_GUARD = re.compile(r"^([ \t]*)(if[ \t][^\n]*):(?=[ \t]*(?:\n[ \t]*)?continue\b)", re.M)


def mark(text: str) -> str:
    """``text`` with each function's signature, and each guard's condition, read as a
    supposition."""
    text = _NAMED_FOR.sub(lambda m: f"{m[1]}{m[2] or m[3]} clipping: ", text)
    text = _GUARD.sub(lambda m: m[1] + supposed(m[2][3:]) + ":", text)  # "if" would lead it
    if "def" not in text:
        return text
    return _DEF.sub(lambda m: m[1] + supposed(m[2].replace(":", " ")), text)
