"""The grader's vocabulary: stems, synonym groups and informal spellings (see quiz.text).

Each answer word is lower-cased, stemmed (Snowball) and mapped to its synonym group, so
"shrunk", "reduces" and "lowered" all read as "shrink". Informal spellings ("u", "b4", "bc")
read as the words they stand for.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from gradclip_core.quiz import callargs, commas

_STEMMER = snowballstemmer.stemmer("english")
# Synonym groups, one per line: each word (and its stem) maps to the line's first word.
_SYNONYMS = """
limit cap restrict bound clamp constrain ceiling curb
large big huge massive enormous giant extreme larger bigger greater great
large gigantic colossal immense tremendous monstrous humongous
max maximum
explode explosion blow blowup skyrocket
stable steady stability stabilise stabilize
unstable instability erratic chaotic unsteady destabilise destabilize
diverge divergence nan
prevent avoid stop block guard protect mitigate combat tame counter counteract suppress
gradient grad derivative g
size magnitude length
optimizer optimiser optim opt
backward backprop backpropagation backpropagate
after following afterward
before prior ahead preceding
element entry component coordinate individual individually separately independently elementwise
direction orientation angle heading
scale rescale
shrink shrunk reduce decrease lower diminish halve
train learn fit
weight parameter param w
change alter distort modify rotate skew shift
keep kept preserve maintain retain
make made
multiply multiplication multiplied product
one 1
zero 0
high higher
slow slowly slower
threshold max_norm
each every
small smaller tiny little low
exceed surpass
lambda λ lam
below beneath underneath
"""
# Informal spellings, read as the words they stand for ("if u clip after each one", "b4 step")
INFORMAL = {
    "u": "you",
    "ur": "your",
    "bc": "because",
    "bcs": "because",
    "cuz": "because",
    "coz": "because",
    "b4": "before",
    "thru": "through",
    "tho": "though",
    "evry": "every",  # too short to read as a typo
    "1st": "first",  # "a 2nd time": the ordinal in words
    "2nd": "second",
    "3rd": "third",
    "normally": "usually",  # an adverb: "normalizes" stems to "normal" too
}
# "clamped below by eps", "floored from below", "never allowed below 1e-3", "(min 1e-3)": a floor
_FLOORED = re.compile(
    r"\b((?:clamp|bound|floor|limit|cap)\w*) (?:from below\b|below(?= (?:by|at)\b))"
    r"|\b(?:not|never) (?:allowed |permitted )?(?:to )?"
    r"(?:go(?:es)? |falls? |drops? |gets? )?below\b"
    r"|\bmin\.?(?=\s+(?:\d|\.\d|eps\b|ε))"  # "||W|| (min 1e-3)": at least 1e-3, no min()
)


# "the fix is to unscale first": the noun, a remedy (the verb "fix" claims a repair)
# "h_{t-1}", "k+1..t", "x[i+1]": an index one step away, not the number one
_INDEX = re.compile(r"(?<![\w.])([tkijnl])\s*[-+]\s*1(?!\w|\.\d)(?=\s*[}\])]|\.\.|\s*,)")
_FIX_NOUN = re.compile(r"\b(the|a|one|simple|easy|usual|standard|correct|proper|right) fix\b")
_NUMBER = r"-?(?:\d+\.?\d*(?:e-?\d+)?|\.\d+)"
# "lambda = 0.01", "λ of 0.02", "with lambda 0.01": the value that names λ from then on
_LAMBDA = re.compile(rf"\b(?:lambda|λ|lam)\s*(?:=|:|is|of)?\s*({_NUMBER})(?!\d|\.\d)")


def floors(text: str) -> str:
    """``text`` with a floor read as one: "clamped below by eps" as "clamped by eps", "not
    allowed below 1e-3" as "floored at 1e-3" (neither says "below λ")."""
    return _FLOORED.sub(lambda m: m.group(1) or "floored at", text)


_MODAL_THEN = re.compile(r"\b(would|will|could|can|might|may|must|should)\s+then\b")
# "guards vs exploding grads": after a word of protection, "vs" is "against", no comparison
_GUARD_VS = re.compile(
    r"\b(guards?|guarding|protects?|protection|safeguards?|defen[cs]e|insurance)\s+vs\b\.?"
)
# "- warning: far too small -> ...": a label that heads a caveat, not a warning torch gives
_WARNING_LABEL = re.compile(r"(?m)^([ \t]*(?:[-*•][ \t]*)?)(?:warning|caution)[ \t]*:")
_A_WHILE = re.compile(r"\b(?:for|in) a (?:little |short |good )?while\b")
# "so: zero the grads, forward, backward, ...": an instruction, the call zero_grad(), not a
# claim that what was named before zeroes them ("clip_grad_norm_ zeroes the grads" has a verb)
_ZERO_STEP = re.compile(
    r"(^|[,;:(\n]\s*|[-*•]\s+|\b(?:then|first|firstly|next|and|always)\s+)"
    r"zero\s+(?:out\s+)?(?:the\s+|all\s+)?(?:grads?|gradients)\b",
    re.MULTILINE,
)


