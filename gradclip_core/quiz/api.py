"""Calls of torch's clipping API in answers, checked against the real signatures.

A fluent answer can invent an argument ("clip_grad_norm_(..., scaler=scaler)", "AdamW(...,
max_grad_norm=1.0)") or use the result of a call that returns None ("grads =
scaler.unscale_(optimizer)"), in words that all sound right. Each call written as code whose
keyword arguments are not all the function's own is marked with :data:`MISNAMED`; each result of
``unscale_`` or ``clip_grad_value_`` assigned to a name is marked with :data:`MISRETURNED`. A
clipping function torch.nn.utils does not have ("torch.nn.utils.clip_grad_adaptive_(...)") and
``unscale_`` given something other than an optimizer ("scaler.unscale_(loss)") are marked with
:data:`MISCALLED`, and ``clip_grad_norm_`` or ``clip_grad_value_`` given the loss or the optimizer
instead of the parameters ("clip_grad_norm_(loss, 1.0)") with :data:`MISPASSED`. All are words a
misconception of the bank can name; a ``step(...)`` (``scaler.step``, ``optimizer.step``) given a
keyword other than the optimizer or a closure ("scaler.step(optimizer, max_norm=1.0)") is marked
with :data:`MISSTEPPED`. The signatures are those of torch 2.13
(``tests/content/test_explain_feedback_claims*.py`` checks them). Reads the lower-cased answer.
"""

from __future__ import annotations

import re

MISNAMED = "misnamed"  # after a call with an argument the function does not take
MISRETURNED = "misreturned"  # after a name given the result of a call that returns None
MISCALLED = "miscalled"  # after a clipping function torch lacks, or unscale_ not given an optimizer
MISSTEPPED = "misstepped"  # after a step() given an argument: it clips nothing, takes no max_norm
MISPASSED = "mispassed"  # after a clipping function given the loss or the optimizer to clip
_PASSED = re.compile(
    r"\bclip_grad_(?:norm|value)_?\s*\(\s*(?:loss|optimizer|opt|scaler)\b(?![.\w(])"
)
# torch.nn.utils' clipping functions in torch 2.13 (clip_grad is the module that holds them)
UTILS = ("clip_grad", "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_")
UTILS += ("clip_grads_with_norm_", "get_total_norm")
_UTILS = re.compile(r"\bnn\.utils\.([a-z_]\w*)")
_CLIPPING = re.compile(r"clip|agc|adaptive|unit")  # a name that claims to clip
_UNSCALE = re.compile(r"\bunscale_\s*\(\s*([\w.]*)")
_GLOSS = re.compile(r"←|<-|:=|↦|→|->|(?<![=!<>])=(?!=)")  # a formula in brackets, not arguments
_OPTIMIZER = ("params", "lr", "weight_decay", "maximize", "foreach", "differentiable")
KEYWORDS = {  # the keyword arguments each call takes, lower-cased
    "clip_grad_norm_": ("parameters", "max_norm", "norm_type", "error_if_nonfinite", "foreach"),
    "clip_grad_value_": ("parameters", "clip_value", "foreach"),
    "unscale_": ("optimizer",),
    "sgd": (*_OPTIMIZER, "momentum", "dampening", "nesterov", "fused"),
    "adam": (
        *_OPTIMIZER,
        "betas",
        "eps",
        "amsgrad",
        "capturable",
        "fused",
        "decoupled_weight_decay",
    ),
    "adamw": (*_OPTIMIZER, "betas", "eps", "amsgrad", "capturable", "fused"),
    # scaler.step(optimizer, ...) passes the rest on to optimizer.step(closure=None)
    "step": ("optimizer", "closure"),
}
_CALL = re.compile(r"(?<![\w])(?<!\bdef\s)(" + "|".join(map(re.escape, KEYWORDS)) + r")\s*\(")
_KEYWORD = re.compile(r"(?<![\w.=!<>])([a-z_]\w*)\s*=(?!=)")
_NONE_RESULT = re.compile(  # "grads = scaler.unscale_(opt)", "clip_grad_norm_(scaler.unscale_("
    r"(?:\b[a-z_]\w*\s*=|\bclip_grad_(?:norm|value)_\s*\()\s*(?:[\w.]*\.)?(?:unscale_|clip_grad_value_)\s*\("
)


def _closing(text: str, start: int) -> int:
    """The index after the bracket that closes the one before ``start`` (or the text's end)."""
    depth = 1
    for n in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[n], 0)
        if depth == 0:
            return n + 1
    return len(text)


def mark(text: str) -> str:
    """``text`` (lower case) with a marker after each call with a foreign keyword argument,
    after each call whose None result is given a name, and after each call torch lacks or
    ``unscale_`` given no optimizer."""
    ends: list[tuple[int, str]] = []
    for m in _CALL.finditer(text):
        end = _closing(text, m.end())
        inside = text[m.end() : end - 1]
        flat = re.sub(r"\([^()]*\)", "", inside)  # arguments of nested calls are not its own
        if any(k not in KEYWORDS[m.group(1)] for k in _KEYWORD.findall(flat)):
            ends.append((end, MISSTEPPED if m.group(1) == "step" else MISNAMED))
    for m in _NONE_RESULT.finditer(text):
        ends.append((_closing(text, m.end()), MISRETURNED))
    for m in _UTILS.finditer(text):
        if _CLIPPING.search(m.group(1)) and m.group(1) not in UTILS:
            called = text[m.end() :].lstrip().startswith("(")
            ends.append(
                (_closing(text, text.index("(", m.end()) + 1) if called else m.end(), MISCALLED)
            )
    for m in _PASSED.finditer(text):  # "clip_grad_norm_(loss, 1.0)": not the parameters
        ends.append((_closing(text, text.index("(", m.start()) + 1), MISPASSED))
    for m in _UNSCALE.finditer(text):  # "unscale_(optimizer)", "unscale_(opt)", not "(loss)"
        arg = m.group(1)  # "unscale_(...)" is a placeholder, not an argument
        end = _closing(text, m.end())
        gloss = _GLOSS.search(text[m.end() : end])  # "unscale_ (ĝ ← ĝ/s)": what it does
        if arg.strip(".") and "opt" not in arg.rsplit(".", 1)[-1] and not gloss:
            ends.append((end, MISCALLED))
    for at, word in sorted(ends, reverse=True):
        text = f"{text[:at]} {word} {text[at:]}"
    return text
