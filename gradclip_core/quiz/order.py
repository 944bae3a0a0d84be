"""Order items from TOML: the steps, and the rules that every right order keeps.

An order item is a partial order: only the rules that matter in PyTorch are fixed, so
``optimizer.zero_grad()`` may come anywhere before ``loss.backward()`` or after
``optimizer.step()``. One ``[[item]]`` of ``lessons/quiz/NN_order.toml``::

    steps = [                                   # one right order, shown as the answer
        { id = "backward", text = "loss.backward()" },
        { id = "clip", text = "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)" },
        ...
    ]

    [[item.rules]]
    before = ["backward", "clip"]               # backward comes before clip
    why = "before it, .grad holds the last step's gradients"

    [[item.rules]]
    either = [["zero_grad", "backward"], ["step", "zero_grad"]]   # one pair is enough
    why = "..."

Without rules, the steps (plain strings, or tables with ids) must come exactly as listed.
Standard library only; the grading is in :mod:`gradclip_core.quiz.checks`.
"""

from __future__ import annotations

import re

from gradclip_core.lessons import ContentError, shown
from gradclip_core.quiz.items import MAX_ORDER_STEPS, OrderItem, OrderRule

_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_STEP_EXAMPLE = '{ id = "backward", text = "loss.backward()" }'
_RULE_KEYS = ("before", "either", "why")


def order_item(entry: dict, where: str) -> OrderItem:
    """Build an :class:`OrderItem` from one checked ``[[item]]`` table.

    Args:
        entry: the table; its plain keys (``id``, ``prompt``, ...) are already checked.
        where: the file and item, for error messages.

    Returns:
        The item, whose ``steps`` order keeps every rule.

    Raises:
        ContentError: the steps or rules are malformed, name an unknown step, contradict each
            other, or the listed order breaks one (the message names the fix).
    """
    e = dict(entry)
    ids, texts = _steps(e.pop("steps"), where)
    raw_rules = e.pop("rules", None)
    if raw_rules is not None and ids is None:
        raise ContentError(f"{where}: `rules` name steps by id; write each step as {_STEP_EXAMPLE}")
    if raw_rules is not None and not (
        isinstance(raw_rules, list) and raw_rules and all(isinstance(r, dict) for r in raw_rules)
    ):
        raise ContentError(
            f"{where}: `rules` must be [[item.rules]] tables, each with "
            '`before = ["first-id", "then-id"]` and a `why`'
        )
    rules = tuple(_rule(r, n, ids, where) for n, r in enumerate(raw_rules or (), 1))
    item = OrderItem(**e, steps=texts, step_ids=ids or (), rules=rules)
    _check_consistent(item, where)
    return item


def _steps(raw, where: str) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """(ids, texts) of ``steps``: ids is None when the steps are plain strings."""
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_ORDER_STEPS:
        raise ContentError(
            f"{where}: `steps` must list 2 to {MAX_ORDER_STEPS} steps in one right order, "
            f'e.g. `steps = [{_STEP_EXAMPLE}, {{ id = "step", text = "optimizer.step()" }}]`'
        )
    if all(isinstance(s, str) and s.strip() for s in raw):
        ids, texts = None, tuple(raw)
    elif all(isinstance(s, dict) for s in raw):
        ids, texts = _step_tables(raw, where)
    else:
        raise ContentError(
            f"{where}: write every step of `steps` as {_STEP_EXAMPLE} (or every step as a "
            "plain string, when the steps must come exactly as listed)"
        )
    seen: dict[str, str] = {}
    for text in texts:
        key = re.sub(r"\s+", "", text)
        if key in seen:
            raise ContentError(
                f"{where}: `steps` holds {shown(text)} twice (spaces aside); each step once"
            )
        seen[key] = text
    return ids, texts


