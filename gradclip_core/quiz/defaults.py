"""Stated defaults of torch's clipping and AMP API, checked against torch 2.13.

A fluent answer can give a real argument a false default ("since error_if_nonfinite=True is the
default, it raises on nan", "max_norm defaults to 1.0") in words that all sound right;
:mod:`.api` checks keyword *names* only. Each statement that names an argument, a value and the
word "default" together ("X=V is the default", "X defaults to V", "by default X is V", "by
default with X V", "the default X is V", "X is V by default", "X at its default of V", "X has a
default of V", "X (default V)", "leave X out and it defaults to V") whose V is not torch's
default is followed by :data:`MARKER`, a word a misconception of the bank can name. An argument
with no default (:data:`REQUIRED`) has no true stated default. Looser words count too ("by
default it measures ... the largest absolute entry", "raises a RuntimeError by default",
"torch's default max_norm", "max_norm falls back to 1.0", "it uses max_norm=1.0 when you don't
pass one", "out of the box" for "by default"), unless the sentence denies before them ("does not
raise by default"). The table is torch 2.13's
(``tests/content/test_explain_feedback_claims*.py`` compares it with ``inspect.signature``).
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MARKER = "misdefaulted"
DEFAULTS: dict[str, tuple[float | str, ...]] = {  # argument -> accepted spellings of its default
    "error_if_nonfinite": ("false",),
    "norm_type": (2.0, "l2", "euclidean"),
    "foreach": ("none",),
    "init_scale": (65536.0,),
    "growth_factor": (2.0,),
    "backoff_factor": (0.5,),
    "growth_interval": (2000.0,),
    "enabled": ("true",),
}
REQUIRED = ("max_norm", "clip_value")  # no default in torch 2.13: any stated one is false
_ALIASES = {"initial scale": "init_scale", "loss scale": "init_scale", "scale": "init_scale"}
_ARG = "|".join(sorted([*DEFAULTS, *REQUIRED, *_ALIASES], key=len, reverse=True))
# a value, as in "`max_norm=1.0` by default" too
_VAL = r"(true|false|none|inf|l1|l2|\d[\d,]*(?:\.\d+)?(?:\s*(?:\*\*|\^)\s*\d+)?)\b`?"
_IS = r"\s*(?:=|is|of|:)\s*"
_FORMS = [
    re.compile(rf"\b({_ARG})\s*(?:=|of|is|:)?\s*{_VAL}\s*(?:is|being|as)\s+(?:the\s+)?default\b"),
    re.compile(rf"\b({_ARG})\s+defaults?\s+(?:to|is|of|=)\s*{_VAL}"),
    re.compile(
        rf"\bby default\s*,?\s+(?:with\s+(?:an?\s+)?)?(?:the\s+)?({_ARG})(?:{_IS}|\s+){_VAL}"
    ),
    re.compile(rf"\bdefault\s+(?:value\s+(?:of|for)\s+)?(?:the\s+)?({_ARG}){_IS}{_VAL}"),
    re.compile(rf"\b({_ARG})\s*\(\s*default\s*:?\s*=?\s*{_VAL}"),
    re.compile(rf"\b({_ARG})\s*(?:is|=)\s*{_VAL}\s+by default\b"),
    re.compile(rf"\b({_ARG})\s+(?:at|to)\s+its\s+default\s+(?:value\s+)?(?:of\s+)?{_VAL}"),
    re.compile(rf"\b({_ARG})\s+has\s+a\s+default\s+(?:value\s+)?(?:of\s+)?{_VAL}"),
    re.compile(rf"\bby default\s*\(\s*({_ARG})\s*=\s*{_VAL}"),  # "the l1 norm by default (...)"
]
# "if you leave max_norm out it defaults to 1.0": the argument named before, then "it"; the
# marker stands as a clause of its own, since "if you ..." supposes the rest of its clause
_LEFT_OUT = re.compile(
    rf"\b({_ARG})(?:\s+(?:out|off|unset|away))?\s*,?\s+(?:(?:and|then)\s+)*(?:it|that|this)\s+"
    rf"(?:just\s+)?(?:defaults?\s+to|falls?\s+back\s+to)\s*{_VAL}"
)
_KIND = r"(l1|l-1|l2|l-2|euclidean|l∞|l-?inf\w*|inf\w*|max(?:imum)?|manhattan)"  # unnamed norm_type
_NORMS = [  # "by default the l1 norm", "the infinity norm by default", "the default is the l1 norm"
    re.compile(
        rf"\bby default\s*,?\s+(?:it\s+(?:uses|takes|computes)\s+)?(?:the\s+)?{_KIND}[- ]norm"
    ),
    re.compile(rf"\b{_KIND}[- ]norm\s+(?:\([^()]{{0,40}}\)\s+)?by default\b"),
    re.compile(rf"\bdefault\s+(?:norm\s+)?(?:is|=)\s+(?:the\s+)?{_KIND}[- ]norm"),
]
_KINDS = {"l-1": "l1", "l-2": "l2", "manhattan": "l1"}
_BY_DEFAULT = re.compile(  # "unless you pass something else": what it is by default
    r"\bout of the box\b|\bunless you (?:tell it|say|pass|set it) otherwise\b"
    r"|\bunless you (?:pass|set|give|specify|provide|choose) (?:something|anything) else\b"
    r"|\bunless you (?:pass|set|give|specify|provide|choose) (?:another|a different|your own)"
    r" (?:value|one|number)\b"
)
_LOOSE = [  # a false default said in other words than "X defaults to V"
    # "by default pytorch measures it with the max norm - norm_type=inf, i.e. the largest entry"
    re.compile(
        r"\bby default\b[^.;!?]{0,60}?(?:\b(?:l1|l∞|inf(?:inity|inite)?|manhattan)[- ]norm\b"
        r"|norm_type\s*=\s*(?:float\(\s*'?)?(?:inf|1\b)|\blargest absolute (?:entry|value)"
        r"|\bmax(?:imum)? abs)"
    ),
    # "with the default norm_type (infinity, i.e. the largest entry)", "the default norm type, l1"
    re.compile(
        r"\bdefault\s+norm[_ ]type\b[^.;!?]{0,20}?(?:\b(?:inf(?:inity|inite)?|l1|l∞)\b|\b1\b"
        r"|\blargest absolute|\bmax(?:imum)? abs)"
    ),
    # "clip_grad_norm_ raises a runtimeerror by default", "by default it throws on nan"
    re.compile(r"\b(?:raises?|throws?)\b[^.;!?]{0,40}?\bby default\b"),
    re.compile(r"\bby default\b[^.;!?]{0,40}?\b(?:raises?|throws?)\b"),
    # "torch's default max_norm", "max_norm falls back to 1.0", "the max_norm pytorch uses when
    # you pass none": max_norm and clip_value have no default
    re.compile(r"\b(?:torch|pytorch)(?:'s|s)? default (?:for |of )?`?(?:max_norm|clip_value)\b"),
    # "it's also the default for `max_norm`": there is none
    re.compile(r"\bdefault (?:value )?(?:for|of) (?:the )?`?(?:max_norm|clip_value)\b"),
    re.compile(r"\b(?:max_norm|clip_value)\s+falls?\s+back\s+to\b"),
    re.compile(
        r"\b(?:max_norm|clip_value)\s+(?:that\s+)?(?:torch|pytorch|it)\s+uses\s+(?:when|if)\s+you\s+"
        r"(?:pass|give|set)\s+(?:none|nothing|no\b)"
    ),
]
_DENIED = re.compile(r"\b(?:not|no|never|only|unless|doesn't|does not|won't|error_if_nonfinite)\b")
_UNPASSED = re.compile(  # "it uses max_norm=1.0 when you don't pass one": no default to fall to
    r"\b(?:uses?|takes?|applies|assumes?|picks?)\s+(?:max_norm|clip_value)\s*(?:=|of)?\s*\d[\d.]*"
    r"\s+(?:when|if)\s+you\s+(?:don't|do not|never|didn't|did not)\s+(?:pass|give|set|specify)"
)


def _value(v: str) -> float | str:
    v = re.sub(r"\s+", "", v.lower())
    for sep in ("**", "^"):
        if sep in v:
            a, b = v.split(sep)
            return float(a.replace(",", "")) ** float(b)
    try:
        return float(v.replace(",", ""))
    except ValueError:
        return v


def _is_default(arg: str, said: str) -> bool:
    if arg in REQUIRED:
        return False
    val = _value(said)
    for ok in DEFAULTS[arg]:
        if isinstance(ok, float) and isinstance(val, float) and abs(val - ok) <= 1e-9 * ok:
            return True
        if isinstance(ok, str) and val == ok:
            return True
    return False


def mark(text: str) -> str:
    """``text`` (lower case) with :data:`MARKER` after each false stated default."""
    text = _BY_DEFAULT.sub("by default", text)  # "out of the box it uses the inf norm"
    ends = set()
    for form in _FORMS:
        for m in form.finditer(text):
            if not _is_default(_ALIASES.get(m.group(1), m.group(1)), m.group(2)):
                ends.add(m.end())
    for form in _NORMS:
        for m in form.finditer(text):
            if not _is_default("norm_type", _KINDS.get(m.group(1), m.group(1))):
                ends.add(m.end())
    for form in _LOOSE:
        for m in form.finditer(text):
            start = text.rfind(".", 0, m.start()) + 1
            if not _DENIED.search(text, start, m.end()):  # before it: "when you pass none"
                ends.add(m.start())
    for m in _UNPASSED.finditer(text):  # the "don't" is its own: a denial only before it
        if not _DENIED.search(text, text.rfind(".", 0, m.start()) + 1, m.start()):
            ends.add(m.start())
    for m in _LEFT_OUT.finditer(text):
        if not _is_default(_ALIASES.get(m.group(1), m.group(1)), m.group(2)):
            ends.add(-m.end())  # negative: the marker as a clause of its own
    for at in sorted(ends, key=abs, reverse=True):
        mark = f", {MARKER}," if at < 0 else f" {MARKER}"
        text = f"{text[: abs(at)]}{mark} {text[abs(at) :].lstrip()}"
    return text
