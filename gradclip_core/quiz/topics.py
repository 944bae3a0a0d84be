"""How far back a topic carried from clause to clause may come from, for :mod:`.match`.

A clause that names no subject takes the topic of the clauses before it, for a few sentences
(``TOPIC_SENTENCES``). A Socratic answer puts a question between the topic and what it says of
it: "What about value clipping? It clips each coordinate separately. Is that a problem? It can
be: big ones are flattened while small ones stay, so the direction changes". The questions
assert nothing (:mod:`.asked` reads all their words as supposed), so a sentence that only asks
does not count in the distance when the sentence after it goes on with a pronoun ("It can
be: ..."): the direction still changes under value clipping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradclip_core.quiz.text import Clause

_PRONOUNS = frozenset(("it", "they", "that", "this", "these", "those"))
TOPIC_SENTENCES = 2  # sentences back a topic carried on from clause to clause may come from


def fresh(donor: Clause, clause: Clause, before: list[Clause]) -> bool:
    """Whether ``donor`` (a clause of ``before``) names a topic ``clause`` may still take: at most
    ``TOPIC_SENTENCES`` sentences back, not counting the sentences between that only ask."""
    if donor.sentence >= clause.sentence - TOPIC_SENTENCES:
        return True
    lead = next(c for c in [*before, clause] if c.sentence == clause.sentence)
    if not lead.toks or lead.toks[0].raw not in _PRONOUNS:
        return False  # "what's the payoff? the updates stay ...": a new subject, no topic
    between = [c for c in before if donor.sentence < c.sentence < clause.sentence]
    said = {c.sentence for c in between if c.premise < len(c.toks)}  # a word not supposed
    return len(said) < TOPIC_SENTENCES
