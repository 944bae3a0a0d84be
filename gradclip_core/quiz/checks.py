"""Checking typed code and step orders, offline: fill-in-the-code answers and orderings.

A code answer is parsed and normalised (numbers, keyword arguments, defaults, the
``torch.nn.utils`` prefix) so equivalent spellings compare equal; an ordering is right when it
keeps every rule of its item (a partial order), and the first broken rule is reported.
Explanations are graded in ``quiz.grading``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from gradclip_core.quiz.items import BLANK, FillCode, OrderItem, OrderRule
from gradclip_core.quiz.text import MAX_ANSWER_CHARS

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


@dataclass(frozen=True)
class OrderMistake:
    """Where a submitted order goes wrong.

    Attributes:
        position: index in the submitted order: the step from which a rule can no longer hold
            (reading from the start), or the first unknown or repeated step, or the length of
            the order when steps are missing.
        rule: the rule broken there (the first one listed, on a tie); ``None`` when a step is
            unknown, repeated or missing.
    """

    position: int
    rule: OrderRule | None = None


def _key(step: object) -> str:
    return re.sub(r"\s+", "", str(step))


def _broken_at(rule: OrderRule, position: dict[str, int]) -> int | None:
    """Index from which ``rule`` can no longer hold, or None while it can.

    ``position`` maps the steps placed so far (a whole order, or its start) to their index. A
    pair (first, then) is broken once ``then`` is placed before ``first``; the rule is broken
    once all its pairs are, at the index of the last ``then`` placed too early.
    """
    at = -1
    for first, then in rule.pairs:
        if then not in position or (first in position and position[first] < position[then]):
            return None
        at = max(at, position[then])
    return at


def order_mistake(item: OrderItem, submitted: list[str]) -> OrderMistake | None:
    """The first mistake in a submitted order, or ``None`` when the order is right.

    An order is right when it holds each step once and keeps every rule of the item, so
    ``optimizer.zero_grad()`` may come anywhere the item's rules allow, not only where
    ``item.steps`` lists it.

    Args:
        item: the order item.
        submitted: the learner's order (steps compared ignoring spaces).

    Returns:
        The mistake, with the rule it breaks; among broken rules, the one that breaks earliest
        in the learner's order (reading from the start), the one listed first on a tie.
    """
    ids = {_key(text): sid for text, sid in zip(item.steps, item.step_ids, strict=False)}
    position: dict[str, int] = {}
    for n, step in enumerate(submitted):
        sid = ids.get(_key(step))
        if sid is None or sid in position:
            return OrderMistake(n)
        position[sid] = n
    if len(position) < len(item.step_ids):
        return OrderMistake(len(submitted))
    broken = [
        (at, n) for n, r in enumerate(item.rules) if (at := _broken_at(r, position)) is not None
    ]
    if not broken:
        return None
    at, n = min(broken)
    return OrderMistake(at, item.rules[n])


def check_order(item: OrderItem, submitted: list[str]) -> int | None:
    """Index of the first step out of place, or ``None`` when the order is right.

    Args:
        item: the order item; every order that keeps its rules is right.
        submitted: the learner's order (steps compared ignoring spaces).

    Returns:
        ``order_mistake(item, submitted).position``: where the order goes wrong (a missing,
        repeated or extra step counts), or ``None`` when it is right.
    """
    mistake = order_mistake(item, submitted)
    return None if mistake is None else mistake.position


def right_orders(item: OrderItem, limit: int | None = None) -> list[tuple[str, ...]]:
    """Every order of the item's steps that keeps all its rules, ``item.steps`` first.

    Orders come in dictionary order of the listed positions (a search that drops a start as
    soon as it breaks a rule), so the listed order, when right, comes first.

    Args:
        item: the order item.
        limit: stop after this many orders (``None``: all of them).

    Returns:
        The right orders, each as step texts.
    """
    text = dict(zip(item.step_ids, item.steps, strict=False))
    found: list[tuple[str, ...]] = []
    order: list[str] = []
    position: dict[str, int] = {}

    def grow() -> None:
        if len(order) == len(item.step_ids):
            found.append(tuple(text[sid] for sid in order))
            return
        for sid in item.step_ids:
            if sid in position or (limit is not None and len(found) >= limit):
                continue
            position[sid] = len(order)
            order.append(sid)
            if all(_broken_at(rule, position) is None for rule in item.rules):
                grow()
            order.pop()
            del position[sid]

    grow()
    return found


def _backticks(text: str) -> str:
    return f"`{text}`"


def rule_text(item: OrderItem, rule: OrderRule, code=_backticks) -> str:
    """A rule in plain words, such as "`clip` must come after `backward`".

    Args:
        item: the item the rule belongs to (its steps are named by their text).
        rule: one of ``item.rules``.
        code: how to show a step's text (the page passes a Markdown-safe quote).

    Returns:
        "B must come after A" for one pair; "S must come before X or after Y" when every pair
        names the step S; otherwise "A must come before B, or C must come before D".
    """
    name = dict(zip(item.step_ids, item.steps, strict=False))
    pairs = rule.pairs
    if len(pairs) == 1:
        first, then = pairs[0]
        return f"{code(name[then])} must come after {code(name[first])}"
    shared = [sid for sid in item.step_ids if all(sid in pair for pair in pairs)]
    if shared:
        s = shared[0]
        where = [
            f"before {code(name[b])}" if a == s else f"after {code(name[a])}" for a, b in pairs
        ]
        return f"{code(name[s])} must come {' or '.join(where)}"
    return ", or ".join(f"{code(name[a])} must come before {code(name[b])}" for a, b in pairs)


def mistake_text(
    item: OrderItem, submitted: list[str], mistake: OrderMistake, code=_backticks, prose=str
) -> str:
    """One sentence about a wrong order: where, which rule it breaks and why.

    Args:
        item: the order item.
        submitted: the learner's order.
        mistake: what :func:`order_mistake` found.
        code: how to show a step's text; ``prose``: how to show the rule's ``why``.

    Returns:
        e.g. "Step 4: `zero_grad()` must come before `backward()` or after `step()`: ..."
    """
    n = mistake.position
    if mistake.rule is None:
        if n < len(submitted):
            return f"Step {n + 1}: {code(str(submitted[n]))} is not a step here, or is there twice."
        return f"Your order has {len(submitted)} of the {len(item.steps)} steps; add the rest."
    why = mistake.rule.why
    end = "" if why.endswith((".", "!", "?")) else "."
    said = rule_text(item, mistake.rule, code)
    return f"Step {n + 1}: {said}: {prose(why)}{end}" if why else f"Step {n + 1}: {said}."
