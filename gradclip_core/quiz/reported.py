"""Mistakes told as stories in answers: a way someone once got wrong is not asserted.

Forum and chat replies often lead with a bug seen in the wild before the fix: "a classic bug is
calling clip_grad_norm_ after optimizer.step(): ...", "my teammate had the clip after
opt.step() and wondered why it did nothing", "we had clip_grad_norm_ after every backward()
and the results were worse". The way told there is the one the answer rejects, so its order
and its claims must not be read as the learner's own. Two shapes are read as a supposition
(each clause led by "suppose", which :mod:`.suppose` marks as the premise of its clause):

- a mistake named as such, "a (common / classic) mistake / bug / pitfall is ...", up to ":",
  ";" or the end of its sentence ("the mistake is that ..." explains, it tells no way);
- someone's deed ("someone / people / my teammate / we ... put / had / called / clipped ...")
  in a sentence that judges it ("nothing", "no effect", "wondered why", "worse", "didn't
  work"), up to the words that judge it, or up to a ";" when the clause after it judges it
  ("a colleague once called the clip after step(); the weights had moved, so it did nothing").

Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_BODY = r"(?:[^.!?;:\n]|\.(?!\s|$))"  # ".grad" and "optimizer.step()" do not end a sentence
_NAMED = re.compile(  # "a classic bug is calling X after step(): ..."
    r"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)((?:a|one|the)\s+(?:(?:common|classic|typical|frequent"
    r"|usual|big|subtle|nasty|rookie|frequent)\s+)?(?:mistake|bug|error|pitfall|gotcha|trap|slip"
    r"|blunder|misstep)\s+"
    rf"(?:(?:i|we|you)\s+(?:see|saw|hit|made|make)\s+(?:a\s+lot\s+|often\s+)?)?(?:is|was)\s+"
    rf"(?!that\b){_BODY}+)"
)
_WHO = (
    r"(?:someone|somebody|people|folks|a\s+lot\s+of\s+people|many\s+people|we|i|they"
    r"|(?:a|my|our|one)\s+(?:\w+\s+)?(?:colleague|coworker|co-worker|teammate|student|friend"
    r"|labmate|intern|user)s?)"
)
_DEED = r"(?:put|puts|placed|called|calls|had|have|clipped|clip|clips|wrote|did|added)"
_JUDGED = (
    r"(?:nothing|no\s+effect|wondered|wonder|couldn'?t|could\s+not|did\s*n'?o?t\s+(?:work|help)"
    r"|does\s*n'?o?t\s+(?:work|help)|worse|broke|broken|silently|useless|pointless)"
)
_TOLD = re.compile(  # "my teammate had the clip after opt.step() and wondered why ..."
    rf"(?:(?<=[.!?;\n])|^)([ \t]*(?:-\s*)?)((?:(?:so|once|yeah|lol|ha)\s*,?\s+)*"
    rf"(?:saw\s+(?:a\s+\w+\s+)?(?:once\s+)?(?:where\s+)?)?"
    rf"{_WHO}\s+(?:\w+\s+){{0,4}}?{_DEED}\b{_BODY}*?)"
    rf"(?=(?:\s*(?:,|-|—)\s*|\s+)(?:and|but|so)?\s*(?:(?:it|that|this|they|he|she|the\s+\w+)\s+)?"
    rf"(?:(?:then|just|had|has|was|got|were|did|does|only|still)\s+)*{_JUDGED}\b"
    rf"|\s*;\s*[^.!?;\n]{{0,60}}?\b{_JUDGED}\b)"  # "...; the weights had moved, so it did nothing"
)


def mark(text: str) -> str:
    """``text`` with each clause of a mistake told as a story led by "suppose"."""
    text = _NAMED.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
    return _TOLD.sub(lambda m: m.group(1) + supposed(m.group(2)), text)
