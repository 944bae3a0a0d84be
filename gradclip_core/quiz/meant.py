"""The verb "means" in answers, read apart from the noun "mean" (an average).

"..., which means a single clip_grad_norm_ call after the final backward()" uses "means" as a
verb, yet it stems to "mean", the word a misconception names for an average ("backward() takes
the mean"). After "which", "means" is read as "implies" (after "that" it may be the verb of a
gerund: "picking far below that means every step is clipped"). Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_VERB = re.compile(r"\b(which)(\s+)means\b")


def mark(text: str) -> str:
    """``text`` with each verb "means" after "which" read as "implies"."""
    return _VERB.sub(r"\1\2implies", text)
