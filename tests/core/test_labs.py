"""The Pitfall labs' engine: each measured difference, on torch, and that the shown code ran.

Every lab runs its loops on the CPU from a seeded generator. The claims each lab's sentence
and quiz item make are checked here against the runs and, where one exists, against plain
torch as the answer key.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn.utils import clip_grad_norm_

from gradclip_core.labs import (
    ACCUMULATE,
    CORRUPT_STEP,
    LABS,
    OVERFLOW_STEPS,
    STEPS,
    LabResult,
    run_lab,
)
from gradclip_core.quiz import load_bank

ROOT = Path(__file__).resolve().parents[2]
FLOAT32_MAX = torch.finfo(torch.float32).max
LESSON_FILES = {p.stem.split("_", 1)[1] for p in (ROOT / "lessons" / "read").glob("*.md")}


@functools.cache
def result(lab_id: str, seed: int = 0) -> LabResult:
    """A lab's runs, shared by the tests of this module: do not change them."""
    return run_lab(lab_id, seed)


def series(lab_id: str, key: str, name: str, seed: int = 0) -> np.ndarray:
    return result(lab_id, seed).runs[key].series[name]


@functools.cache
def bank():
    return load_bank(ROOT / "lessons" / "quiz")


# ---- 1. AMP: clipping scaled gradients ------------------------------------------------------
def test_amp_buggy_clip_sees_the_scaled_norm_and_fires_every_step():
    lab, r = LABS["amp"], result("amp")
    c = lab.settings["max_norm"]
    scale = torch.amp.GradScaler("cpu").get_scale()  # GradScaler works on the CPU, at 2**16
    assert scale == 65536.0 == r.numbers["scale"]
    seen, true = series("amp", "buggy", "norm_seen"), series("amp", "buggy", "true_norm")
    ratio = seen / true
    assert ratio.min() >= 100 and r.numbers["ratio"] >= 100
    np.testing.assert_allclose(ratio, scale, rtol=1e-4)  # scaling by 2**16 is exact
    assert (seen > c).all() and r.numbers["fired_buggy"] == STEPS
    # Clipped to max_norm in scaled units, then unscaled: 1/65,536 of max_norm is left.
    used = series("amp", "buggy", "applied_norm")
    np.testing.assert_allclose(used, c / scale, rtol=1e-4)
    assert (used < true / 1000).all()


def test_amp_unscaled_first_clips_the_true_norm():
    c = LABS["amp"].settings["max_norm"]
    seen, true = series("amp", "correct", "norm_seen"), series("amp", "correct", "true_norm")
    np.testing.assert_allclose(seen, true, rtol=1e-5)  # unscale_ gave back the true gradient
    used = series("amp", "correct", "applied_norm")
    np.testing.assert_allclose(used, np.minimum(true, c), rtol=1e-4)
    fired = int((seen > c).sum())
    assert 0 < fired < STEPS and result("amp").numbers["fired_correct"] == fired


def test_amp_loops_run_under_bfloat16_autocast():
    setup = LABS["amp"].setup(0)
    x = setup.batches[0][0]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert setup.model(x).dtype == torch.bfloat16
    assert 'torch.autocast("cpu", dtype=torch.bfloat16)' in LABS["amp"].loops[0].source


# ---- 2. gradient accumulation ---------------------------------------------------------------
def test_accumulation_caps_both_but_bends_the_direction():
    c = LABS["accumulation"].settings["max_norm"]
    r = result("accumulation")
    for key in ("buggy", "correct"):
        assert (series("accumulation", key, "applied_norm") <= c * (1 + 1e-6)).all(), key
    assert r.numbers["cosine"] < 0.9
    assert np.median(series("accumulation", "buggy", "cosine")) == r.numbers["cosine"]
    assert (series("accumulation", "correct", "cosine") > 1 - 1e-6).all()  # clip once: same way
    assert r.numbers["first_weight"] < 0.2
    np.testing.assert_allclose(series("accumulation", "correct", "first_weight"), 1, rtol=1e-4)


def test_accumulation_weights_match_the_product_of_later_clips():
    """Plain torch as the answer key: clipped after each micro-batch, micro-batch k's share of
    ``.grad`` is the product of the clip factors from k on; the engine measured it by least
    squares from what ``.grad`` held."""
    lab = LABS["accumulation"]
    c, setup = lab.settings["max_norm"], lab.setup(0)
    params = list(setup.model.parameters())
    group = setup.batches[0]
    grads = []
    for x, y in group:
        loss = setup.loss_fn(setup.model(x), y) / len(group)
        grads.append(torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)]))
    total, weights = torch.zeros_like(grads[0]), []
    for g in grads:  # what the buggy loop does: add, then clip the running sum
        total, weights = total + g, [*weights, 1.0]  # micro-batch k enters with weight 1
        factor = min(1.0, c / (float(total.norm()) + 1e-6))
        total, weights = total * factor, [w * factor for w in weights]
    assert len(weights) == ACCUMULATE
    measured = series("accumulation", "buggy", "first_weight")[0]
    assert measured == pytest.approx(weights[0] / weights[-1], rel=1e-3)


