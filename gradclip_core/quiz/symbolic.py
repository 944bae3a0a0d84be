"""A clipping formula in symbols as a Python expression, and whether it clips right.

Used by :mod:`.updates`. :func:`python` writes a formula ("c·g/‖g‖", "g_i·λ/r_i²", "λ max(‖W_i‖,
ε)/‖G_i‖ G_i") over five names: G (one gradient entry), C (the limit: c, max_norm, τ, ...), W
(the weight norm), L (λ) and R (AGC's ratio), with norms as abs(), min, max, clamp and sign, and
"*" where symbols stand side by side; any other word makes it None. :func:`check` evaluates it
(only those names, numbers and signs ever reach ``eval``): by norm, ±5 times the limit must give
± the limit (C = 2, or a number the formula writes: "min(1, 5/‖g‖)"); by AGC (it names W, R, or
λ with a norm), ±5 with weight norm 10 and λ = 0.1 must give ±1; and, when no condition is
stated, a quarter of the limit must pass unchanged.
"""

from __future__ import annotations

import re

G = r"(?:p\.grad|\.grad|grads?|gradient|[gĝ]̃?'?(?:_\{?[ik]\}?)?'?|∇l)"  # a gradient's symbol
_NORM = re.compile(r"(?:‖|\|\|)\s*([^‖|]{1,12}?)\s*(?:‖|\|\|)(?:_?\{?(?:2|f|fro)\}?|₂)?")
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?|[a-zα-ω∇][a-z0-9_'̃.]*|\*\*|[-−+*/·×⋅^²(),]|\s+")
_NAMES = dict.fromkeys(("c", "max_norm", "τ", "tau", "threshold", "clip_value", "limit", "v"), "C")
_NAMES |= {"w": "W", "w_i": "W", "ε": "1e-3", "eps": "1e-3", "λ": "L", "lambda": "L", "r": "R"}
_NAMES |= {"r_i": "R", "ratio": "R", "total_norm": "abs(G)", "abs": "abs", "min": "min"}
_NAMES |= {"max": "max", "clamp": "_clamp", "clip": "_clamp", "sign": "_sign"}
_SIGNS = {"−": "-", "·": "*", "×": "*", "⋅": "*", "^": "**", "²": "**2"}
_ENV = {"_clamp": lambda x, lo, hi: max(lo, min(x, hi)), "_sign": lambda x: (x > 0) - (x < 0)}
_ENV |= {"abs": abs, "min": min, "max": max, "C": 2.0, "W": 10.0, "L": 0.1}


def name(tok: str) -> str | None:
    """A symbol as Python ("G" for a gradient), or None when it is not known."""
    return _NAMES.get(tok) or ("G" if re.fullmatch(G, tok) else None)


def python(rhs: str) -> str | None:
    """The formula as a Python expression over G, C, W, L, R; None if a symbol is unknown."""
    rhs = re.sub(r"\|([^|]{1,8})\|", r" abs(\1) ", _NORM.sub(r" abs(\1) ", rhs))
    out, last = [], ""
    for tok in (t for t in _TOKEN.findall(rhs) if t.strip()):
        tok = name(tok) if tok[0].isalpha() or tok[0] in "∇" else _SIGNS.get(tok, tok)
        if tok is not None and tok.isdigit():
            tok += ".0"  # floats only: a power of integers ("2^99999999") would run for ages
        if tok is None:
            return None
        if (last[-1:].isalnum() or last == ")") and (tok[0].isalnum() or tok[0] in "(_"):
            out.append("" if last in _ENV and tok == "(" else "*")  # "c g", "λ max(...)"
        out.append(tok)
        last = tok
    return "".join(out)


def check(expr: str, unconditioned: bool) -> bool | None:
    """Whether the formula clips right; None if it cannot be evaluated."""
    agc = "W" in expr or "R" in expr or ("L" in expr and "abs(G)" in expr)
    if "G" not in expr or "L" in expr and not agc or expr.count("**") > 2:
        return None  # no gradient; λ as any number; no power towers ("9**99**9")
    numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", expr)} - {0.0}
    limits = [1.0] if agc else [2.0] if "C" in expr else sorted(numbers)  # "min(1, 5/‖g‖)"
    said = {_clips(expr, limit, agc, unconditioned) for limit in limits}
    return True if True in said else None if None in said or not said else False


def _clips(expr: str, limit: float, agc: bool, unconditioned: bool) -> bool | None:
    big = 5.0 if agc else 5 * limit  # AGC: weight norm 10 and λ = 0.1 make the limit 1
    cases = [(big, limit), (-big, -limit)] + ([(limit / 4, limit / 4)] if unconditioned else [])
    try:  # only known symbols, signs and numbers get here (see python)
        env = [_ENV | {"G": g, "C": limit, "R": abs(g) / 10.0} for g, _ in cases]
        said = [float(eval(expr, {"__builtins__": {}}, e)) for e in env]  # noqa: S307
    except (SyntaxError, TypeError, ZeroDivisionError, NameError, ValueError, OverflowError):
        return None
    return all(
        abs(s - want) < 1e-6 * max(1.0, limit) for s, (_, want) in zip(said, cases, strict=True)
    )
