"""Order items are partial orders: every right order is accepted, every wrong one is not.

Each item of ``lessons/quiz/06_order.toml`` is checked against all permutations of its steps.
For the items written in code, PyTorch is the answer key: every permutation is run for a few
training iterations, and the orders that train exactly like the listed one are the right ones.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import numpy
import pytest
import torch

from gradclip_core.quiz import OrderItem, OrderRule, load_bank
from gradclip_core.quiz.checks import (
    check_order,
    mistake_text,
    order_mistake,
    right_orders,
    rule_text,
)
from ui.learn.text import shuffled_steps

ROOT = Path(__file__).resolve().parents[2]
BANK = load_bank(ROOT / "lessons" / "quiz")
ITEMS = {item.id: item for item in BANK.order}


def broken(item: OrderItem, order: tuple[str, ...]) -> list[OrderRule]:
    """The answer key, written from the definition: the rules with no pair in order."""
    at = {item.step_ids[item.steps.index(text)]: n for n, text in enumerate(order)}
    return [rule for rule in item.rules if not any(at[a] < at[b] for a, b in rule.pairs)]


def keeps(item: OrderItem, order: tuple[str, ...]) -> bool:
    return not broken(item, order)


def by_ids(item: OrderItem, *ids: str) -> list[str]:
    return [item.steps[item.step_ids.index(sid)] for sid in ids]


# --- every permutation ------------------------------------------------------------------------
@pytest.mark.parametrize("item", BANK.order, ids=lambda item: item.id)
def test_every_order_that_keeps_the_rules_is_accepted_and_no_other(item):
    assert len(item.steps) <= 7
    right = [p for p in itertools.permutations(item.steps) if keeps(item, p)]
    for order in itertools.permutations(item.steps):
        mistake = order_mistake(item, list(order))
        assert (mistake is None) == keeps(item, order), (item.id, order)
        if mistake is not None:  # the rule named is broken, and names the step it points at
            assert mistake.rule in broken(item, order)
            placed = item.step_ids[item.steps.index(order[mistake.position])]
            assert any(placed in pair for pair in mistake.rule.pairs)
    assert right_orders(item) == right
    assert right[0] == item.steps  # the listed order is right, and shown first


@pytest.mark.parametrize("item", BANK.order, ids=lambda item: item.id)
def test_the_shuffled_steps_are_never_a_right_order(item):
    assert order_mistake(item, shuffled_steps(item)) is not None


def test_the_bank_allows_what_pytorch_allows():
    counts = {item.id: len(right_orders(item)) for item in BANK.order}
    assert counts == {
        "ord-basic": 4,  # zero_grad first, second, third or last
        "ord-value": 3,
        "ord-amp": 4,  # zero_grad before backward, or after scaler.step (before or after update)
        "ord-accumulation": 2,
        "ord-autoclip": 1,
        "ord-concepts": 1,
        "ord-threshold-routine": 1,
        "ord-amp-accumulation": 3,
        "ord-explosion": 1,
    }


# --- zero_grad and clip in the basic loop -----------------------------------------------------
BASIC = ITEMS["ord-basic"]


@pytest.mark.parametrize(
    "ids",
    [
        ("zero_grad", "forward", "loss", "backward", "clip", "step"),
        ("forward", "zero_grad", "loss", "backward", "clip", "step"),
        ("forward", "loss", "zero_grad", "backward", "clip", "step"),
        ("forward", "loss", "backward", "clip", "step", "zero_grad"),
    ],
)
def test_zero_grad_anywhere_before_backward_or_after_step_is_right(ids):
    assert order_mistake(BASIC, by_ids(BASIC, *ids)) is None
    assert check_order(BASIC, by_ids(BASIC, *ids)) is None


def test_zero_grad_between_backward_and_step_names_its_rule():
    order = by_ids(BASIC, "forward", "loss", "backward", "zero_grad", "clip", "step")
    mistake = order_mistake(BASIC, order)
    assert mistake.position == 3 and mistake.rule.pairs == (
        ("zero_grad", "backward"),
        ("step", "zero_grad"),
    )
    text = mistake_text(BASIC, order, mistake)
    assert text.startswith(
        "Step 4: `optimizer.zero_grad()` must come before `loss.backward()` or after "
        "`optimizer.step()`: backward() adds into .grad"
    )
    assert text.endswith("erases this batch's gradients.")


def test_clip_after_step_names_the_clip_step_rule():
    order = by_ids(BASIC, "zero_grad", "forward", "loss", "backward", "step", "clip")
    mistake = order_mistake(BASIC, order)
    assert mistake.position == 4 and mistake.rule.pairs == (("clip", "step"),)
    assert mistake_text(BASIC, order, mistake).startswith(
        "Step 5: `optimizer.step()` must come after "
        "`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)`: optimizer.step() "
        "uses .grad as it is"
    )


def test_clip_before_backward_names_the_backward_clip_rule():
    order = by_ids(BASIC, "zero_grad", "forward", "loss", "clip", "backward", "step")
    mistake = order_mistake(BASIC, order)
    assert mistake.position == 3 and mistake.rule.pairs == (("backward", "clip"),)
    assert "must come after `loss.backward()`: clipping acts on .grad" in mistake_text(
        BASIC, order, mistake
    )


def test_the_mistake_that_breaks_earliest_is_named_first():
    # clip before backward (at step 2) and zero_grad after backward (at step 5): clip first.
    order = by_ids(BASIC, "forward", "clip", "loss", "backward", "zero_grad", "step")
    assert order_mistake(BASIC, order).rule.pairs == (("backward", "clip"),)


def test_missing_repeated_and_unknown_steps():
    steps = list(BASIC.steps)
    assert order_mistake(BASIC, steps[:-1]).position == 5
    assert order_mistake(BASIC, steps[:-1]).rule is None
    assert order_mistake(BASIC, [*steps, steps[0]]).position == 6
    assert order_mistake(BASIC, ["print(1)", *steps[1:]]).position == 0
    assert order_mistake(BASIC, [" optimizer.zero_grad( )", *steps[1:]]) is None
    assert "5 of the 6 steps" in mistake_text(BASIC, steps[:-1], order_mistake(BASIC, steps[:-1]))


def test_rule_text():
    item = OrderItem("t", "p", ("a()", "b()", "c()", "d()"), "e", step_ids=("a", "b", "c", "d"))
    assert rule_text(item, OrderRule((("a", "b"),))) == "`b()` must come after `a()`"
    either = OrderRule((("a", "b"), ("c", "d")))
    assert (
        rule_text(item, either) == "`a()` must come before `b()`, or `c()` must come before `d()`"
    )
    shared = OrderRule((("b", "c"), ("d", "b")))
    assert rule_text(item, shared) == "`b()` must come before `c()` or after `d()`"


def test_an_item_without_rules_is_the_listed_order():
    item = OrderItem("o", "p", ("a()", "b()", "c()"), "e")
    assert item.step_ids == ("1", "2", "3")
    assert [r.pairs for r in item.rules] == [(("1", "2"),), (("2", "3"),)]
    assert right_orders(item) == [("a()", "b()", "c()")]


# --- PyTorch as the answer key ----------------------------------------------------------------
ITERATIONS = 3
# Items written as code: what each iteration runs before the listed steps.
CODE_ITEMS = {
    "ord-basic": "",
    "ord-value": "",
    "ord-amp": "",
    "ord-accumulation": "",
    "ord-autoclip": "optimizer.zero_grad()\nloss = loss_fn(model(x), y)",
    "ord-amp-accumulation": "",
}


def make_world():
    """A seeded model, and the batches of each iteration (large, so clipping acts)."""
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g))

    def batch():
        return torch.randn(8, 4, generator=g) * 10, torch.randn(8, 3, generator=g)

    data = [(batch(), [batch() for _ in range(4)]) for _ in range(ITERATIONS)]
    return model, data


def train(order: tuple[str, ...], prelude: str, world) -> list[torch.Tensor] | None:
    """The weights after running ``order`` in a loop, or None if the code fails."""
    base, data = world
    model = copy.deepcopy(base)
    ns = {
        "torch": torch,
        "numpy": numpy,
        "model": model,
        "loss_fn": torch.nn.MSELoss(),
        "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
        "scaler": torch.amp.GradScaler("cpu"),
        "history": [],
    }
    code = compile("\n".join([prelude, *order]), "<order>", "exec")
    try:
        for (x, y), micro_batches in data:
            ns.update(x=x, y=y, micro_batches=micro_batches)
            exec(code, ns)
    except Exception:  # a name used before it is set, unscale_ before any scale(), ...
        return None
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("item_id", CODE_ITEMS)
def test_pytorch_trains_the_same_for_exactly_the_right_orders(item_id):
    item, prelude, world = ITEMS[item_id], CODE_ITEMS[item_id], make_world()
    reference = train(item.steps, prelude, world)
    assert reference is not None
    same = []
    for order in itertools.permutations(item.steps):
        weights = train(order, prelude, world)
        if weights is not None and all(map(torch.equal, weights, reference)):
            same.append(order)
    assert same == right_orders(item)


# --- the reasons the rules give, checked on torch ---------------------------------------------
def test_backward_adds_into_grad():
    w = torch.ones(3, requires_grad=True)
    (2 * w).sum().backward()
    (2 * w).sum().backward()
    assert torch.equal(w.grad, torch.full((3,), 4.0))


def test_scaler_starts_at_65536_and_scales_the_gradients():
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65_536
    w = torch.ones(3, requires_grad=True)
    scaler.scale(w.sum()).backward()
    assert torch.equal(w.grad, torch.full((3,), 65_536.0))  # before unscale_: scaled numbers


def _amp_update(order: list[str]) -> torch.Tensor:
    """The change of w (lr 1) after one scaler iteration run in ``order``, not the first one
    (the scaler sets its scale on its first ``scale()``; ``unscale_`` before that fails)."""
    w = torch.ones(3, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(torch.zeros(()))
    steps = {
        "backward": lambda: scaler.scale(w.sum()).backward(),
        "unscale": lambda: scaler.unscale_(optimizer),
        "step": lambda: scaler.step(optimizer),
        "update": scaler.update,
    }
    for name in order:
        steps[name]()
    return (1 - w).detach()


def test_unscale_then_step_then_update_applies_the_real_gradient():
    assert torch.equal(_amp_update(["backward", "unscale", "step", "update"]), torch.ones(3))


def test_update_before_step_unscales_a_second_time():
    assert torch.equal(
        _amp_update(["backward", "unscale", "update", "step"]), torch.ones(3) / 65_536
    )


def test_the_percentile_of_an_empty_history_fails():
    with pytest.raises(IndexError):
        numpy.percentile([], 10)


def test_nan_comes_from_inf_and_stays():
    inf = torch.tensor(float("inf"))
    assert torch.isnan(inf - inf) and torch.isnan(torch.tensor(float("nan")) * 0 + 1)