# ---- 3. clipping after optimizer.step() ----------------------------------------------------
def test_clipping_after_step_leaves_the_updates_of_no_clipping():
    lab, r = LABS["after-step"], result("after-step")
    bug, none = r.runs["buggy"], r.runs["none"]
    assert np.array_equal(bug.series["update_norm"], none.series["update_norm"])
    assert torch.equal(bug.final_weights, none.final_weights)
    assert r.numbers["same_steps"] == STEPS and r.numbers["same_weights"] == 1
    cap = lab.settings["lr"] * lab.settings["max_norm"]
    assert (none.series["update_norm"] > cap * 2).all()  # the cap would have mattered
    correct = r.runs["correct"].series["update_norm"]
    assert (correct <= cap * (1 + 1e-4)).all()
    np.testing.assert_allclose(correct, cap, rtol=1e-3)  # every step clipped: SGD moves lr·c


# ---- 4. the norm overflows -------------------------------------------------------------------
def test_overflowed_norm_zeroes_the_step_silently():
    r = result("overflow")
    i = CORRUPT_STEP - 1
    s = r.runs["buggy"].series
    assert math.isinf(s["norm_seen"][i]) and r.runs["buggy"].steps == OVERFLOW_STEPS
    assert math.isfinite(s["loss"][i])  # the Huber loss stays finite
    assert math.isfinite(s["max_abs"][i]) and s["max_abs"][i] < FLOAT32_MAX
    assert math.isfinite(s["true_norm"][i]) and s["true_norm"][i] ** 2 > FLOAT32_MAX
    assert s["unchanged"][i] and s["update_norm"][i] == 0 and s["applied_norm"][i] == 0
    assert not np.delete(s["unchanged"], i).any()  # every other step moved the weights
    assert np.isfinite(np.delete(s["norm_seen"], i)).all()
    assert torch.isfinite(r.runs["buggy"].final_weights).all()


def test_error_if_nonfinite_raises_torchs_runtime_error_at_that_step():
    run = result("overflow").runs["correct"]
    assert run.steps == CORRUPT_STEP - 1
    p = torch.nn.Parameter(torch.zeros(2))
    p.grad = torch.tensor([1e20, 1.0])  # finite entries, an overflowing norm
    with pytest.raises(RuntimeError) as raised:
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert run.error == str(raised.value) and "non-finite" in run.error
    before = result("overflow").runs["buggy"].series
    np.testing.assert_array_equal(run.series["update_norm"], before["update_norm"][: run.steps])


# ---- 5. a threshold that never fires, one that always does ---------------------------------
def test_threshold_far_above_changes_nothing_far_below_clips_every_step():
    lab, r = LABS["threshold"], result("threshold")
    high, low = lab.settings["high"], lab.settings["low"]
    for opt in ("sgd", "adam"):
        none = series("threshold", f"{opt}-none", "update_norm")
        assert np.array_equal(series("threshold", f"{opt}-never", "update_norm"), none), opt
        assert (series("threshold", f"{opt}-never", "norm_seen") < high).all(), opt
        assert (series("threshold", f"{opt}-always", "norm_seen") > low).all(), opt
    sgd = series("threshold", "sgd-always", "update_norm")
    np.testing.assert_allclose(sgd, lab.settings["sgd_lr"] * low, rtol=1e-3)
    assert r.numbers["sgd_none"] / r.numbers["sgd_always"] > 100  # a much smaller lr
    # Adam normalises: clipped every step, its updates stay near their unclipped size.
    assert 0.8 <= r.numbers["adam_always"] / r.numbers["adam_none"] <= 1.25


# ---- the code shown is the code that ran ---------------------------------------------------
@pytest.mark.parametrize("lab_id", list(LABS))
def test_the_shown_source_is_what_ran_and_gives_the_same_weights(lab_id):
    """Run each loop's lines with plain ``exec`` over a plain list of batches (no probe): the
    weights end bit for bit where the engine's run left them."""
    lab = LABS[lab_id]
    for loop in lab.loops:
        run = result(lab_id).runs[loop.key]
        assert run.source == "\n".join(loop.lines) == loop.source
        setup = lab.setup(0)
        ns = {"torch": torch, "model": setup.model, "batches": setup.batches}
        ns["loss_fn"] = setup.loss_fn
        try:
            exec(compile(loop.source, "<test>", "exec"), ns)
        except RuntimeError as exc:
            assert str(exc) == run.error
        else:
            assert run.error is None
        weights = torch.cat([p.detach().reshape(-1).double() for p in setup.model.parameters()])
        assert torch.equal(weights, run.final_weights), loop.key


@pytest.mark.parametrize("lab_id", list(LABS))
def test_loops_differ_only_in_the_marked_line(lab_id):
    lab = LABS[lab_id]
    groups: dict[str, list[tuple[str, ...]]] = {}
    for loop in lab.loops:
        lines = list(loop.lines)
        if loop.marked is not None:
            assert "clip_grad_norm_" in lines.pop(loop.marked), loop.key
        group = loop.key.split("-")[0] if "-" in loop.key else ""  # sgd-..., adam-...
        groups.setdefault(group, []).append(tuple(lines))
    assert any(loop.wrong for loop in lab.loops)
    for same in groups.values():
        assert len(set(same)) == 1


