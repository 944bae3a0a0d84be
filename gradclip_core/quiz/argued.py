"""What a clipping call is given, in answers: the parameters, and a limit of its own.

"clip_grad_norm_(loss, max_norm=1.0)" and "clip_grad_norm_(model, 1.0)" name the right function
and the right place in the loop, yet hand it something that holds no gradients to clip: the
loss (a non-leaf tensor: clipping it clips nothing) or the model itself (not an iterable of
tensors: a TypeError), or ``model.named_parameters()`` (its (name, tensor) pairs hold no .grad:
an AttributeError). Such a call is marked with :data:`MISPASSED`. A limit set to the learning
rate ("max_norm=lr") ties two separate knobs together and is marked with :data:`MISLINKED`.
A step handed the gradients ("optimizer.step(grads)", after "grads = clip_grad_norm_(...)")
is marked with :data:`MISSTEPPED`: step() reads .grad and takes only a closure. A clip given
the tensors' data ("[p.data for p in model.parameters()]", "p.detach()") is marked with
:data:`MISDETACHED`: those are new tensors whose .grad is None, so nothing is clipped. A clip
given "optimizer.parameters()" is marked with :data:`MISOWNED`: an optimizer has no such method
(an AttributeError); its parameters are in ``optimizer.param_groups``.
Each is a word a misconception of the bank can name
(``tests/content/test_explain_feedback_claims*.py`` checks the torch behaviour). Reads the
lower-cased answer.
"""

from __future__ import annotations

import re

MISPASSED = "mispassed"  # after a clipping call given the loss or the model, not its parameters
MISLINKED = "mislinked"  # after a limit set to the learning rate
_CALL = r"\bclip_grad_(?:norm|value)_?\s*\(\s*"
_HOLDER = (
    r"(?:self\.)?(?:loss|losses|model|net|network|module)\b(?!\s*\.)"  # ".parameters()" is fine
)
_PASSED = re.compile(rf"({_CALL}{_HOLDER}[^)]*\))")
_NAMED = re.compile(rf"({_CALL}[^)]*?named_parameters\s*\(\s*\))")  # (name, tensor) pairs
MISDETACHED = "misdetached"  # after a clipping call given p.data or p.detach(): no .grad there
_DETACHED = re.compile(  # "clip_grad_norm_([p.data for p in model.parameters()], 1.0)"
    rf"({_CALL}\[\s*\w+\.(?:data|detach\(\))\s+for\b[^\]]*\][^)\n]*\)?)"
)
MISOWNED = "misowned"  # after a clipping call given optimizer.parameters(): no such method
_OWNED = re.compile(rf"({_CALL}(?:self\.)?(?:optimizer|optim|opt)\.parameters\s*\(\s*\)[^)\n]*\)?)")
MISSTEPPED = "misstepped"  # after optimizer.step() given gradients or the clip's result
_STEPPED = re.compile(
    r"(\b(?:optimizer|optim|opt)\.step\s*\(\s*(?:clipped_?|new_?|the_?)?"
    r"(?:grads?|gradients?|g|norm|total_norm|clipped)(?:_\w+)?\s*\))"
)
_LINKED = re.compile(r"(\b(?:max_norm|clip_value)\s*=\s*(?:lr|learning_rate)\b(?!\s*[*/]))")


def mark(text: str) -> str:
    """``text`` with each such call or limit followed by its marker word."""
    text = _NAMED.sub(rf"\1 {MISPASSED}", _PASSED.sub(rf"\1 {MISPASSED}", text))
    text = _STEPPED.sub(rf"\1 {MISSTEPPED}", _DETACHED.sub(rf"\1 {MISDETACHED}", text))
    text = _OWNED.sub(rf"\1 {MISOWNED}", text)
    return _LINKED.sub(rf"\1 {MISLINKED}", text)
