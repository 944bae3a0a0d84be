"""A condition written before an arrow, read after the action it leads to.

Notation answers write a rule as "condition → action": "Above λ → scale G_i", "‖g‖ > c ⇒ g ↦
c·g/‖g‖", "r_i ≤ λ -> keep G_i". Read clause by clause, the arrow parts the condition from its
action, so the action's clause has no condition of its own and takes its subject from whatever
came before it ("... when it is smaller than that). Above λ → scale G_i" read as "smaller ...
scale"). Each such rule whose condition is short and compares (above, below, over, under, <, >,
≤, ≥, exceeds) and states no number (not a step of a worked example, "ratio 0.5 > 0.1 -> clip")
is rewritten "action when condition", one clause. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_CMP = (  # a comparison: not the "<" of "<-" nor the ">" of "->"
    r"(?:above|below|under|over|exceeds?|less\s+than|more\s+than|greater\s+than"
    r"|(?<![-=])[<>](?![-=])|[≤≥])"
)
_IN = r"[^.;:,\n()→⇒=\d]"  # a condition's characters: no number (a worked example), no "="
_RULE = re.compile(
    r"(?P<lead>^|[.;:\n(]\s*|,\s+|\b(?:and|but)\s+)"
    rf"(?P<cond>(?:(?:at\s+or|if|when|whenever)\s+)?{_IN}{{0,24}}?{_CMP}{_IN}{{0,16}}?)"
    r"\s*(?:→|->|=>|⇒)\s*(?P<act>(?:(?!->|=>)[^.;\n→⇒()]|\.(?=\w)|\([^()\n]{0,40}\)){1,80}?)"
    r"(?=\s*(?:\.(?!\w)|[;\n]|$|,\s|\))|\s+\((?=[a-z]{3,}[ ,]))"
)

_JOINT = re.compile(r"\s+(?=(?:so|and|which|i\.e\.)\s)")  # the condition goes before it


def _partition(text: str) -> tuple[str, str, str]:
    """``text`` split at its first joint ("scale g_i | so the ratio ..."), else ``text, "", ""``."""
    m = _JOINT.search(text)
    return (text[: m.start()], " ", text[m.end() :]) if m else (text, "", "")


def mark(text: str) -> str:
    """``text`` with each "condition → action" rule written "action when condition"."""

    def turned(m: re.Match[str]) -> str:
        cond = re.sub(r"^(?:if|when|whenever)\s+", "", m["cond"].strip())
        head, joint, rest = _partition(m["act"].strip())
        lead = "; " if m["lead"].startswith(",") else m["lead"]  # a rule of its own
        return f"{lead}{head} when {cond}{joint}{rest}"

    return _RULE.sub(turned, text)
