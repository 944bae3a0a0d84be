"""Where the object of an order word ends: "after the last one you do the optimizer step".

The order reader (:mod:`.call_order`) takes the calls after "after" / "before" up to the next
order word as what that word orders against. When words come between the order word and a new
subject ("you", "we", "i", "they"), those words are its object ("the last one", "the final
micro-batch", "computing the loss") and the calls named after the subject are what the main
clause does: "after the last one you do the optimizer step" runs the step after a micro-batch,
not after any call, while "after you call loss.backward(), clip" still orders the two (the
subject leads the object). And "that" after an order word is no pronoun when an ordinal and a
call follow it: "after that last backward" orders against that backward, while "after that,
optimizer.step() applies them" means "afterwards" (:func:`pointed`). Reads the words of one
clause.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.text import Tok, meaningful

_SUBJECTS = wordset("you we i they")


def object_end(toks: Sequence[Tok], i: int, markers: frozenset[str]) -> int:
    """The answer index where the object of the order word at index ``i`` ends: the next order
    word, or a subject that follows words of the object, or the clause's end."""
    seen = False
    for tok in (t for t in toks if t.i > i):
        if tok.raw in markers or (seen and tok.raw in _SUBJECTS):
            return tok.i
        seen = seen or meaningful(tok)
    return toks[-1].i + 1


def pointed(toks: Sequence[Tok], i: int, named: int | None) -> bool:
    """Whether the word after the order word at answer index ``i`` ("that") is a determiner of
    the call named at index ``named``, after an ordinal: "after that last backward"."""
    raws = [t.raw for t in toks if t.i > i][:3]
    return raws[1:2] in (["last"], ["final"]) and named == i + 3
