"""Incident reports in answers: the bug a report narrates is not what the learner asserts.

Engineers explain by telling what went wrong in a run before what they learned: "Incident: our
clip had been placed before backward(), so it was clipping last step's gradients", "Cause: we
clipped the scaled gradients", "a colleague replaced clip_grad_norm_ with clip_grad_value_
thinking they were equivalent", "the clip was running after every micro-batch backward()",
"turned out we clipped scaled gradients", "I found my clip call sitting after optimizer.step()",
"lowering the learning rate only delayed it". What such a sentence tells is the bug (or a cure
that failed), so neither a misconception nor an order is read in it: from where the story
starts to the end of its sentence (or its ";"), each clause is led by "suppose", which
:mod:`.suppose` marks as the premise of its clause. A stretch of a sentence is a story:

- after a label that reports (:data:`_LABEL`: "incident:", "cause:", "what happened:", "what
  went wrong:", "the bug:", "symptom:" ...);
- after "turned out", "it turned out (that)" or "I / we found / discovered" a thing ("I found
  my clip call sitting after optimizer.step()"; "I found that ..." tells a lesson);
- when a narrator (we, our ..., my ..., a colleague, someone, a refactor, the clip, the code,
  the loop ...) does a deed of the past tense that sets up a bug (:data:`_DEED`: had, had
  been, was / were ..., clipped, placed, put, ran, kept, called, left, replaced ...), or an
  action in -ing is said to have only delayed, masked or not helped (a cure that failed).

A stretch that reports a fix or a lesson ("I learned that ...", "the fix was ...", "fixed it",
"went away", "should", "must", "now", "correct", "lesson") or says what the learner does now
("we clip exactly once per update, ...") is the learner's own claim and is
never read so, nor is a sentence in an answer that names no trouble (:data:`_TROUBLE`). A label
"fix:" / "fixed loop:" names the remedy; it is read as "remedy", not as the adjective "fixed"
(a loss scale said to be fixed). Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_TROUBLE = re.compile(
    r"\b(?:nan|inf|diverg\w*|blew|blown|explod\w*|incident|bug\w*|post-?mortem|broke|broken"
    r"|went\s+wrong|turned\s+out|cause[ds]?|stall\w*|worse|underperform\w*|plateau\w*|slow\w*"
    r"|noisier|barely|nothing|regression|spik\w*|crash\w*|flat|unstable|fail\w*|refactor\w*)\b"
)
_LABEL = (
    r"(?:(?:[\w-]+\s+)?(?:incident|root\s+cause|cause|what\s+happened|what\s+went\s+wrong"
    r"|(?:the\s+)?bug|(?:the\s+)?problem|symptoms?)\s*:)"  # "common mistake:": see .pitfalls
)
_LEAD = (
    r"(?:(?:it\s+)?turned\s+out(?:\s+that)?|(?:i|we)\s+(?:later\s+|eventually\s+)?"
    r"(?:found|discovered)\s+(?=(?:the|my|our|a|an)\s))"  # "i found my clip ...", not "found that"
)
_WHO = (
    r"(?:we|someone|somebody|nobody|(?:our|my)(?:\s+[\w-]+){1,3}?"
    r"|(?:a|one|my|our)\s+(?:[\w-]+\s+)?(?:colleague|coworker|co-worker|teammate|intern|refactor"
    r"|change|commit|pr|merge)"
    r"|the\s+(?:old\s+|original\s+|previous\s+|first\s+)?(?:clip|clipping|code|loop|call|script"
    r"|refactor|trainer)(?:\s+call)?)"
)
_DEED = (
    r"(?:had(?:\s+been)?|was|were|clipped|placed|put|ran|kept|called|left|forgot|skipped|sat"
    r"|replaced|swapped|applied|ended\s+up|unscaled|tried|moved\s+(?:it|the\s+clip))"
)
_FAILED = (  # "lowering the learning rate only delayed it": a cure that failed
    r"(?:[a-z]+ing\b(?:\s+[\w-]+){0,5}?\s+(?:only|just|merely)\s+(?:delayed|postponed|masked|hid)"
    r"|[a-z]+ing\b(?:\s+[\w-]+){0,5}?\s+(?:did\s*n['o]?t?|didn't|did\s+not)\s+help)"
)
_STORY = re.compile(
    rf"{_LABEL}|\b{_LEAD}\b|(?:^|(?<=[\s,(—-])){_WHO}\s+(?:[\w'-]+\s+){{0,3}}?{_DEED}\b"
    rf"|(?:^|(?<=\s)){_FAILED}\b"
)
_OWN = re.compile(  # a fix or a lesson: the learner's own claim (not a 'fixed' in quotes)
    r"(?<!['‘\"“])\b(?:fix|fixed|fixes|fixing|solution|solved|resolved|lessons?"
    r"|learn(?:ed|t|s|ing)?\b(?!\s+rates?)|should|must"
    r"|needs?|now|correct\w*|right\s+(?:way|order|place|recipe|loop|spot)|properly|takeaway"
    r"|went\s+away|disappeared|helped|worked|cured|made\s+sure|rule|always)\b"
    r"|\b(?:we|i)\s+(?:[a-z]+ly\s+|now\s+|then\s+|just\s+)?(?:clip|call|put|use|run|do|apply"
    r"|unscale|place|set|pick|log|zero)\b"  # "we clip exactly once": said in the present
)
_JOINS = r"(?:and|but|or|so|because|since|which|then|when|while|where|whereas|until)"
_CUTS = re.compile(rf"(:\s*|,(?!\d)\s*(?:{_JOINS}\s+)?|\s+{_JOINS}\s+)")  # not "3,000"
_ON = re.compile(  # a sentence that goes on telling a labelled story: "clip_grad_norm_ saw ..."
    r"^\s*(?:(?:then|and|so)\s+)?(?:clip_grad_\w+|the\s+clip\w*|it|we|our\s+[\w-]+|they)\s+"
    r"(?:[\w'-]+\s+){0,2}?(?:\w+ed|was|were|had|saw|ran|got|went|took|did|kept|made)\b"
)
_SENTENCE = re.compile(r"(?:[^.!?;\n]|\.(?!\s|$))+")  # ".grad" does not end a sentence
_FIX_LABEL = re.compile(r"\b(?:the\s+)?fix(?:ed)?(?=(?:\s+(?:loop|version|code|order))?\s*:)")


def mark(text: str) -> str:
    """``text`` with each clause of a narrated bug led by "suppose"."""
    text = _FIX_LABEL.sub("remedy", text)
    if not _TROUBLE.search(text):
        return text

    labelled = False  # the sentence before told a story under a label

    def story(m: re.Match[str]) -> str:
        nonlocal labelled
        part, going_on = m.group(), labelled
        labelled = False
        if _OWN.search(part):
            return part
        if not (s := _STORY.search(part)):
            return _told(part, 0) if going_on and _ON.match(part) else part
        start = max(part.rfind(",", 0, s.start()), part.rfind(":", 0, s.start())) + 1
        if re.match(_LABEL, part[s.start() :]):
            start, labelled = s.end(), True
        return _told(part, start)

    return _SENTENCE.sub(story, text)


def _told(part: str, start: int) -> str:
    """``part`` with each clause from ``start`` on led by "suppose" ("so" joins as "and")."""
    head, body = part[:start], part[start:]
    pad = re.match(r"\s*", body).group()
    if not body.strip():
        return part
    body = re.sub(r"(,\s*|\s+)so\s+", r"\1and ", body[len(pad) :])
    return head + pad + supposed(body, _CUTS)
