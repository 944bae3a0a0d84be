"""Worked examples in answers: vectors clipped by norm or by value, checked by arithmetic.

A fluent answer can state a false result ("(3, 4) clipped to norm 1 becomes (0.75, 1)", or the
two modes' results swapped) in words that all sound right, so words alone cannot catch it. An
example is a source vector and a result vector after it ("(3, 4) becomes (0.6, 0.8)", "turns
(6, 8) into (3, 4)"), in one sentence or a source named in the sentence before. The mode is the
nearest word that names one ("norm", "clip_grad_norm_"; "by value", "clamp", ...), the limit the
first number after a word that names one ("a limit of 1", "max_norm=2", "clipped to norm 1")
that is not the source's own norm or one of its entries. A result that is not what its mode
gives (to two decimals; with no limit stated, by value each entry is its source entry or one
common cap, by norm the result points the same way and is no longer), or, with no mode named,
what neither gives, is marked with :data:`MARKER`, a word a misconception of the bank can name.
Sentences that suppose ("if", "would") or reject ("not (0.6, 0.8)") are not checked, and a
vector after "add" or "sum" in its clause ("add g2 -> (3, 6)") or named at the start of one
(", g2 = (0, 6)") is a new source, not a result; a result after a name ("g1 -> (3, 0)") is
checked against the vector given that name. A sentence that names the infinity norm ("the
inf-norm clip gives (0.75, 1.0)") may also clip by the largest entry. Compounding examples
("1.1^50 is about 117") are checked by :mod:`.growth`.
"""

from __future__ import annotations

import math
import re

from gradclip_core.quiz import derived

