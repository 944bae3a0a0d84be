"""Order items in ``06_order.toml``: a good file loads with its rules; a malformed one is
refused with an error that names the file, the item and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradclip_core.quiz import ContentError, load_bank
from gradclip_core.quiz.checks import check_order, right_orders

# --- loader errors ----------------------------------------------------------------------------
HEAD = """
[[item]]
id = "ord-x"
prompt = "Order it."
explanation = "Because."
"""
STEPS = """steps = [
    { id = "zero_grad", text = "optimizer.zero_grad()" },
    { id = "backward", text = "loss.backward()" },
    { id = "step", text = "optimizer.step()" },
]
"""
RULE = """
[[item.rules]]
before = ["backward", "step"]
why = "step uses .grad"
"""
ZERO = """
[[item.rules]]
either = [["zero_grad", "backward"], ["step", "zero_grad"]]
why = "backward adds into .grad"
"""


def load(tmp_path: Path, text: str):
    (tmp_path / "06_order.toml").write_text(text, encoding="utf-8")
    return load_bank(tmp_path).order


def test_a_good_file_loads_with_its_rules(tmp_path):
    (item,) = load(tmp_path, HEAD + STEPS + RULE + ZERO)
    assert item.step_ids == ("zero_grad", "backward", "step") and len(item.rules) == 2
    assert len(right_orders(item)) == 2


def test_plain_string_steps_still_mean_the_listed_order(tmp_path):
    (item,) = load(tmp_path, HEAD + 'steps = ["a()", "b()", "c()"]\n')
    assert right_orders(item) == [("a()", "b()", "c()")]
    assert check_order(item, ["b()", "a()", "c()"]) == 0


# Malformed order items -> a part of the error's fix text.
BAD = {
    "no-steps": (HEAD, "missing key `steps`; add `steps = [{ id = "),
    "one-step": (HEAD + 'steps = ["a()"]', "`steps` must list 2 to 8 steps"),
    "nine-steps": (
        HEAD + "steps = [" + ", ".join(f'"s{i}()"' for i in range(9)) + "]",
        "2 to 8 steps",
    ),
    "same-step-twice": (HEAD + 'steps = ["a()", " a( )"]', "holds ' a( )' twice"),
    "mixed-steps": (
        HEAD + 'steps = ["a()", { id = "b", text = "b()" }]',
        "write every step of `steps` as",
    ),
    "step-without-text": (
        HEAD + 'steps = [{ id = "a", text = "a()" }, { id = "b" }]',
        "step #2 is {'id': 'b'}",
    ),
    "bad-step-id": (
        HEAD + 'steps = [{ id = "a b", text = "a()" }, { id = "b", text = "b()" }]',
        "has id 'a b'",
    ),
    "same-step-id": (
        HEAD + 'steps = [{ id = "a", text = "a()" }, { id = "a", text = "b()" }]',
        "two steps have the id 'a'",
    ),
    "rules-without-ids": (
        HEAD + 'steps = ["a()", "b()"]' + RULE,
        "`rules` name steps by id; write each step as",
    ),
    "rules-not-tables": (HEAD + STEPS + "rules = 3", "`rules` must be [[item.rules]] tables"),
    "unknown-id": (
        HEAD + STEPS + RULE.replace("backward", "backwards"),
        "rule #1: `before` names the step 'backwards', which is not in `steps`; "
        "use one of: zero_grad, backward, step",
    ),
    "pair-of-one-step": (
        HEAD + STEPS + RULE.replace('"step"]', '"backward"]'),
        "names 'backward' twice",
    ),
    "three-ids": (
        HEAD + STEPS + RULE.replace('"step"]', '"step", "zero_grad"]'),
        "write two step ids",
    ),
    "unknown-rule-key": (
        HEAD + STEPS + RULE.replace("before", "after"),
        "rule #1: unknown key `after`; allowed keys: before, either, why",
    ),
    "before-and-either": (
        HEAD + STEPS + RULE + 'either = [["a", "b"]]',
        "give exactly one of `before",
    ),
    "neither": (HEAD + STEPS + RULE.replace("before =", "#"), "give exactly one of `before"),
    "either-one-pair": (
        HEAD + STEPS + ZERO.replace('["step", "zero_grad"]', "").replace(", ]", "]"),
        "`either` must list 2 or more pairs",
    ),
    "either-unknown-id": (
        HEAD + STEPS + ZERO.replace('["step", "zero_grad"]', '["step", "nope"]'),
        "`either` pair #2 names the step 'nope'",
    ),
    "empty-why": (
        HEAD + STEPS + RULE.replace('"step uses .grad"', '" "'),
        "`why` must be a non-empty string",
    ),
    "listed-order-breaks-before": (
        HEAD + STEPS + RULE.replace('"backward", "step"', '"step", "backward"'),
        "the order of `steps` breaks rule #1 (step before backward); "
        "list the steps in a right order",
    ),
    "listed-order-breaks-either": (
        HEAD + STEPS + ZERO.replace('["zero_grad", "backward"]', '["backward", "zero_grad"]'),
        "breaks rule #1 (backward before zero_grad or step before zero_grad)",
    ),
    "cycle": (
        HEAD
        + STEPS
        + RULE
        + RULE.replace('"backward", "step"', '"step", "zero_grad"')
        + RULE.replace('"backward", "step"', '"zero_grad", "backward"'),
        "contradict each other (backward before step, step before zero_grad, zero_grad "
        "before backward): no order keeps them all; remove or reverse one",
    ),
}


@pytest.mark.parametrize(("text", "fix"), BAD.values(), ids=BAD.keys())
def test_malformed_order_items_name_the_file_the_item_and_the_fix(tmp_path, text, fix):
    with pytest.raises(ContentError) as error:
        load(tmp_path, text)
    message = str(error.value)
    assert str(tmp_path / "06_order.toml") in message and "'ord-x'" in message
    assert fix in message, message
