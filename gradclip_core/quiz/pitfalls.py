"""Pitfalls named under a label: "Common mistake: thinking clipping also enlarges small grads."

A good answer often ends on a labelled pitfall, "Common mistake: treating clipping as a fix for
vanishing gradients.", "Classic pitfall: calling unscale_ twice in one iteration." or "Mistake
to avoid: computing one ratio over the whole model", and goes on to say why it is wrong. The way
named after the label is a gerund phrase: it names what others do, it asserts nothing. So that
sentence (up to its end or a ";", or to a "but" / "however" that turns to the fix) is read as a
supposition: each of its clauses is led by "suppose", which :mod:`.suppose` marks as the premise
of its clause. A label followed by a finite statement ("Common mistake: people clip ...", "A
common bug is that ...") is left to :mod:`.confessed` and :mod:`.reported`; the sentences after
the label's sentence, the answer's own correction, are left as said. A remark in brackets in the
named way ("(for example once before clipping and again later)") is read as a clause of its own
(:mod:`.remarks`), so it is led by "suppose" too. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.confessed import told

_LABEL = (  # "common mistake:", "a classic pitfall -", "mistake to avoid:", "misconception:"
    r"(?:(?:a|the|one|another)\s+)?(?:(?:most\s+)?(?:common|classic|typical|frequent|usual)\s+)?"
    r"(?:mistakes?|bugs?|errors?|pitfalls?|misconceptions?|traps?|gotchas?)"
    r"(?:\s+to\s+avoid)?\s*(?::|\s[-—–]\s)\s*"
)
_BODY = r"(?:[^.!?;\n]|\.(?!\s|$))*?"  # ".grad" does not end a sentence, ";" does
_END = r"(?=\s*[,;]?\s*\b(?:but|however)\b|[.!?](?:\s|$)|[;\n]|$)"
_ASIDE = re.compile(r"\((?!suppose\b)(?=[a-z])")  # "(for example once before clipping ...)"
_NAMED = re.compile(  # the label, then a gerund phrase to the end of its sentence
    rf"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?(?:\*\*)?{_LABEL}(?:\*\*)?\s*)"
    rf"([a-z]+ing\b{_BODY}{_END})"
)


def mark(text: str) -> str:
    """``text`` with each clause of a gerund phrase named under a pitfall label led by
    "suppose"."""
    return _NAMED.sub(lambda m: m.group(1) + told(_ASIDE.sub(r"(suppose ", m.group(2))), text)