@pytest.mark.parametrize("lab_id", list(LABS))
def test_every_lab_links_an_existing_lesson_and_states_its_numbers(lab_id):
    lab, r = LABS[lab_id], result(lab_id)
    assert lab.lesson in LESSON_FILES
    assert lab.title and lab.story and r.finding.endswith(".")
    assert r.finding.count(". ") == 0  # one sentence
    assert all(math.isfinite(v) or math.isinf(v) for v in r.numbers.values())


def test_sentences_quote_the_measured_numbers():
    amp = result("amp")
    assert f"{amp.numbers['ratio']:,.0f}× the true one" in amp.finding
    acc = result("accumulation")
    assert f"is {acc.numbers['cosine']:.2f} (median of {STEPS} updates)" in acc.finding
    assert f"{acc.numbers['first_weight']:.3g}× as much as the last" in acc.finding
    after = result("after-step")
    assert f"on {STEPS} of {STEPS} steps" in after.finding and "bit for bit" in after.finding
    over = result("overflow")
    assert f"At step {CORRUPT_STEP}" in over.finding and "returned inf" in over.finding
    assert "left the weights bit for bit unchanged" in over.finding
    assert f"stopped at step {CORRUPT_STEP} with a `RuntimeError`" in over.finding
    thr = result("threshold")
    assert f"fired on 0 of {2 * STEPS}" in thr.finding and "equal the unclipped" in thr.finding
    assert f"to {thr.numbers['sgd_always']:.3g}" in thr.finding and "stayed near" in thr.finding


@pytest.mark.parametrize("seed", [1, 7])
def test_the_claims_hold_for_other_seeds(seed):
    assert result("amp", seed).numbers["ratio"] >= 100
    after = result("after-step", seed)
    assert after.numbers["same_steps"] == STEPS and after.numbers["same_weights"] == 1
    over = result("overflow", seed).numbers
    assert math.isinf(over["norm_seen"]) and over["unchanged"] == 1
    thr = result("threshold", seed).numbers
    assert thr["sgd_same"] == thr["adam_same"] == 1
    assert thr["sgd_always"] == pytest.approx(thr["cap"], rel=1e-3)


# ---- runs are reproducible and leave no process-wide state ---------------------------------
def test_runs_draw_nothing_from_the_global_generator_and_repeat_exactly():
    state = torch.get_rng_state()
    again = run_lab("after-step", 0)
    assert torch.equal(state, torch.get_rng_state())
    for key, run in again.runs.items():
        assert torch.equal(run.final_weights, result("after-step").runs[key].final_weights)
    assert again.finding == result("after-step").finding


@pytest.mark.parametrize("seed", [-1, 1000, 1.5, True, "0", None])
def test_a_bad_seed_or_lab_is_a_clear_error(seed):
    with pytest.raises(ValueError, match="seed"):
        run_lab("amp", seed)


def test_an_unknown_lab_names_the_known_ones():
    with pytest.raises(ValueError, match="known labs: amp"):
        run_lab("nope")


# ---- the quiz items the labs back ----------------------------------------------------------
def test_quiz_item_amp_compares_the_norm_times_the_scale():
    item = bank().by_id("mc-lab-amp-scaled-norm")
    assert item.options[item.answer_index].text == "The true gradient norm times 65,536"
    assert result("amp").numbers["ratio"] == pytest.approx(65536, rel=1e-4)
    assert "1/65,536 of max_norm" in item.options[item.answer_index].why
    c = LABS["amp"].settings["max_norm"]
    assert result("amp").numbers["used_buggy"] == pytest.approx(c / 65536, rel=1e-4)


def test_quiz_item_after_step_updates_are_the_same():
    item = bank().by_id("mc-lab-after-step")
    assert item.options[item.answer_index].text == "Exactly the same, step for step"
    assert "max_norm=0.1" in item.prompt and LABS["after-step"].settings["max_norm"] == 0.1
    assert result("after-step").numbers["same_steps"] == STEPS


def test_quiz_item_accumulation_stays_capped():
    item = bank().by_id("tf-lab-accumulate-cap")
    c = LABS["accumulation"].settings["max_norm"]
    capped = (series("accumulation", "buggy", "applied_norm") <= c * (1 + 1e-6)).all()
    assert item.answer is (not capped) is False
    assert result("accumulation").numbers["first_weight"] < 1  # "the first counts far less"


def test_quiz_item_overflow_skips_the_step():
    item = bank().by_id("tf-lab-overflow-skips")
    numbers = result("overflow").numbers
    assert item.answer is bool(numbers["unchanged"]) is True
    assert "SGD" in LABS["overflow"].loops[0].source and "momentum" not in item.text


def test_quiz_item_high_threshold_changes_nothing():
    item = bank().by_id("tf-lab-high-threshold")
    numbers = result("threshold").numbers
    assert item.answer is bool(numbers["sgd_same"] and numbers["adam_same"]) is True