def _step_tables(raw: list[dict], where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ids, texts = [], []
    for n, step in enumerate(raw, 1):
        sid, text = step.get("id"), step.get("text")
        if set(step) != {"id", "text"} or not isinstance(text, str) or not text.strip():
            raise ContentError(f"{where}: step #{n} is {shown(step)}; write it as {_STEP_EXAMPLE}")
        if not isinstance(sid, str) or not _ID.fullmatch(sid):
            raise ContentError(
                f"{where}: step #{n} has id {shown(sid)}; use a short name of letters, digits, "
                "'_', '-' or '.', e.g. `id = \"backward\"`"
            )
        if sid in ids:
            raise ContentError(f"{where}: two steps have the id {shown(sid)}; give each its own id")
        ids.append(sid)
        texts.append(text)
    return tuple(ids), tuple(texts)


def _rule(raw: dict, n: int, ids: tuple[str, ...], where: str) -> OrderRule:
    """One ``[[item.rules]]`` table: ``before = [a, b]`` or ``either = [[a, b], [c, d]]``."""
    here = f"{where} rule #{n}"
    unknown = sorted(set(raw) - set(_RULE_KEYS))
    if unknown:
        raise ContentError(
            f"{here}: unknown key `{unknown[0]}`; allowed keys: {', '.join(_RULE_KEYS)}"
        )
    why = raw.get("why", "")
    if not isinstance(why, str) or ("why" in raw and not why.strip()):
        raise ContentError(f'{here}: `why` must be a non-empty string, e.g. `why = "..."`')
    if ("before" in raw) == ("either" in raw):
        raise ContentError(
            f'{here}: give exactly one of `before = ["first-id", "then-id"]` and '
            '`either = [["a", "b"], ["c", "d"]]` (at least one pair must hold)'
        )
    if "before" in raw:
        pairs = (_pair(raw["before"], ids, f"{here}: `before`"),)
    else:
        either = raw["either"]
        if not isinstance(either, list) or len(either) < 2:
            raise ContentError(
                f'{here}: `either` must list 2 or more pairs, e.g. `either = [["zero_grad", '
                '"backward"], ["step", "zero_grad"]]`; for one pair write `before = [...]`'
            )
        pairs = tuple(_pair(p, ids, f"{here}: `either` pair #{k}") for k, p in enumerate(either, 1))
    return OrderRule(pairs, why.strip())


def _pair(raw, ids: tuple[str, ...], here: str) -> tuple[str, str]:
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(s, str) for s in raw)):
        raise ContentError(
            f'{here} is {shown(raw)}; write two step ids, first one first: ["backward", "clip"]'
        )
    for sid in raw:
        if sid not in ids:
            raise ContentError(
                f"{here} names the step {shown(sid)}, which is not in `steps`; use one of: "
                f"{', '.join(ids)}"
            )
    if raw[0] == raw[1]:
        raise ContentError(f"{here} names {shown(raw[0])} twice; name two different steps")
    return raw[0], raw[1]


def _check_consistent(item: OrderItem, where: str) -> None:
    """The rules can all hold (no cycle of ``before`` rules), and the listed order keeps them."""
    cycle = _cycle([r.pairs[0] for r in item.rules if len(r.pairs) == 1])
    if cycle:
        chain = ", ".join(f"{a} before {b}" for a, b in zip(cycle, cycle[1:], strict=False))
        raise ContentError(
            f"{where}: the rules contradict each other ({chain}): no order keeps them all; "
            "remove or reverse one of them"
        )
    position = {sid: n for n, sid in enumerate(item.step_ids)}
    for n, rule in enumerate(item.rules, 1):
        if not rule.holds(position):
            said = " or ".join(f"{a} before {b}" for a, b in rule.pairs)
            raise ContentError(
                f"{where}: the order of `steps` breaks rule #{n} ({said}); list the steps in a "
                "right order (it is shown as the answer), or fix the rule"
            )


def _cycle(edges: list[tuple[str, str]]) -> list[str] | None:
    """A cycle in the graph of ``edges`` as [a, b, ..., a], or None when there is none."""
    after: dict[str, list[str]] = {}
    for a, b in edges:
        after.setdefault(a, []).append(b)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in after.get(node, ()):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in list(after):
        if start not in state and (found := visit(start)):
            return found
    return None
