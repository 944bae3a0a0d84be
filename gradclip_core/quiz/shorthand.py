"""Chat shorthand in answers: a lone "w" for "with", a lone "n" for "and", an emoji for a stop.

Written fast, an answer says "clip by norm w max 5", "(3,4) w limit 1", "helps w exploding
grads", "it shrinks n value clips": "w" is "with" and "n" is "and". Read as letters, "w" is the
weight (a synonym of it), so "clip by value w 5" claimed clipping the weights, and "n" was no
word at all, so "norm keeps it n value may not" ran two subjects into one clause.

"e.g" and "i.e" without their last dot are "e.g." and "i.e.": their "g" is no gradient.

An emoji ends what it follows ("keeps direction 👍 value = per entry clamp"): it is read as
";", so the clause after it does not run on into the one before.

Only a lowercase letter standing alone before a word is read this way, never one that names a
variable: not after a noun that it names ("the weight w", "each element w", "n entries"), a
preposition or verb that takes it ("scaled by w", "with n entries", "run n steps"), or a sign or
a call ("tanh(w h)", "y = w x"), nor before a word that goes with a variable ("w times tanh'",
"w to the power T", "n is the norm"). Reads the raw answer, before it is lowercased (a capital
"W" is always the weight matrix).
"""

from __future__ import annotations

import re

from gradclip_core.quiz import spoken
from gradclip_core.quiz.claims import wordset as words

# words after which a lone letter names a variable: "weight w", "by w", "with n entries"
_NAMING = {
    "w": words(
        "weight weights scalar element elements parameter parameters param params matrix entry "
        "by of for per the every each to is are was be times multiply multiplies multiplied "
        "than about let say call called given"
    ),
    "n": words(
        "with of for per run back up over the all every each first last to in by about across "
        "around than between let say call called given is are was be"
    ),
}
# words after which a lone letter is a variable: "w times tanh'", "n is the norm", "n steps"
_VARIABLE_NEXT = {
    "w": words("times to it is are was = f x h u once at in"),
    "n": words(
        "is are was = steps entries parameters params factors layers elements components terms "
        "dimensions dims micro times timesteps tokens samples batches x"
    ),
}
_LATIN = re.compile(
    r"\b(e\.g|i\.e)(?![.\w])", re.IGNORECASE
)  # "e.g 65536x": "e.g." ("g" is no gradient)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u26ff]\ufe0f?")
_LONE = re.compile(r"(?<![\w|‖/\\.'’_^])([wn])(?=[ \t]+([^\s]+))")


def expand(text: str) -> str:
    """``text`` with a lone "w" read as "with" and a lone "n" as "and" where they join words."""

    def swap(m: re.Match[str]) -> str:
        head = text[: m.start()]
        if re.search(r"(?:\w\(|[=*/+^<>}\-]\s*)$", head):  # "tanh(w h)", "y = w x"
            return m.group(1)
        before = (head.split()[-1:] or [""])[0].lower()
        nxt = m.group(2).lower().strip(".,;:!?")
        letter = m.group(1)
        if before.strip("(),;:!?") in _NAMING[letter] or nxt in _VARIABLE_NEXT[letter]:
            return m.group(1)
        if not (nxt[:1].isalnum() or nxt[:1] in "(."):
            return m.group(1)
        if m.group(1) == "n" and not re.search(r"[a-z0-9)]$", before):
            return m.group(1)  # "n" opens no sentence: "n steps later ..."
        return "with" if m.group(1) == "w" else "and"

    text = _LATIN.sub(r"\1.", text)
    text = _EMOJI.sub(";", spoken.expand(text))  # "loss dot backward": loss.backward
    return _LONE.sub(swap, text)
