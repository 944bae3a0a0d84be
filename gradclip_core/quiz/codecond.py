"""Clipping written as code with its condition turned round, or with no condition at all.

A hand-written clip states its rule in code, and the code can contradict the words around it:

    if total < max_norm:                      # the condition turned round: small gradients
        for g in grads: g.mul_(max_norm / total)   # are scaled up, big ones pass unclipped
    G.mul_(torch.where(r < lam, lam / r, torch.ones_like(r)))   # AGC's test turned round
    coef = max_norm / (total + 1e-6)          # no min(1, ...), no clamp, no "if": every
    for p in params: p.grad.mul_(coef)        # gradient is brought to max_norm, small ones too

A rescale by ``limit / x`` done under ``if x < limit:`` (or ``limit > x``), or in the first
branch of ``torch.where(x < limit, limit / x, ...)``, is followed by :data:`MISCONDITIONED`; a
rescale by ``limit / x`` in code that compares nothing and caps nothing (no ``if ... <`` /
``>``, ``min(``, ``clamp(``, ``torch.where``) by :data:`MISLEVELLED`. Both are words the bank's
misconceptions name (:mod:`.conditions` and :mod:`.levelled` mark the same mistakes in words).
A limit is a name such as ``max_norm``, ``limit``, ``threshold``, ``lam`` or ``clip_value``.
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MISCONDITIONED = "misconditioned"
MISLEVELLED = "mislevelled"
_LIMIT = (
    r"(?:max_norm|max_grad_norm|limit|threshold|thresh|lam|lamb|lambda_?|clip_value|clip_factor"
    r"|clipping|tau)"
)
_TERM = r"[\w.]+(?:\([^()\n]*\))?"  # "total", "g.norm()", "r_i"
_FACTOR = rf"\b{_LIMIT}\s*/\s*\(?\s*{_TERM}"  # "max_norm / (total + 1e-6)", "lam / r"
_SMALL_IF = re.compile(
    rf"^([ \t]*)if\s+(?:{_TERM}\s*<=?\s*{_LIMIT}|{_LIMIT}\s*>=?\s*{_TERM})\s*:[^\n]*$", re.M
)
_WHERE = re.compile(
    rf"torch\.where\(\s*(?:{_TERM}\s*<=?\s*{_LIMIT}|{_LIMIT}\s*>=?\s*{_TERM})\s*,[^,\n]*?{_FACTOR}"
)
_RESCALE = re.compile(rf"(?:\.mul_?\(|\*=?)\s*\(?\s*{_FACTOR}")
_NAMED = re.compile(rf"^[ \t]*(\w+)\s*=\s*\(?\s*{_FACTOR}[^\n]*$", re.M)
_CAPPED = re.compile(  # a condition or a cap anywhere, in code or in words ("when norm > ...")
    r"\b(?:if|when|whenever|once|only)\b[^\n]*(?:[<>]|above|over|exceed|greater|larger|bigger)"
    r"|\bmin\(|clamp\w*\(|\bminimum\(|\bwhere\("
)
_CODE = re.compile(r"\.mul_?\(|\*=|^\s*[\w.\[\]]+\s*=\s*[\w.\[\]]+\s*\*")  # a line of code


def _body(text: str, start: int, indent: str) -> str:
    """The lines after ``start`` indented deeper than ``indent`` (the body of a block)."""
    out = []
    for line in text[start:].split("\n")[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= len(indent):
            break
        out.append(line)
    return "\n".join(out)


def _rescales(code: str, named: set[str]) -> bool:
    """Whether ``code`` rescales by a factor limit / x, written out or by its name."""
    by_name = any(re.search(rf"(?:\.mul_?\(|\*=?)\s*\(?\s*{re.escape(n)}\b", code) for n in named)
    return bool(_RESCALE.search(code)) or by_name


def mark(text: str) -> str:
    """``text`` with a marker after each clip whose condition is turned round or missing."""
    if "/" not in text or not re.search(_LIMIT, text):
        return text
    named = {m[1] for m in _NAMED.finditer(text)}
    ends: list[tuple[int, str]] = []
    for m in _SMALL_IF.finditer(text):
        if _rescales(m[0] + "\n" + _body(text, m.start(), m[1]), named):
            ends.append((m.end(), MISCONDITIONED))
    for m in _WHERE.finditer(text):
        end = text.find("\n", m.end())
        ends.append((end if end >= 0 else len(text), MISCONDITIONED))
    if not ends and not _CAPPED.search(text):
        for line in re.finditer(r"^[^\n#]*$", text, re.M):
            if _CODE.search(line[0]) and _rescales(line[0], named):
                ends.append((line.end(), MISLEVELLED))
                break
    for at, word in sorted(set(ends), reverse=True):
        text = f"{text[:at]} {word}{text[at:]}"
    return text
