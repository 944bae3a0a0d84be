"""The readers added with the blind89 and blind90 answer sets, on short answers of the same kind."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import (
    afterthat,
    again,
    argued,
    cases,
    confessed,
    defaults,
    glossed,
    inbetween,
    levelled,
    likened,
    load_bank,
    primed,
    retracted,
    sizedones,
)
from gradclip_core.quiz.grading import grade_explanation

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}


def _full(pid: str, answer: str) -> bool:
    return grade_explanation(PROMPTS[pid], answer).full


def test_a_simile_vehicle_is_supposed_up_to_its_relative_clause():
    assert likened.mark("like an automatic limiter that only brakes: it caps") == (
        "suppose like an automatic limiter, that only brakes: it caps"
    )
    assert likened.mark("like a leash: if it bolts") == "suppose like a leash: if it bolts"
    assert likened.mark("it acts like a fuse, so") == "it acts like a fuse, so"  # not leading
    good = (
        "Like an automatic cruise limiter that never speeds you up: when the gradient norm goes "
        "over the threshold it is scaled down, which stops exploding gradients from making huge "
        "updates that make the training diverge."
    )
    assert _full("cs-ex-what-why", good)
    wrong = (
        "Like a thermostat: clipping is applied automatically by the optimizer, so it stops "
        "exploding gradients and huge updates and keeps training stable."
    )
    assert not _full("cs-ex-what-why", wrong)


def test_ones_after_a_size_word_stands_for_the_noun_named_before():
    assert sizedones.mark("gradients under it pass, larger ones are cut") == (
        "gradients under it pass, larger gradients are cut"
    )
    assert sizedones.mark("entries within c stay. big ones are clamped") == (
        "entries within c stay. big entries are clamped"
    )
    assert sizedones.mark("the big ones are cut") == "the big ones are cut"  # no noun before
    assert sizedones.mark("torch.ones(3) and big ones") == "torch.ones(3) and big ones"
    good = (
        "It caps the gradient norm: gradients under the threshold pass unchanged, larger ones "
        "are scaled down to it, so a bad batch cannot make a huge update and send the loss to nan."
    )
    assert _full("cs-ex-what-why", good)


def test_after_that_before_a_call_reads_as_then():
    assert afterthat.mark("clip, and only after that optimizer.step()") == (
        "clip, and only then optimizer.step()"
    )
    assert afterthat.mark("after that step, clip") == "after that step, clip"
    assert afterthat.mark("after that, the norm") == "after that, the norm"
    good = (
        "Call loss.backward(), then torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0) or "
        "the value variant torch.nn.utils.clip_grad_value_, and only after that optimizer.step()."
    )
    assert _full("cs-ex-how-loop", good)


def test_a_bare_in_between_is_between_the_two_calls_named_before():
    text = "grads exist after loss.backward(); optimizer.step() uses them. so clip in between."
    assert inbetween.mark(text).endswith("so clip between loss.backward() and optimizer.step().")
    assert inbetween.mark("clip in between backward and step") == (
        "clip in between backward and step"
    )
    assert inbetween.mark("only step() is named. clip in between.") == (
        "only step() is named. clip in between."
    )
    good = (
        "The gradients exist only after loss.backward(), and optimizer.step() consumes them. So "
        "the clip goes in between: torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)."
    )
    assert _full("cs-ex-how-loop", good)
    wrong = (
        "First optimizer.step(), then loss.backward(). The clip goes in between: "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)."
    )
    assert not _full("cs-ex-how-loop", wrong)


def test_a_bracket_that_names_the_mode_makes_the_analogy_about_it():
    text = "halving keeps it (norm clipping: one factor). capping each one (value clipping: each)"
    assert glossed.mark(text) == (
        "norm clipping: halving keeps it (norm clipping: one factor). value clipping: capping "
        "each one (value clipping: each)"
    )
    assert glossed.mark("it works (see below: x)") == "it works (see below: x)"
    good = (
        "Like a photo: shrinking the whole picture keeps its shape (norm clipping: all gradients "
        "together scaled by one factor when the total norm is over the limit, so the direction "
        "is kept). Trimming each side to a frame changes the shape (value clipping: each entry "
        "clamped to +/- limit on its own, so the direction can change)."
    )
    assert _full("ex-norm-vs-value", good)


def test_a_primed_activation_is_its_derivative():
    assert primed.mark("and tanh' is at most 1") == "and tanh derivative  is at most 1"
    assert primed.mark("use 'tanh' here") == "use 'tanh' here"
    assert primed.mark("tanh's slope") == "tanh's slope"


def test_and_then_again_repeats_the_call_named_before():
    text = "call `scaler.unscale_(optimizer)` first, and then again right before the step."
    assert "and then unscale_ again right before" in again.mark(text)
    assert again.mark("clip it, and again before x") == "clip it, and again before x"
    wrong = (
        "Call scaler.unscale_(optimizer) before the clip, and then again right before "
        "scaler.step(optimizer), so step sees freshly unscaled grads. Then scaler.update(). "
        "Without the first unscale you would clip the scaled grads far too much."
    )
    assert not _full("ex-amp", wrong)


def test_a_clip_given_the_optimizers_parameters_is_marked():
    assert argued.MISOWNED in argued.mark("clip_grad_norm_(optimizer.parameters(), 1.0)")
    assert argued.MISOWNED not in argued.mark("clip_grad_norm_(model.parameters(), 1.0)")
    wrong = (
        "After loss.backward(), call torch.nn.utils.clip_grad_norm_(optimizer.parameters(), "
        "max_norm=1.0), then optimizer.step(), so the step uses the clipped gradients."
    )
    assert not _full("cs-ex-how-loop", wrong)


def test_an_edit_note_takes_back_the_claim_it_names():
    text = "edit: fixed my earlier claim that it always explodes, it doesn't."
    assert retracted.mark(text).startswith("edit: suppose fixed my earlier claim that")


def test_a_bug_told_as_had_this_bug_is_a_confession():
    text = "had this bug for weeks: my run was slow. i was clipping the scaled grads. fix: x."
    marked = confessed.mark(text)
    assert "suppose i was clipping" in marked and "fix: x." in marked


def test_the_right_ways_labelled_case_is_worked_not_claimed():
    item = "- clip once at the end: sum = (4, 1) -> (0.97, 0.24). same direction as the sum.\n"
    assert cases.mark(item).count("suppose") == 3
    assert "suppose same direction" in cases.mark(item)


def test_always_rescaled_to_exactly_max_norm_even_if_shorter_is_levelled():
    text = "norm clipping always rescales the whole gradient so its length is exactly max_norm"
    assert levelled.MARKER in levelled.mark(text + ", even if it was shorter.")
    assert levelled.MARKER not in levelled.mark(text + " when it is over max_norm.")


def test_a_quoted_default_max_norm_is_misdefaulted():
    assert defaults.MARKER in defaults.mark("pytorch uses `max_norm=1.0` by default")
    assert defaults.MARKER in defaults.mark("it's pytorch's default for `max_norm`")
    assert defaults.MARKER not in defaults.mark("there is no default for max_norm")


def test_new_misconceptions_graded():
    assert not _full(
        "cs-ex-how-loop",
        "loss.backward(), then torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0), then "
        "optimizer.step(). clip_grad_value_ could be used instead; it is just a faster "
        "implementation of the same thing.",
    )
    assert _full(
        "cs-ex-how-loop",
        "loss.backward(), then torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0), then "
        "optimizer.step(). clip_grad_value_(model.parameters(), 1.0) goes in the same spot.",
    )
    assert not _full(
        "ex-threshold",
        "Log the norm clip_grad_norm_ returns, though it only returns it on steps where clipping "
        "actually happened. Start between the median and the 90th percentile; far below it clips "
        "every step.",
    )
    assert not _full(
        "ex-threshold",
        "clip_grad_norm_ returns None when the norm is under max_norm, so log the norm yourself. "
        "Start between the median and the 90th percentile; far below it clips every step.",
    )
    assert not _full(
        "ex-rnn-explode",
        "Backprop multiplies one factor per time step, the same recurrent matrix each time. The "
        "growth is linear: with a spectral radius above 1 the gradient is proportional to T.",
    )
    assert not _full(
        "ex-norm-vs-value",
        "Norm clipping scales all gradients by one factor when the norm is over max_norm, so the "
        "direction is kept. Value clipping caps each entry at clip_value (negative entries are "
        "already small, so they are left alone), which can change the direction.",
    )
