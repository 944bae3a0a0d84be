"""Checking typed code and step orders, offline: fill-in-the-code answers and orderings.

A code answer is parsed and normalised (numbers, keyword arguments, defaults, the
``torch.nn.utils`` prefix) so equivalent spellings compare equal; an ordering is checked step
by step and the first wrong position is reported. Explanations are graded in
``quiz_grading``.
"""

from __future__ import annotations

import ast
import re

from gradclip_core.quiz import BLANK, FillCode, OrderItem
from gradclip_core.quiz_grading import MAX_ANSWER_CHARS

# Clipping functions: positional parameter names, and defaults that may be left out.
_SIGNATURES = {
    "clip_grad_norm_": (
        ("parameters", "max_norm", "norm_type", "error_if_nonfinite", "foreach"),
        {"norm_type": 2.0, "error_if_nonfinite": False, "foreach": None},
    ),
    "clip_grad_value_": (("parameters", "clip_value", "foreach"), {"foreach": None}),
}
_PREFIX = r"(torch\.)?nn\.utils\.(clip_grad\.)?"
_TORCH_PREFIX = re.compile(rf"^{_PREFIX}(?=\w+$)")  # a whole dotted name, in a syntax tree


class _Normalise(ast.NodeTransformer):
    """Rewrite code so equivalent spellings compare equal (numbers, keywords, prefixes)."""

    def __init__(self, short_names: bool) -> None:
        self.short_names = short_names

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return ast.Constant(float(value))
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if self.short_names:
            dotted = ast.unparse(node)
            if _TORCH_PREFIX.match(dotted):
                return ast.Name(id=node.attr, ctx=node.ctx)
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in _SIGNATURES or any(isinstance(a, ast.Starred) for a in node.args):
            return node
        params, defaults = _SIGNATURES[name]
        keywords = [ast.keyword(arg=p, value=a) for p, a in zip(params, node.args, strict=False)]
        keywords += node.keywords
        keywords = [
            k
            for k in keywords
            if not (
                k.arg in defaults
                and isinstance(k.value, ast.Constant)
                and k.value.value == defaults[k.arg]
                and type(k.value.value) is type(defaults[k.arg])
            )
        ]
        node.args = node.args[len(params) :]
        node.keywords = sorted(keywords, key=lambda k: k.arg or "")
        return node


def _clean(answer: str) -> str:
    return " ".join(str(answer).split()).rstrip(" ;,")


def _code_key(code: str, answer: str, short_names: bool) -> str | None:
    """A canonical dump of ``code`` with its blank filled by ``answer``, or None if invalid."""
    try:
        tree = ast.parse(code.replace(BLANK, _clean(answer), 1))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return ast.dump(_Normalise(short_names).visit(tree))


def _text_key(answer: str, short_names: bool) -> str:
    text = re.sub(r"\s+", "", _clean(answer)).replace("'", '"')
    return re.sub(_PREFIX, "", text) if short_names else text


def check_fill(item: FillCode, answer: str) -> bool:
    """Whether ``answer`` fills the blank of a fill-in-the-code item correctly.

    The answer is put into the code and both are compared as Python syntax trees, so spacing,
    quote style, a trailing ``;`` or ``,``, ``1`` vs ``1.0``, ``max_norm=1.0`` vs ``1.0`` and
    the ``torch.nn.utils.`` prefix (when ``item.allow_short_names``) do not matter. Text that
    does not parse is compared as text, with spaces and prefixes removed.

    Args:
        item: the fill-in-the-code item (its ``answers`` are the accepted ones).
        answer: what the learner typed.

    Returns:
        True when the answer is equivalent to one of the accepted answers.
    """
    if not isinstance(answer, str) or not answer.strip() or len(answer) > MAX_ANSWER_CHARS:
        return False
    short = item.allow_short_names
    mine = _code_key(item.code, answer, short)
    for accepted in item.answers:
        ref = _code_key(item.code, accepted, short)
        if mine is not None and ref is not None and mine == ref:
            return True
        if _text_key(answer, short) == _text_key(accepted, short):
            return True
    return False


def check_order(item: OrderItem, submitted: list[str]) -> int | None:
    """Index of the first step out of place, or ``None`` when the order is right.

    Args:
        item: the order item; ``item.steps`` is the correct order.
        submitted: the learner's order (steps compared ignoring spaces).

    Returns:
        The first index where ``submitted`` differs from the answer (a missing or extra step
        counts), or ``None`` when every step is in place.
    """
    want = [re.sub(r"\s+", "", s) for s in item.steps]
    got = [re.sub(r"\s+", "", str(s)) for s in submitted]
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        if w != g:
            return i
    return None if len(want) == len(got) else min(len(want), len(got))
