"""Confessed and attributed mistakes: a way the answer tells as an error is not asserted.

"I got this wrong at first: I had the clip before loss.backward() ...", "I messed this up by
putting the clip inside the micro-batch loop", "My first version had the clip inside the loop"
and "A bug I once shipped: clip_grad_norm_ sat above backward()" ("Had this bug for weeks: ...")
tell a mistake the learner
made and the answer goes on to correct, and "Learned this one from a bug: ... . I was clipping
the scaled gradients." tells it over two sentences. "Many people put the clip before backward(),
but ..." and "Common mistake: people clip right after backward(), but ..." name a mistake others
make, rejected by the "but". So a misconception must not be read there. A sentence led by a
confession (:data:`_CONFESSION`) and each sentence right after it that goes on telling it in the
first person ("I was clipping ...") are read as suppositions, up to a "but" / "however" that
turns to the fix; a way led by "people" / "tutorials" / "a common mistake" is read so only when
a "but" / "however" in its sentence rejects it. Each of their clauses is led by "suppose", which
:mod:`.suppose` marks as the premise of its clause. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_DID = r"(?:set|put|placed|had|clipped|called|used|wrote|tried|did|ran|added|kept|forgot)"
_CONFESSION = (
    r"i\s+(?:got|had)\s+(?:this|it|that)\s+(?:wrong|backwards)"
    r"|i\s+messed\s+(?:this|it|that)\s+up|i\s+made\s+(?:this|that|the\s+same)\s+mistake"
    r"|(?:i\s+)?(?:learned|learnt)\s+(?:this|it|that)(?:\s+one)?\s+"
    r"(?:from\s+a\s+bug|the\s+hard\s+way)"
    r"|(?:a|one)\s+bug\s+i\s+(?:once\s+)?(?:shipped|had|wrote|made|hit)"
    r"|(?:i\s+)?had\s+(?:this|that|the\s+same)\s+(?:exact\s+)?(?:bug|problem|issue|mistake)"
    r"|(?:this|that)\s+(?:exact\s+)?bug\s+(?:bit|cost|got)\s+me"
    r"|i\s+(?:used\s+to\s+|always\s+)?(?:mix|mixed|confuse|confused)\s+"
    r"(?:these|them|the\s+two|both)"
    r"|my\s+(?:first|old|original|initial|earlier)\s+"
    r"(?:version|script|loop|attempt|code|implementation|try|setup|run|[\w-]+\s+script)"
    rf"|when\s+i\s+first|in\s+my\s+first|at\s+first\s+i|i\s+(?:once|initially|originally)\s+{_DID}"
)
_END = r"(?=\s*[,;]?\s*\b(?:but|however)\b|[.!?](?:\s|$)|\n|$)"  # the fix, or the sentence's end
_BODY = r"(?:[^.!?\n]|\.(?!\s|$))*?"  # ".grad" does not end a sentence
_CONFESSED = re.compile(  # a confession and its sentence, then first-person sentences after it
    rf"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)((?:{_CONFESSION})\b{_BODY}{_END})"
)
_TOLD_ON = re.compile(rf"^(\s+)(i\s+(?:was|were|had|did|{_DID})\b{_BODY}{_END})")
# where a clause of the told mistake can start: each is led by "suppose" ("because suppose ...")
_JOINS = r"(?:and|but|or|so|because|since|which|then|when|while|where|whereas|until)"
_CUTS = re.compile(rf"(:\s*|,\s*(?:{_JOINS}\s+)?|\s+{_JOINS}\s+)")
_OTHERS = re.compile(  # "many people clip inside the loop, but ...": rejected by the "but"
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)"
    r"((?:i\s+think\s+|i've\s+seen\s+)?"
    r"(?:(?:a\s+)?(?:common|classic|typical|frequent)\s+(?:mistake|bug|error|pitfall)\s*[:,]?"
    r"|(?:a|my|one)\s+(?:colleague|friend|coworker|teammate|classmate)\b"
    r"|(?:(?:many|some|a\s+lot\s+of|lots\s+of|most)\s+)?"
    r"(?:people|beginners|folks|newcomers|tutorials|users)\b)"
    r"(?:[^.!?;\n]|\.(?!\s|$))*?)(?=\s*,?\s*\b(?:but|however)\b)"
)


def mark(text: str) -> str:
    """``text`` with each clause of a confessed or attributed mistake led by "suppose"."""
    out, at = [], 0
    for m in _CONFESSED.finditer(text):
        if m.start() < at:
            continue
        out.append(text[at : m.start()] + m.group(1) + told(m.group(2)))
        at = m.end()
        while text[at : at + 1] in {".", "!"} and (more := _TOLD_ON.match(text[at + 1 :])):
            out.append(text[at] + more.group(1) + told(more.group(2)))
            at += 1 + more.end()
    text = "".join(out) + text[at:]
    return _OTHERS.sub(lambda m: m.group(1) + told(m.group(2)), text)


def told(body: str) -> str:
    """Each clause of a told mistake led by "suppose"; a "so" in it joins as "and" does (what a
    mistake led to is told too, while "so suppose" elsewhere keeps its consequence said)."""
    return supposed(re.sub(r"(,\s*|\s+)so\s+", r"\1and ", body), _CUTS)