_PARAM_GROUP = re.compile(r"\b(?:param|parameter)s?[ -]groups?\b")


def readings(text: str) -> str:
    """``text`` (lower case) with what a phrase stands for spelt out: a floor as a floor
    (:func:`floors`), an index one step away ("h_{t-1}") as its letter, the noun "fix" as
    "remedy", "guards vs" as "guards against", "returns none" as "not returns anything",
    "rho(W)" as "spectral radius (W)", a "warning:" label as "caveat:", "b/c" as "because",
    "param group" as the optimizer's "param_groups", and a number given to λ ("lambda = 0.01")
    as "λ" wherever it recurs later, so a worked example says what it claims in the prompt's
    words ("the ratio 0.05 > 0.01" is "above λ"; "scaled to norm 0.01" is "to norm λ"). A "then"
    right after a modal ("they would then count more") is an adverb: dropped, it starts no
    clause. The parameters passed to a call are left out (:mod:`.callargs`), and a comma dropped
    after a placing phrase is put back (:mod:`.commas`)."""
    text = _WARNING_LABEL.sub(r"\1caveat:", text)  # a label, not torch's warning
    text = _PARAM_GROUP.sub("param_groups", text)  # "every param group": no "clip the weights"
    text = _ZERO_STEP.sub(r"\1zero_grad", text)  # "zero the grads, forward, backward"
    text = _ABBREVIATED.sub(r"\1", text)  # "Pascanu et al. (2013) ...", "cf. Eq. 3": no end
    text = _CHANGES_NOTHING.sub(r"not \1 anything", text)  # "and changes nothing"
    text = _RETURNS_NONE.sub(r"not \1 anything", text)  # "(it returns none)": no clipped copy
    text = _RHO.sub("spectral radius ", text)  # "rho(w_hh) > 1": the spectral radius
    text = re.sub(r"\bb/c\b", "because", text)  # "(b/c step reads .grad)": not "b over c"
    text = callargs.strip(_MODAL_THEN.sub(r"\1", text))  # "clip_grad_value_(params, ...)"
    text = _GUARD_VS.sub(
        r"\1 against", _A_WHILE.sub("for some time", text)
    )  # "train for a while and log ...": no "while" clause
    text = commas.restore(text)  # "after the last one, call clip_grad_norm_"
    text = _FIX_NOUN.sub(r"\1 remedy", floors(_INDEX.sub(r"\1", text)))
    text = _IMPORTANCE.sub(r"\1 \2 importance", text)  # "a and b have equal weight"
    text = _NOTHING_CHANGED.sub("all stays as is", text)  # "(under the limit) nothing changed"
    text = _DOOMED.sub(r"\1 discarded", text)  # "about to be zeroed": the next loop's reset
    text = _NO_ERROR.sub(_no_error, text)  # "raises no error": the verb denied
    text = _VERDICT.sub(lambda m: f" in a {m.group(1)} way", text)  # "..., which is useless"
    named = _LAMBDA.search(text)
    if not named:
        return text
    value = re.escape(named.group(1))
    later = re.sub(rf"(?<![\w.]){value}(?!\w|\.\d)", "λ", text[named.end() :])
    if _UNIT_WEIGHT.search(text) or re.search(rf"(?<![\w.]){value}\s*[x×*·]\s*1\s*/", text):
        later = _NORM_LAMBDA.sub("norm λ × 1", later)  # weight norm 1: λ · 1 is right
    return text[: named.end()] + later


