"""Headings in answers: a way named as a heading describes a case, it asserts nothing.

"Clipping after each micro-batch: after the first backward .grad = (6, 0), clipped to (5, 0)."
and "Wrong way, clipping the scaled grads: their norm is ..." walk through a way the answer goes
on to reject (or has rejected), and "why: clipping before unscale = comparing S-times-too-big
grads" names one by what it amounts to, and so do "per-micro-batch clipping: the running sum
gets shrunk ..." and "worked example, ..., clipped after every backward: after mb1 ...". A
sentence led by such a heading (a gerund of an action before ":" or "=", or a label that
rejects, "wrong way", "incorrect", before "," or ":") is read as a supposition: each of its
clauses is led by "suppose", which :mod:`.suppose` marks as the premise of its clause. A heading
that only names a topic ("clipping:", "clipping by norm: ...", "unscaling: ...", "clipping
placement with accumulation: ...") introduces what the answer asserts, and so does a statement
("clipping fixed it: ...", "clipping each micro-batch would distort it: the late ones ..."),
so it is left as said. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import CLAUSE, supposed
from gradclip_core.quiz.cases import checked  # a false result in the case is still false

# a verb that makes the words before ":" a statement: "clipping happens after the step: ..."
_FINITE = (
    r"\b(?:is|are|was|were|happens?|goes|runs?|comes?|must|should|has|have|does|do|can|will"
    r"|works?|means|gives|makes|takes|needs|keeps|looks|belongs|scales|rescales|shrinks"
    r"|checks|treats|acts|clamps|caps|limits|cuts|changes|preserves|computes|multiplies|divides"
    r"|sets|applies|operates|considers|handles|restricts|clips|modifies|affects|leaves|sees"
    r"|uses|compares|measures|replaces|zeroes|zeros|removes|drops|turns|maps|forces|squashes"
    r"|isn|aren|wasn|doesn|don|won|cannot|shouldn|mustn"  # "clipping ... isn't allowed: ..."
    r"|fixed|solved|helped|worked|saved|stopped|cured|did|made"  # "clipping fixed it: ..."
    r"|would|could|might|distorts|skews|biases|breaks|ruins|hurts)\b"  # "... would distort it:"
)
_HEADED = re.compile(  # from the heading to the end of its sentence
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?(?:why\s*:\s*)?)"
    r"((?:(?:the\s+)?(?:wrong|incorrect|naive|bad)(?:\s+(?:way|order|version|approach))?\s*[,:]\s*"
    r"|(?:per|each|every)[- ][\w-]+(?:\s+[\w-]+)?\s+clipping\s*[:=]\s*"  # "per-step clipping:"
    r"|(?:worked\s+)?example\b[^.!?;:=\n]{0,120}?\bclip\w*\s+(?:after|for|at|on)\s+(?:every|each)\b"
    r"[^.!?;:=\n]{0,40}:\s*"  # "example, ..., clipped after every backward: ..."
    # "clipping by norm:", "unscaling:": a topic named, not a way (no verb in -s right after)
    r"|(?:clipping|unscaling|calling|applying)\b(?!\s+(?:\w+s|placement|position|order|location"
    r"|spot|setup|recipe|rule|strategy|threshold|mode|call|frequency|timing|point)\b)"
    r"(?!(?:\s+by\s+(?:the\s+)?(?:norm|value))?(?:\s*\([^()\n]{0,40}\))?\s*[:=])"
    rf"(?:(?!{_FINITE})[^.!?;:=\n]){{0,80}}[:=]\s*)"
    r"(?:[^.!?;\n]|\.(?!\s|$))*)"  # up to the end of the sentence (".grad" does not end it)
)
_PARTS = re.compile(rf":\s*|{CLAUSE.pattern[1:-1]}")  # "clipping ...: after the first ..."


def mark(text: str) -> str:
    """``text`` with each clause of a sentence led by a heading led by "suppose"."""
    return _HEADED.sub(lambda m: m.group(1) + checked(supposed(m.group(2), _PARTS)), text)
