"""The reader rules added with the blind61 answer set, on short answers of the same kind."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import agcmath, growth, lettered, load_bank, raised, spans
from gradclip_core.quiz.grading import grade_explanation

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}
LOOP = "cs-ex-how-loop"
CODE = (
    "loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5); "
    "optimizer.step(); optimizer.zero_grad()."
)


def test_letter_labels_read_as_numbers_only_for_a_run_of_three():
    assert lettered.mark("(a) zero; (b) forward; (c) backward; (d) clip") == (
        "(1) zero; (2) forward; (3) backward; (4) clip"
    )
    assert lettered.mark("see (a) and (c)") == "see (a) and (c)"
    answer = (
        "(a) zero the gradients; (b) forward pass and loss; (c) loss.backward(); "
        "(d) torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0); "
        "(e) optimizer.step()."
    )
    assert grade_explanation(PROMPTS[LOOP], answer).full


def test_raising_the_loss_scale_is_growing_it_not_an_error():
    said = "scaler.update() lowers the scale after a skipped step, raises it after clean steps."
    assert "grows it" in raised.mark(said)
    assert raised.mark("scaler.step raises an error") == "scaler.step raises an error"
    assert raised.mark("scaler.step raises it. fine.") == "scaler.step raises it. fine."


def test_compounded_growth_is_checked_against_the_power():
    wrong = "with a gain of 1.1 per step, after 100 steps the gradient is about 110 times larger."
    right = "with a gain of 1.1 per step, after 100 steps it is about 13,800 times larger."
    assert growth.MARKER in growth.gains(wrong)
    assert growth.mark(right) == right


def test_a_sum_until_zero_grad_clears_it_is_a_span():
    assert spans.mark("adds to it until zero_grad() clears it") == (
        "adds to it until the window closes"
    )


def test_never_between_the_clip_and_the_step_orders_nothing():
    for remark in (
        " Just never put zero_grad() between the clip and the step.",
        " zero_grad() at the end is fine, as long as it is not between the clip and the step.",
    ):
        assert grade_explanation(PROMPTS[LOOP], CODE + remark).full
    wrong = "loss.backward(), then optimizer.zero_grad(), then clip_grad_norm_(p, 1.0), then step."
    assert not grade_explanation(PROMPTS[LOOP], wrong).full


def test_the_first_after_the_second_entry_is_an_entry_not_the_first_method():
    answer = (
        "Norm clipping multiplies every entry by one factor, so the direction is kept. "
        "Value clipping clamps each entry on its own to [-2, 2]: g = (0.5, -4, 2) becomes "
        "(0.5, -2, 2). The second entry was cut by a factor 2, the first not at all, so the "
        "vector now points in a different direction."
    )
    assert grade_explanation(PROMPTS["ex-norm-vs-value"], answer).full


def test_an_agc_factor_is_checked_against_lambda_times_the_weight_norm_over_the_grad_norm():
    wrong = "lambda = 0.01, ||w_i|| = 2, ||g_i|| = 0.1. so g_i is multiplied by 0.5, giving 0.05."
    right = "lambda = 0.01, ||w_i|| = 2, ||g_i|| = 0.1. g_i is multiplied by 0.01 * 2 / 0.1 = 0.2."
    assert agcmath.MARKER in agcmath.factor(wrong)
    assert agcmath.mark(right) == right
