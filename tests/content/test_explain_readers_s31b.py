"""The readers added with the blind93 answer set (spoken answers), on short answers of that kind:
self-repairs in mid-sentence, a name given to a mode ("value clipping is a clamp"), a skipped step
after "because", a default said of an argument left out, and one word filling one part only."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import defaults, echoed, load_bank, omitted, retracted
from gradclip_core.quiz.grading import grade_explanation

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}
WHY = "That prevents exploding gradients and keeps training stable."
LOOP = "so the step uses the clipped gradients."


def _full(pid: str, answer: str) -> bool:
    return grade_explanation(PROMPTS[pid], answer).full


def test_a_clause_repaired_in_mid_sentence_is_supposed_and_the_repair_said():
    assert retracted.mark("you cap the loss, no wait, the gradients.") == (
        " suppose you cap the loss, —, the gradients."
    )
    assert _full(
        "cs-ex-what-why",
        "Clipping caps the loss, no wait, sorry, the gradients: when their norm is over a "
        f"threshold they are scaled down to it. {WHY}",
    )
    assert not _full(  # repaired to a wrong claim: the repair is said
        "cs-ex-what-why",
        "Clipping caps the gradients, no wait, sorry, it caps the loss: when the loss is over a "
        f"threshold it is scaled down to it. {WHY}",
    )


def test_the_no_of_wait_no_denies_nothing_and_brackets_name_no_clause():
    marked = retracted.mark(
        "call clip_grad_norm_(model.parameters(), 1.0) before x(), wait, no, after"
    )
    assert marked.startswith(" suppose call clip_grad_norm_(model.parameters(), 1.0) before")
    assert _full(
        "cs-ex-how-loop",
        "Call clip_grad_norm_(model.parameters(), max_norm=1.0) before loss.backward(), wait, "
        f"no, after it, and before optimizer.step(), {LOOP}",
    )


def test_a_no_wait_that_opens_a_sentence_retracts_nothing():
    text = "it rescales when the norm is below the threshold. no wait, yeah, it keeps it small."
    assert retracted.mark(text) == text
    assert not _full(
        "cs-ex-what-why",
        "Clipping caps the loss. No wait, it caps the gradients: when their norm is over a "
        f"threshold they are scaled down to it. {WHY}",
    )


def test_a_noun_named_for_a_mode_is_read_as_that_mode():
    good = (
        "Norm clipping is a rescale and value clipping is a clamp. The rescale multiplies every "
        "entry by one factor, so the direction is kept; the clamp cuts each entry on its own, so "
        "the direction can change."
    )
    swapped = (
        "Norm clipping is a clamp and value clipping is a rescale. The clamp cuts each entry on "
        "its own, so the direction can change; the rescale multiplies every entry by one factor, "
        "so the direction is kept."
    )
    assert _full("ex-norm-vs-value", good)
    assert not _full("ex-norm-vs-value", swapped)
    assert echoed.relend([], frozenset()) == []


def test_a_skipped_step_after_because_is_a_case():
    text = "because if you don't unscale, the gradients you clip are still scaled."
    assert "skipcase" in omitted.mark(text)
    assert "skipcase" not in omitted.mark("because the gradients you clip are still scaled.")


def test_a_default_said_of_an_argument_left_out():
    assert "misdefaulted" in defaults.mark("if you leave max_norm out it defaults to 1.0, so")
    assert "misdefaulted" in defaults.mark("omit clip_value and it falls back to 0.5")
    assert "misdefaulted" not in defaults.mark("if you leave norm_type out it defaults to 2.0")
    steps = "Call loss.backward(), then clip_grad_norm_(model.parameters(), max_norm=1.0), then "
    steps += f"optimizer.step(), {LOOP}"
    assert not _full("cs-ex-how-loop", f"{steps} If you leave max_norm out it defaults to 1.0.")
    assert _full("cs-ex-how-loop", f"{steps} If you leave norm_type out it defaults to 2.0.")


def test_one_word_fills_one_part_of_a_claim():
    agc = (
        "AGC works unit by unit: it divides each unit's gradient norm by max(weight norm, 1e-3) "
        "and scales the gradient back when that ratio exceeds lambda."
    )
    assert _full("ex-agc", f"{agc} The paper used lambda 0.01 for big batches.")
    assert not _full("ex-agc", f"{agc} The paper used a bigger lambda for big batches.")


def test_quadratic_growth_in_the_length_is_a_misconception():
    rnn = (
        "Backprop multiplies the gradient by the same recurrent matrix at every time step. If its "
        "largest singular value is above one, the gradient grows"
    )
    assert not _full("ex-rnn-explode", f"{rnn} roughly with the square of the number of steps.")
    assert not _full("ex-rnn-explode", f"{rnn}; a sequence twice as long gives four times it.")
    assert _full("ex-rnn-explode", f"{rnn} exponentially, far faster than the square of T.")


def test_clip_grad_norm_is_not_said_to_know_when_the_step_comes():
    once = (
        "Clip once, after the last micro-batch's backward and right before optimizer.step(), "
        "since the optimizer uses the full sum in .grad."
    )
    assert _full("ex-accumulation", once)
    assert not _full(
        "ex-accumulation", f"{once} clip_grad_norm_ knows whether a step follows, so it waits."
    )
    assert not _full(
        "ex-accumulation", f"{once} Per micro-batch is fine: it automatically skips the others."
    )


def test_unscale_said_to_multiply_by_the_loss_scale_is_a_misconception():
    amp = (
        "After scaler.scale(loss).backward(), call scaler.unscale_(optimizer), which {} the "
        "gradients by the loss scale, then clip_grad_norm_, then scaler.step(optimizer) and "
        "scaler.update(). Otherwise the clip would compare scaled gradients with max_norm."
    )
    assert _full("ex-amp", amp.format("divides"))
    assert not _full("ex-amp", amp.format("multiplies"))
