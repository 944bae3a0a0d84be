"""Prose wrapped over lines in code answers, read as the sentence it is.

A docstring or a block of comments wraps its sentences at the width of the code::

    # "norm": all grads are one vector; if its L2 norm > limit every entry is
    #         scaled by the same factor limit/norm -> direction preserved
    \"\"\"... once the global
    norm passes max_norm, the gradients are shrunk proportionally back to it.\"\"\"

A new line ends a sentence for the reader, so "every entry is" would be a clause of its own, and
"scaled by the same factor" would lose its subject (and "the global" its noun). So a line of a
docstring (one still open at the line's end) or a comment-only line whose text is long
(:data:`MIN_WRAPPED` characters or more) and ends with no stop (. ! ? : ;) is joined to the next
line of the same kind when that one goes on in lower case (not a list item: "- ...", "1. ..."; not a
">>>" example); a comment, whose lines often say one thing each with no stop, only when its last
word leaves the sentence open ("is", "of", "the", ...), the next one's first word takes it on ("so",
"roughly", ...) or the next one hangs under it, and the next one is not led by a label ("with
clipping (max_norm=1): ..."). Lines of code, blank lines and short lines (a list of steps, one a
line) are left as they are. Reads the answer as written (case matters), before the rest."""

from __future__ import annotations

import re

MIN_WRAPPED = 36  # characters a line's text has when it wraps a sentence
_COMMENT = re.compile(r"^\s*#+\s?(.*)$")
_QUOTES = re.compile(r'"""|\'\'\'')
_GOES_ON = re.compile(r"^(?![-*•]\s|\d+[.)]\s|>>>)[a-z(\[|‖~]")
# words that leave a comment line's sentence open at its end, or take it on at the next's start
_DANGLING = re.compile(
    r"\b(?:a|an|the|of|to|by|with|is|are|be|was|its|their|each|every|and|or|than|per|for|from|"
    r"into|on|in|at|as|that|which|when|if|so|but|not|no|will|would|can|gets?|like|over|under|"
    r"this|these|whose|all|one|does|do)$|(?:->|=|\*|/|\+|-)$"
)
_LABEL = re.compile(r"^[\w\s()=.,'\"-]{1,40}:(?:\s|$)")
_TAKES_ON = re.compile(
    r"^(?:and|or|so|but|than|by|of|to|into|which|that|because|while|whereas|instead|"
    r"roughly|about|then|when|if|unless|until|before|after|rather|times|plus|minus|divided|"
    r"multiplied)\b"
)


def _kinds(lines: list[str]) -> list[tuple[str, str]]:
    """Per line, ``(kind, text)``: kind "doc" (a docstring open at the line's end), "docend"
    (the line that closes it), "comment" (a comment-only line) or "" (anything else)."""
    out, open_ = [], False
    for line in lines:
        was = open_
        if len(_QUOTES.findall(line)) % 2:
            open_ = not open_
        text = line.strip()
        if was:
            out.append(("doc", text) if open_ else ("docend", _QUOTES.split(text)[0].strip()))
        elif open_:
            out.append(("doc", _QUOTES.split(text)[-1].strip()))
        elif m := _COMMENT.match(line):
            out.append(("comment", m.group(1).strip()))
        else:
            out.append(("", text))
    return out


def _goes_on(line: str, nxt: str, prev: str, body: str) -> bool:
    """Whether a comment line goes on at the next one: its last word leaves the sentence open
    ("... every entry is"), the next one's first takes it on ("roughly like ...", "with one
    shared matrix"), or the next one's text is indented under it (a hanging indent)."""
    if _LABEL.match(body):
        return False  # "with clipping (max_norm=1): ...": a line of its own
    hang = len(nxt) - len(nxt.lstrip(" #")) > len(line) - len(line.lstrip(" #"))
    return bool(_DANGLING.search(prev.lower()) or _TAKES_ON.match(body)) or hang


def join(text: str) -> str:
    """``text`` with each wrapped line of a docstring or comment block joined to the next."""
    if "\n" not in text or ("#" not in text and '"""' not in text and "'''" not in text):
        return text
    lines = text.split("\n")
    kinds, out = _kinds(lines), [lines[0]]
    for n in range(1, len(lines)):
        (kind, prev), (now, body) = kinds[n - 1], kinds[n]
        if (
            kind in ("doc", "comment")
            and now in (kind, kind + "end")
            and len(prev) >= MIN_WRAPPED
            and prev[-1] not in ".!?:;"
            and _GOES_ON.match(body)
            and (kind == "doc" or _goes_on(lines[n - 1], lines[n], prev, body))
        ):
            out[-1] = out[-1].rstrip() + " " + lines[n].strip().lstrip("#").strip()
        else:
            out.append(lines[n])
    return "\n".join(out)