# "have equal weight", "gets more weight": importance, not the parameters
_IMPORTANCE = re.compile(
    r"\b(ha(?:ve|s)|gets?|carry|carries|given|count with)\s+"
    r"(equal|the same|more|less|extra)\s+weight\b"
)
# "where it's 0.6, nothing changed": the gradients left as they are, no claim about in place
_NOTHING_CHANGED = re.compile(r"\bnothing\s+(?:is\s+|was\s+|gets\s+|got\s+)?chang(?:ed|es)\b")
# "values that are about to be zeroed anyway": wiped by the next iteration, no call placed here
_DOOMED = re.compile(
    r"\b((?:about|going|soon|due)\s+to\s+be|will\s+(?:soon\s+)?be)\s+(?:zeroed|cleared|wiped|reset)\b"
)
# "clipping afterwards edits .grad, which is useless": the verdict on that placement, in its clause
_VERDICT = re.compile(
    r",?\s+which\s+(?:is|was|would\s+be)\s+(?:(?:completely|entirely|totally|simply)\s+)?"
    r"(useless|pointless|wrong|meaningless)\b"
)
# "a tiny max_norm raises no error", "gives no warning": no error raised at all
_NO_ERROR = re.compile(
    r"\b(rais|throw|giv|produc|trigger)(?:es|s|e)?\s+no\s+(error|exception|warning)s?\b"
)
_VERBS = {"rais": "raise", "throw": "throw", "giv": "give", "produc": "produce"}


def _no_error(m: re.Match) -> str:
    return f"does not {_VERBS.get(m.group(1), m.group(1))} an {m.group(2)}"


# "a row with weight norm 1", "||w|| = 1": a unit whose clipped gradient norm is λ · 1 = λ
_UNIT_WEIGHT = re.compile(
    r"\b(?:weight|row|parameter|w)s?(?:'s)?\s+(?:row\s+)?norm\s*(?:is|of|=|:)?\s*1(?:\.0+)?(?![\d.])"
    r"|(?:‖|\|\|)\s*w\w*\s*(?:‖|\|\|)\s*=\s*1(?:\.0+)?(?![\d.])"
    r"|\b(?:weight|row)s?\s+norms\s*(?:are|of|=|:)?\s*\([^)]*(?<![\d.])1(?:\.0+)?\s*[,\s)]"
)  # "row norms (3, 1, 0.5)"
_NORM_LAMBDA = re.compile(r"\bnorm\s+(?:of\s+)?λ(?!\s*[×x*·])")


def _stem(word: str) -> str:
    return word if "_" in word else _STEMMER.stemWord(word)


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _SYNONYMS.strip().splitlines():
        head = _stem(group.split()[0])
        for word in group.split():
            table.setdefault(word, head)
            table.setdefault(_stem(word), head)
    return table


_CANON = _build_synonyms()


_SUBSCRIPTED = re.compile(r"([a-z])_[a-z0-9]{1,3}")  # "g_i", "w_t": the letter
_ACRONYMS = re.compile(r"[b-df-hj-np-tv-z]{2,}[a-z]s")  # "lstms", "rnns", "grus": plurals


# "an infinite max_norm changes nothing", "it touches nothing": the verb denied
_CHANGES_NOTHING = re.compile(
    r"\b((?:chang|alter|modif|affect|rotat|distort|turn)\w*)"
    r"\s+nothing\b"
)
_RHO = re.compile(r"(?:\brho|ρ)\s*(?=\()")  # "rho(W)", "ρ(W)": the spectral radius of W
# "clip_grad_value_ returns None": it returns no value (read after .returned marks the norm
# call said to return None), so no claim of what it returns holds there
_RETURNS_NONE = re.compile(r"\b(returns?|returned)\s+(?:none|nothing)\b")
# a citation's or reference's abbreviation, whose dot ends no sentence: "Pascanu et al. (2013)
# showed ...", "(cf. Eq. 3)", "approx. 5", "value clipping (resp. norm clipping)"
_ABBREVIATED = re.compile(r"\b(et al|cf|eqs?|figs?|secs?|approx|resp|refs?|thm|lem)\.")
# words the stemmer would merge with another meaning: "active" (the clip acts) is no "activation"
_OWN_STEM = frozenset({"active", "inactive", "actively"})


@lru_cache(maxsize=8192)
def word_forms(raw: str) -> tuple[str, str]:
    """``(stem, canon)`` of a lower-case word ("1.0" reads as "1", and so as "one"; "g_i" as
    "g"; the plural of an acronym, "rnns", as "rnn")."""
    if re.fullmatch(r"\d+\.0+", raw):
        raw = raw.split(".")[0]
    subscripted = _SUBSCRIPTED.fullmatch(raw)
    if subscripted:
        raw = subscripted.group(1)
    if raw in _OWN_STEM:  # "how often the clip is active": no activation
        return raw, raw
    stem = _stem(raw)
    if stem == raw and _ACRONYMS.fullmatch(raw) and not raw.endswith("ss"):
        stem = raw[:-1]
    return stem, _CANON.get(raw, _CANON.get(stem, stem))
