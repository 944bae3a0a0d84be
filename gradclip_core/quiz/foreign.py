"""What an answer says of another framework, or of an older PyTorch, read as no claim on torch.

Practitioners coming from Keras, TensorFlow, JAX or optax set torch against what they know:

- "the torch equivalent is clip_grad_value_(...)", "Keras's equivalent", "the equivalent in
  torch", "clip_grad_value_ does the equivalent of grad.clamp_(...)": "equivalent" names a
  counterpart there, it says no two clipping modes are the same; it is read as "counterpart";
- "clipnorm there clips each variable's gradient by its own norm", "in Keras, clipnorm ...": a
  sentence (or clause) whose subject is another framework's option describes that framework,
  and so does one led by "older PyTorch ..." / "PyTorch 1.x ..." / "before 2.0, ...": each of
  its clauses is read as a supposition (led by "suppose", see :mod:`.asked`).

Reads the lower-cased answer.
"""

from __future__ import annotations

import re

from gradclip_core.quiz.asked import supposed

_FRAMEWORKS = r"(?:torch|pytorch|keras|tensorflow|tf|jax|optax|flax|numpy)"
# "the torch 2.13 equivalent", "keras's equivalent", "the equivalent in torch"
_NAMED = re.compile(
    rf"\b(?:the|its|their|an?|closest|direct|nearest)?\s*{_FRAMEWORKS}(?:'s)?"
    rf"(?:\s+[\d.x]+)?\s+equivalents?\b"
)
_NOUN = re.compile(r"\b(the|an?|closest|direct|nearest)\s+equivalent(s?)\b(?=\s+(?:in|of|for)\b)")
# "does the equivalent of grad.clamp_(...)": the counterpart of a call written as code
_OF_CODE = re.compile(r"\bequivalent(\s+of\s+)(?=[\w.]*[._(])")
# a sentence starts after a point followed by a space, not inside "optax.clip_by_global_norm"
# another framework's option as the subject: "clipnorm there clips ...", "in keras, clipnorm ..."
_OPTIONS = r"(?:clipnorm|clipvalue|global_clipnorm|tf\.clip_by_\w+|optax\.\w+|clip_by_\w+)"
_SENTENCE = r"[^.!?;\n]*(?:\.(?=\w)[^.!?;\n]*)*"
_THEIRS = re.compile(
    rf"(?:(?<=[!?;:\n])|(?<=\.)(?=\s)|^)(\s*)((?:in\s+{_FRAMEWORKS}\s*,?\s*)?{_OPTIONS}\s+(?:there|in\s+"
    rf"{_FRAMEWORKS})?\s*(?:clips|scales|rescales|clamps|works|is|uses|applies)\b{_SENTENCE})"
)
# "older pytorch zeroed grads", "pytorch 1.x ...", "before 2.0, zero_grad() ...": no longer so
_OLDER = re.compile(
    rf"(?:(?<=[!?;:\n])|(?<=\.)(?=\s)|^)(\s*)((?:older|old|earlier)\s+(?:{_FRAMEWORKS}|versions?|releases?)"
    rf"|{_FRAMEWORKS}\s+1\.\w+|before\s+(?:{_FRAMEWORKS}\s+)?2(?:\.0)?\s*,)({_SENTENCE})"
)
_CUTS = re.compile(r"(,\s*(?:(?:and|but|so)\s+)?|\s+(?:and|but|so|because|which|while)\s+)")


def _older(m: re.Match) -> str:
    body = m.group(2) + m.group(3)
    cut = re.search(r",?\s+but\s+", body)  # "older pytorch did x, but 2.x does y": y holds
    kept = body[cut.start() :] if cut else ""
    return m.group(1) + supposed(body[: cut.start()] if cut else body, _CUTS) + kept


def mark(text: str) -> str:
    """``text`` with each counterpart read as such and each claim on another framework or an
    older PyTorch led by "suppose"."""
    text = _NAMED.sub("the counterpart", text)
    text = _NOUN.sub(r"\1 counterpart\2", text)
    text = _OF_CODE.sub(r"counterpart\1", text)
    text = _THEIRS.sub(lambda m: m.group(1) + supposed(m.group(2), _CUTS), text)
    return _OLDER.sub(_older, text)
