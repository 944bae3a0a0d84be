"""A placement written without its comma: "after the last one call clip_grad_norm_".

Terse answers drop the comma between a placing phrase and the instruction after it: "after the
last one call clip_grad_norm_ once", "before the next step run the clip". Read as one stretch,
the call after the verb looks like the object of "after" (what comes first), which turns the
order round. A comma is put back before the verb ("call", "run", "apply", "use", "do") when the
words between it and "after" / "before" name no one who acts ("after you call backward()" is
left as it is: there the call is what comes first), and none follows an auxiliary ("after all
micro-batches have run backward"). Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_PLACED = re.compile(
    r"\b(after|before)((?:[ \t]+(?!(?:you|we|i|they|it|one[ \t]+has|to|calling|running)\b)"
    r"[\w.()'’-]*[\w)'’]){1,4}?)(?=[ \t]+(?:call|run|apply|use|do)[ \t])"  # within a sentence
)


# "after all micro-batches have run backward": the verb has its subject, it is no instruction
_AUXILIARIES = frozenset(
    ("have", "has", "had", "will", "would", "can", "could", "should", "must", "did", "does", "do")
)


def restore(text: str) -> str:
    """``text`` with a comma between a placing phrase and the instruction that follows it."""

    def comma(m: re.Match) -> str:
        if m.group(2).split()[-1] in _AUXILIARIES:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)},"

    return _PLACED.sub(comma, text)
