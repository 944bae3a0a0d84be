""" "Call scaler.unscale_(optimizer) before the clip, and then again right before the step": the
call the "again" repeats.

A clause with no verb of its own, led by "and (then) again" after a clause that names a call
written as code ("call `scaler.unscale_(optimizer)` before the clip, and then again right before
`scaler.step(optimizer)`"), calls that call a second time: the call's name is put before the
"again" ("and then unscale_ again right before ..."), so a claim about calling it twice can
see it. The call is the first one written as code in the words before, back to the sentence's
start; a verb after "again" ("and again it divides ...") leaves the clause as it is. Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

_CALL = re.compile(
    r"(?:[a-z_]\w*\.)*(unscale_|clip_grad_norm_|clip_grad_value_|zero_grad|backward|step|update)"
    r"\s*\("
)
_AGAIN = re.compile(
    r",\s*and\s+(?:then\s+)?(again)\b(?=\s+(?:right\s+|just\s+|directly\s+)?(?:before|after)\b)"
)
_END = re.compile(r"[.!?\n](?=\s|$)|;")


def mark(text: str) -> str:
    """``text`` with the call an elliptic "and then again ..." repeats named before "again"."""
    out, last = [], 0
    for m in _AGAIN.finditer(text):
        ends = [e.end() for e in _END.finditer(text, 0, m.start())]
        call = _CALL.search(text, ends[-1] if ends else 0, m.start())
        if call is None:
            continue
        out += [text[last : m.start(1)], f"{call.group(1)} "]
        last = m.start(1)
    return "".join(out) + text[last:]