MARKER = "miscomputed"  # the word after a false result; see lessons/quiz/03_explain.toml
_NUM = r"-?(?:\d+\.?\d*|\.\d+)"
_VECTOR = re.compile(  # not a call's arguments ("min(3, 1)") nor a vector divided ("(3, 4)/5")
    rf"(?<![a-z_])[(\[]\s*({_NUM}(?:\s*,\s*{_NUM})+)\s*[)\]](?!\s*/\s*[\d√])"
    r"(?!\s*[·*×⋅]\s*[\d√(c])"  # nor one multiplied ("(1, 4)·2/√17"): a product, not a result
)
SENTENCE = re.compile(r"((?<=[.!?;])\s+|\n)")  # kept: a newline ends a sentence too
_RESULT_VERBS = re.compile(  # "becomes (0.6, 0.8)", "scales it to roughly (0.995, 0.0995)"
    r"(?:becomes?|gives?|giving|yields?|into|to|gets?|->|→|=>|≈|~|makes?|returns?|is|are)"
    r"(?:\s+\w+){0,2}\s*$"
    r"|\b(?:clamp|clipp|rescal|scal|capp|truncat|cut)\w*(?:\s+\w+){0,3}\s*:\s*$"  # "clamped:"
)
_LABEL = re.compile(  # "By value: (1, -0.5)", "norm clipping: (0.6, 0.8)": a mode's result
    r"\b(?:by\s+)?(?:value|norm|clip_grad_value_?|clip_grad_norm_?)(?:\s+clipping)?\s*:\s*$"
)
_LEADS_ONE = re.compile(r"(?:,\s*and|;|\band\s+also)\s*$")
_THEN = re.compile(r"^\s*(?:->|→|=>|becomes?|turns?|gives?|goes)")  # ... unless it is a source
# "points elsewhere than (3, 4)", "differs from (0.5, 4)": a vector compared with, not a result
_COMPARED = re.compile(  # "same direction as (3, 4)", "parallel to (6, 8)": compared, too;
    r"\b(?:than|from|versus|vs|unlike|compared (?:to|with)"
    r"|\bsame(?:\s+\w+){0,2}\s+as|\b(?:parallel|proportional)\s+to|\bwhere"  # "points where"
    r"|\bdirection(?:\s+(?:is\s+)?now|\s+is|\s+becomes)?)\s*$"  # "direction now (1, 1)"
)
_SOURCE_VERBS = re.compile(  # "(1, 1) with value clipping" names its mode: a result
    r"^\s*(?:becomes?|would|turns?|is clipped|gets?|clipped|clamped|capped|goes|maps|has|of norm"
    r"|is (?:re)?scaled|(?:re)?scaled|is shrunk|is cut"
    r"|with(?!\s+(?:the\s+)?(?:value|norm)[\s-]+clipping|\s+clip_grad_))\b"
)
_GIVEN = re.compile(r"(?:\bbecomes?|\bgives?|\byields?|\binto|->|→|=>)\s*$")  # a result, then
_WITH = re.compile(
    r"^\s*with\s+(?:a\s+|the\s+)?(?:limit|threshold|max_norm|clip_value|c\b)"
)  # its limit
_ADDS = re.compile(r"\b(?:add|adds|added|adding|plus|sum|sums|summed|accumulat\w*)\b[^,;:]*$")
_PLUS = re.compile(r"[)\]]\s*\+\s*[(\[][^()\[\]]*[)\]]\s*=\s*$")  # "(1, 0) + (0, 1) = "
_JOINED = re.compile(  # a list or a sum of vectors; "(3, 0) and bias grad (0, 4)": one more
    r"[)\]]\s*(?:\+|plus|and|&|,|,?\s*then)\s*$"
    r"|[)\]]\s*,?\s*(?:and|plus|&)\s+(?:the\s+|its\s+)?(?:[a-z_.]+\s+){0,2}"
    r"(?:grads?|gradients?|bias|tensor)\s*(?:=|is|of|:)?\s*$"
)
_NAMED = re.compile(r"(?:^|[,;:]|\band)\s*[a-z][\w.]*\s*=\s*$")  # another vector named
_NAMING = re.compile(
    rf"\b([a-z][\w.]*?)(?:\.grad)?\s*=\s*[(\[]\s*({_NUM}(?:\s*,\s*{_NUM})+)\s*[)\]]"
)
_OF_NAME = re.compile(r"\b([a-z]\w*)\s*(?:->|→|=>|becomes?|turns into)\s*$")
_SUPPOSES = re.compile(r"\b(?:if|would|were|suppose|imagine|could)\b")
_REJECTED = re.compile(r"(?:\bnot|\bnever|rather than|instead of|unlike)(?:\s+\w+){0,2}\s*$")
_NORM_WORDS = re.compile(r"clip_grad_norm_?|\bnorm\b(?!\s+(?:of|is|=))|\brescal\w*")
_VALUE_WORDS = re.compile(  # "truncating", "element-wise", "individually limited": by value
    r"clip_grad_value_?|\bclip_value\b|\bvalue\b(?!\s+of)|\bclamp\w*|\btruncat\w*"
    r"|\belement[- ]?wise\b|\bindividually\b"
)
_CLAUSE_ENDS = ",;:"
_UNDER = re.compile(r"\s*(?:under|by|with|for|in|using|via)\s+(?:the\s+|a\s+)?$")
_LIMIT = re.compile(  # "norm 0.1 × 5 = 0.5": the product; "to 45 degrees": an angle, no limit
    r"(?:limit|threshold|max_norm|max norm|norm|clip_value|clip value|value|cap|maximum|±|"
    r"\b(?:c|τ|tau)(?=\s*=)|"  # "c = 2 and g = (6, 8)": the limit's usual symbols
    rf"plus or minus|to)\s*(?:of|is|=|at|to|:)?\s*({_NUM})(?:\s*[×*]\s*{_NUM}\s*=\s*({_NUM}))?"
    r"(?![\d.]*\d|\s*(?:degrees?|°|%|percent))"  # vectors are masked first
)
# "a bad batch gives (30, 40)": a new gradient, not a result of the one before
_PRODUCED = re.compile(
    r"\b(?:batch|backward(?:\(\))?|sample|input)\s+(?:gives?|produces?|yields?)\s*$"
)
# "the step is (0.3, 0.4)", "weights (6, 8)": a step or a weight vector, neither source nor result
_ASIDE = re.compile(
    r"\b(?:(?:update|step)\s+(?:would\s+be|is|=|of|becomes)(?:\s+only|\s+about|\s+just)?"
    r"|weights?(?:\s+(?:are|is|=|of))?|w(?:_i)?\s*=|\bnorms\s*(?:are|of|=|:)?)\s*$"
)  # "row norms (3, 1, 0.5)": one norm per unit, not a vector
_SCALED = re.compile(rf"{_NUM}\s*[*×·]\s*$")  # "0.2 * (3, 4)": a factor times a vector
_AGC = re.compile(r"\bweights?\b|\bratio\b|\blambda\b|λ")  # its limit is per unit, unstated
_INF = re.compile(
    r"\binf(?:inity)?[- ]norm|norm_type\s*=\s*(?:float\(\W*inf|inf|math\.inf|torch\.inf)"
)
# "computes 5/10 and clamps it to at most 1": the norm clip's factor clamped, not the entries
_COEF_CLAMP = re.compile(
    r"clamp\w*\s+(?:it|this|that|the\s+(?:coefficient|factor|ratio|scale|multiplier))\s+"
    r"(?:to\s+|at\s+)?(?:at\s+most\s+|≤\s*|<=\s*|a\s+maximum\s+of\s+)?1(?:\.0)?\b"
)
# "the factor 2/10 = 0.2 is clamped to at most 1": the same, said in the passive
_COEF_CLAMPED = re.compile(
    r"\b(?:coefficient|factor|multiplier)\b[^;,]{0,30}?\b(?:is|gets|being)\s+$"
)
_MEASURED = re.compile(r"(?:\bof|\bhas|\bhave|total|global|overall|combined|joint)\s+(?:a\s+)?$")
_PLACES = 0.015  # results are read to two decimals


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each false result of a worked example."""
    out, source, limit, seen, carried = [], None, None, [], None
    names = {m.group(1): _values(_VECTOR.search(m.group())) for m in _NAMING.finditer(text)}
    context = (text, derived.factors(text))
    for n, piece in enumerate(SENTENCE.split(text)):
        if n % 2:  # a separator
            out.append(piece)
            continue
        checked, source, limit = _sentence(piece, source, limit, names, seen, carried, context)
        out.append(checked)
        carried = _named_last(piece, carried)
    return "".join(out)


def _named_last(piece: str, carried: str | None) -> str | None:
    """The mode the sentence names last, for an example in the next one that names none ("value
    clipping clamps each entry; e.g. (3, 4) with c=1 becomes (1, 1)"); a sentence that names
    none passes on the one before ("e.g.", "an entry over the limit is cut; e.g. ..."), unless
    it gives a vector of its own (a new example)."""
    masked = _VECTOR.sub(lambda m: "#" * len(m.group()), piece)
    named = _mode(masked, len(piece), len(piece))
    return named or (None if masked != piece else carried)


def _sentence(
    text: str, source, limit, names, seen, carried=None, context=("", set())
) -> tuple[str, tuple | None, float | None]:
    vectors = [m for m in _VECTOR.finditer(text) if not (_interval(_values(m)) or _row(text, m))]
    norms = [math.hypot(*_values(m)) for m in vectors]  # "(1, 1), norm 1.41": no limit
    vectors = [m for m in vectors if not _ASIDE.search(text[: m.start()])]
    # "norm gives 0.2 * (3, 4) = (0.6, 0.8)": the source times its factor, no result
    vectors = [m for m in vectors if not _SCALED.search(text[: m.start()])]
    masked = _VECTOR.sub(lambda m: "#" * len(m.group()), text)  # its positions kept
    bare = [
        (_Stated if _NAMES_LIMIT.match(m.group()) else float)(m.group(2) or m.group(1))
        for m in _LIMIT.finditer(masked)
        if not m.group().startswith("norm ")
        or all(abs(float(m.group(1)) - v) > 0.01 for v in norms)
        and not _MEASURED.search(masked[: m.start()])
    ]
    if not vectors:  # "max_norm=1.0" in the code before the example: its limit, if none yet
        return text, source, limit if limit is not None or _SUPPOSES.search(text) else _first(bare)
    if _SUPPOSES.search(text):  # "suppose max_norm 1 and g = (4, 0)": its limit holds on
        seen.extend(_values(m) for m in vectors)  # ... and a later result may come from them
        return text, _values(vectors[0]), _limit(bare, _values(vectors[0]), limit)
    limit = _limit(bare, source, limit)
    wrong, added = [], None
    for n, m in enumerate(vectors):
        vec, after = _values(m), text[m.end() :]
        before = _VECTOR.sub(_kept, text[: m.start()])  # "clamped to [-2, 2]: (-2, 2, 1)"
        if added is not None and _summed(vec, added, seen[:-1]):  # "adds (0, 4) -> (1, 4)"
            source, limit, added = vec, _limit(bare, vec, limit), None
            seen.append(vec)
            continue
        if added is not None and _PLUS.search(before) and len(vec) == len(added):  # "a + b = c"
            wrong.append(m.end())
        added = vec if _ADDS.search(before) or _JOINED.search(before) else None
        seen.append(vec)
        if _JOINED.search(before):  # "(3, 0) and (0, 4)", "(3, 0) + (0, 4)": one more source
            source, limit = vec, _limit(bare, vec, limit)
            continue
        given = _GIVEN.search(before) and _WITH.match(after)  # "becomes (1, 1) with limit 1"
        is_result = (
            source is not None
            and len(vec) == len(source)
            and (given or not _SOURCE_VERBS.match(after))
        )
        labelled = _LABEL.search(before) and not _THEN.match(after)
        if n == 0 and not (_RESULT_VERBS.search(before) or labelled):  # after "becomes" & co
            is_result = False
        if _ADDS.search(before) or _NAMED.search(before) or _COMPARED.search(before):
            is_result = False
        if n == 0 and _PRODUCED.search(before):
            is_result = False
        if _LEADS_ONE.search(before) and _THEN.match(after):  # "clipping each: (2, 0) -> ",
            is_result = False  # "(3, 4) -> (1, 1), and (0.5, 4) -> (0.5, 1)": a new example
        if before.rstrip().endswith(":") and _THEN.match(after):
            is_result = False
        if not is_result:
            source, limit = vec, _limit(bare, vec, limit)
            continue
        if _REJECTED.search(before):
            continue
        named = _OF_NAME.search(before)  # "g1 -> (3, 0)": g1 is the source
        source = names.get(named.group(1), source) if named else source
        if len(vec) != len(source):
            continue
        mode = _mode(masked, m.start(), m.end())
        # Named in the sentence before; not for a comparison ("(3, 4) -> (0.6, 0.8) vs (1, 1)")
        if (
            mode is None
            and len(vectors) <= 2
            and not re.search(r"max_norm|max norm|threshold", masked)
        ):
            mode = carried
        cap = None if _AGC.search(masked) or _part(masked, source) else limit
        inf = mode != "value" and bool(_INF.search(masked))  # "the inf-norm clip gives ..."

        def fits(s: tuple, r: tuple, lim: float | None, mode: str | None = mode, inf=inf) -> bool:
            return _fits(s, r, lim, mode) or (inf and _by_norm(s, r, lim, _largest))

        if not fits(source, vec, cap) and not derived.explained(vec, seen, cap, fits, *context):
            wrong.append(m.end())
    for at in reversed(wrong):
        text = f"{text[:at]} {MARKER}{text[at:]}"
    return text, source, limit


class _Stated(float):
    """A number a limit word names ("limit 3", "max_norm=5"): the limit, even where it equals
    the source's own norm or an entry ("limit 3, grads (3, 0), (0, 3)")."""


_NAMES_LIMIT = re.compile(r"(?:limit|threshold|max_norm|max norm|clip_value|clip value)\b")


_TOTAL = re.compile(r"\b(?:total|global|overall|combined)\s+(?:gradient\s+)?norm\b")


def _part(masked: str, source: tuple) -> bool:
    """Whether the source is one of several gradients whose total norm the sentence states
    ("(1, 2) and (2,): the total norm is sqrt(1 + 4 + 4) = 3"): its clip scales it by
    max_norm / total, so only its direction is checked."""
    total = _TOTAL.search(masked)
    own = math.hypot(*source)
    after = re.findall(r"\d+(?:\.\d+)?", masked[total.end() :]) if total else []
    return bool(after) and all(abs(float(x) - own) > _PLACES for x in after)


def _first(bare: list[float]) -> float | None:
    return bare[0] if bare else None


def _summed(vec: tuple, added: tuple, seen: list[tuple]) -> bool:
    """Whether ``vec`` is ``added`` plus a vector named before it: a running sum, not a result."""
    return any(
        len(s) == len(vec) == len(added)
        and all(_close(v, a + b) for v, a, b in zip(vec, added, s, strict=True))
        for s in seen
    )


def _limit(bare: list[float], source: tuple | None, limit: float | None) -> float | None:
    """The first number named as a limit that is not the source's own norm or entry."""
    if source is None:
        return limit
    own = math.hypot(*source)
    named = [
        x for x in bare if isinstance(x, _Stated) or abs(x - own) > _PLACES and x not in source
    ]
    return named[0] if named else limit


def _kept(m: re.Match) -> str:
    """A vector as written, a range to clamp into dropped."""
    return "" if _interval(_values(m)) else m.group()


def _row(text: str, m: re.Match) -> bool:
    """Whether a vector is a row of a matrix written out ("np.array([[1.2, 0.0], [0.0, 0.5]])")."""
    return text[: m.start()].endswith("[") or text[m.end() :].startswith("]")


def _interval(vec: tuple) -> bool:
    """ "[-1, 1]", "(-c, c)": a range to clamp into, not a vector."""
    return len(vec) == 2 and vec[0] == -vec[1] != 0


def _values(m: re.Match) -> tuple[float, ...]:
    return tuple(float(x) for x in m.group(1).split(","))


def _mode(masked: str, start: int, end: int) -> str | None:
    """The mode a result is given under: the nearest word naming one in its clause, before it or
    right after it with "under" / "by" ("(3, 4) becomes (1, 1) under norm clipping and (0.6,
    0.8) under value clipping"), else the last one named before it in the sentence, else
    None. A word that is denied ("this is not a rescaling") names no mode."""
    lo = max(masked.rfind(p, 0, start) for p in _CLAUSE_ENDS) + 1
    his = [masked.find(p, end) for p in _CLAUSE_ENDS]
    hi = min([h for h in his if h >= 0] or [len(masked)])
    named = [
        (w.start(), w.end(), mode)
        for mode, words in (("norm", _NORM_WORDS), ("value", _VALUE_WORDS))
        for w in words.finditer(masked)
        if not _REJECTED.search(masked[: w.start()])  # "not a uniform rescaling"
        and not (mode == "value" and _coef_clamp(masked, w.start()))
    ]
    near = [
        (start - b if b <= start else a - end, m)
        for a, b, m in named
        if lo <= a and b <= hi and (b <= start or _UNDER.match(masked[end:a]))
    ]
    if near:
        return min(near)[1]
    before = [(b, m) for a, b, m in named if b <= start]
    return max(before)[1] if before else None


def _coef_clamp(masked: str, at: int) -> bool:
    """Whether the clamp word at ``at`` clamps the norm clip's factor at 1, not the entries."""
    if _COEF_CLAMP.match(masked, at):
        return True
    return bool(_COEF_CLAMPED.search(masked[:at])) and bool(
        re.match(r"clamp\w*\s+(?:to\s+|at\s+)?(?:at\s+most\s+)?1(?:\.0)?\b", masked[at:])
    )


def _fits(source: tuple, result: tuple, limit: float | None, mode: str | None) -> bool:
    if mode is None:
        return _by_norm(source, result, limit) or _by_value(source, result, limit)
    return (_by_norm if mode == "norm" else _by_value)(source, result, limit)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _PLACES + 0.02 * abs(b)


def _largest(*values: float) -> float:
    """The infinity norm: the largest absolute entry."""
    return max(map(abs, values))


def _by_norm(source: tuple, result: tuple, limit: float | None, measure=math.hypot) -> bool:
    norm = measure(*source)
    if limit is not None:
        factor = min(1.0, limit / norm) if norm else 1.0
        return all(_close(r, s * factor) for s, r in zip(source, result, strict=True))
    factor = measure(*result) / norm if norm else 1.0
    return factor <= 1 + _PLACES and all(
        _close(r, s * factor) for s, r in zip(source, result, strict=True)
    )


def _by_value(source: tuple, result: tuple, limit: float | None) -> bool:
    caps = {abs(r) for s, r in zip(source, result, strict=True) if not _close(r, s)}
    cap = limit if limit is not None else (caps.pop() if len(caps) == 1 else None)
    if cap is None:
        return not caps
    return all(
        _close(r, math.copysign(min(abs(s), cap), s)) for s, r in zip(source, result, strict=True)
    )
