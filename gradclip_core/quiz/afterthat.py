""" "..., and only after that optimizer.step()": "after that" before a call read as "then".

"Call loss.backward(), then clip_grad_value_(...), and only after that optimizer.step()" puts
the step after the clip: "that" stands for what came before, and the call written after it
comes next. Read as "then" ("and only then optimizer.step()"), so the clause is not read as
placing the clip after the step, whatever subject it takes from the clause before. Only when a
call written as code (a name with "(" or a dotted name) follows "after that" / "after this" /
"after which" (a comma between or not): "after that step" or "after that, the norm ..." are left
alone. Reads the lower-cased answer.
"""

from __future__ import annotations

import re

_AFTER = re.compile(
    r"\bafter\s+(?:that|this|which)\b(?=\s*,?\s*`?(?:[a-z_][\w]*\.)+[a-z_]\w*\s*\(|\s*,?\s*`?"
    r"[a-z_]\w*\(\))"
)


def mark(text: str) -> str:
    """``text`` with "after that" before a call written as code read as "then"."""
    return _AFTER.sub("then", text)
