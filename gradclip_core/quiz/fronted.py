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

An order word that leads its clause and is followed, after its object, by a subject and a call
("..., and just before optimizer.step() you clip") orders that call, not one named earlier in
the sentence: :func:`subject` finds what the order word places.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradclip_core.quiz.claims import wordset
from gradclip_core.quiz.text import Tok, meaningful

_SUBJECTS = wordset("you we i they")
# words that can come before an order word that leads its clause: "and then just before ..."
_LEADING = wordset("and then so but just right only immediately directly")


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
    the call named at index ``named``: after an ordinal ("after that last backward"), or right
    before the call in words ("after that backward"); "after that optimizer.step()" written as
    code is "after that, optimizer.step()"."""
    if named is None or not 2 <= named - i <= 3:
        return False
    between = [t for t in toks if i < t.i < named]
    if named - i == 3:
        return [t.raw for t in between[1:]] in (["last"], ["final"])
    return not any(t.code for t in toks if t.i == named)


def subject(reader, clause, n: int, i: int, markers: frozenset[str]):
    """The mention that the order word at answer index ``i`` of clause ``n`` places: the call
    after its object in that clause when the order word leads the clause ("and just before
    optimizer.step() you clip"), or the next one when "then" leads it too ("..., then right
    before optimizer.step() clip once"), else the one before it in its sentence, else the next
    one.

    Args:
        reader: the :class:`.call_order._Reader` of the answer.
        clause: the clause of the order word; n: its index; markers: the order words.
    """
    lead = [t for t in clause.toks if t.i < i and meaningful(t)]
    if all(t.raw in _LEADING for t in lead):
        stop = object_end(clause.toks, i, markers)
        inner = [m for m in reader.said if m.clause == n and m.i >= stop]
        if inner and any(t.i == stop and t.raw in _SUBJECTS for t in clause.toks):
            return inner[0]
        if any(t.raw == "then" and t.i < i for t in clause.toks):  # "then right before step() clip"
            ahead = [m for m in reader.said if m.clause == n and m.i > i][1:]  # past its object
            nxt = (inner or ahead or [reader.later(clause.sentence, n)])[0]
            if nxt is not None:
                return nxt
    return reader.before(i, clause.sentence, free=True) or reader.later(clause.sentence, n)
