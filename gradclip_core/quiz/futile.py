"""Small readings for the order judge (:mod:`.call_order`) that its own module has no room for.

- a placement called wrong is rejected: "after step is too late", "clipping before backward is
  useless", and so is one said to achieve nothing: "clipping after step achieves nothing",
  "before backward there is no one to check yet", "... there is nothing to clip" (read as "not
  after step", "not before backward"), and so is one where what the clip is for is spent: "after
  step the update has already been applied";
- a clip told by how much it cuts ("the step gets clipped far too much") is an effect, no call;
- "step" followed by a number names a step of a list or of training, not ``optimizer.step()``:
  "steps 3 to 5 are the important part", "step 2 is the clip", "a nan at step 3k";
- "between" orders the calls it names only when the first comes soon after it, in its clause
  ("between loss.backward() and optimizer.step()", "between the last micro-batch's backward and
  step"), not "like proofreading between writing and printing: the clip goes after backward";
- "then" leads to the call a placing phrase after it places, not to that phrase's object:
  "..., then right before optimizer.step() clip once" puts the clip next, not the step.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gradclip_core.quiz.claims import wordset

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause

_TIMING = wordset("late early soon")  # "too late": the placement is wrong
_WRONG = wordset("useless pointless wrong meaningless")
_NONE = wordset("nothing no none")
_ACHIEVES = wordset("achieves achieve does do did changes change accomplishes accomplish")
_EXISTS = wordset("is are s was were")
_PLACERS = frozenset({"before", "after", "prior", "ahead"})  # "then right before step(), clip"
_NUMBER = re.compile(r"\d+(?:\.\d+)?[km]?")  # "step 3000", "step 3k": a step index
_OTHERWISE = wordset("or otherwise else")
_DEGREE = wordset("too far way much heavily excessively overly harder unnecessarily needlessly")
_SPENT = wordset("applied used consumed updated taken moved happened stepped")
BETWEEN_REACH = 6  # words from "between" to the first call it names, at most


def rejected(clause: Clause) -> bool:
    """Whether the clause calls its placement wrong: "after step is too late", "clipping
    before backward is useless", "... achieves nothing" (read as "not after step", "not before
    backward")."""
    raws = [t.raw for t in clause.toks]
    late = any(a == "too" and b in _TIMING for a, b in zip(raws, raws[1:], strict=False))
    return late or any(r in _WRONG for r in raws) or futile(raws) or spent(raws)


def spent(raws: list[str]) -> bool:
    """Whether a clause led by "after" says what the clip should act on is already used up
    there: "after step the update has already been applied with the unclipped ones" (read as
    "not after step"; not "after backward the gradients are already computed")."""
    if "after" not in raws[:3] or "already" not in raws:
        return False
    k = raws.index("already")
    return bool(_SPENT & set(raws[k + 1 : k + 4]))


def futile(raws: list[str]) -> bool:
    """Whether a clause says its placement achieves nothing ("it achieves nothing", "before
    backward there is nothing to clip"; not "until then there are no gradients to clip")."""
    pairs = list(zip(raws, raws[1:], strict=False))
    exists = "before" in raws and any(a == "there" and b in _EXISTS for a, b in pairs)
    if exists and any(a in _EXISTS and b in _NONE for a, b in pairs):
        return True
    # "..., or it does nothing useful": what happens otherwise, not the placement named
    return any(
        a in _ACHIEVES and b == "nothing" and not _OTHERWISE & set(raws[:k])
        for k, (a, b) in enumerate(pairs)
    )


def unacted(name: str, raws: list[str], last: int) -> bool:
    """Whether the call word ending at ``last`` names no call the procedure runs: a list's
    "step 3", or a clip told by how much it cuts ("the step gets clipped far too much")."""
    if name == "step":
        return numbered(raws, last)
    return (
        name == "clip"
        and raws[last].endswith("ed")
        and last + 1 < len(raws)
        and (raws[last + 1] in _DEGREE)
    )


def numbered(raws: list[str], last: int) -> bool:
    """Whether the word at ``last`` ("step", "steps") is followed by a number: a list's step."""
    return last + 1 < len(raws) and bool(_NUMBER.fullmatch(raws[last + 1]))


def far_between(raws: list[str] | None) -> bool:
    """Whether the first call after "between" is too far from it to be what it names: ``raws``
    are the words between them in its clause (None when the call is in another clause)."""
    return raws is None or len(raws) > BETWEEN_REACH or bool({"and", "or"} & set(raws))


def after_between(near: list[str]) -> set[str]:
    """The words after "between" that may name the pair: "them", "the two", "the other two"
    (``near``: the three words after it; "the first two" stops at two)."""
    return set(near if near[1:2] == ["other"] else near[:2])


def then_placed(reader, n: int, i: int):
    """The first mention after "then" (at answer index ``i``, in clause ``n``), or, when a
    placing phrase comes between them, the one it places: in "let the backward() calls add
    up, then right before optimizer.step() clip once" the clip, not the step (the object of
    "before"); the object itself when nothing comes after it in the clause."""
    nxt = next((m for m in reader.said if m.i > i and m.clause == n), None)
    if nxt is None or not {t.raw for t in reader.found[n].toks if i < t.i < nxt.i} & _PLACERS:
        return nxt
    return next((m for m in reader.said if m.i > nxt.i and m.clause == n), nxt)
