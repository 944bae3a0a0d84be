"""The readers added with the blind92 answer set (code-review comments), on short answers of the
same kind."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import asif, futile, load_bank, returned, reviewed
from gradclip_core.quiz.grading import grade_explanation
from gradclip_core.quiz.lexicon import readings

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}


def test_the_way_the_reviewed_code_has_it_is_supposed():
    assert "suppose it runs before" in reviewed.mark(
        "the clip is in the wrong spot because it runs before loss.backward(), so ..."
    )
    kept = "the clip is in the wrong place because it must come after backward()"
    assert reviewed.mark(kept) == kept  # the reason says where it belongs: no supposition
    assert "suppose" in reviewed.mark("you call step() right after the clip. insert unscale_")
    assert "suppose" in reviewed.mark("you clip after step(). please reorder: backward, clip")
    assert "suppose" in reviewed.mark(
        "you're clipping after optimizer.step(). move clip_grad_norm_(...) up one line"
    )
    said = reviewed.mark("the docstring says it compares to the lr, but agc uses weights")
    assert said.startswith("suppose the docstring says")


def test_a_placement_whose_purpose_is_spent_is_rejected():
    assert futile.spent(["after", "step", "the", "update", "has", "already", "been", "applied"])
    assert not futile.spent(["after", "backward", "the", "gradients", "are", "already", "computed"])


def test_a_clip_told_by_how_much_it_cuts_is_no_call():
    assert futile.unacted("clip", ["the", "step", "gets", "clipped", "far", "too", "much"], 3)
    assert not futile.unacted("clip", ["the", "gradients", "get", "clipped", "here"], 3)
    assert futile.unacted("step", ["at", "step", "300"], 1)


def test_returns_none_and_rho_are_read():
    assert "not returns anything" in readings("clip_grad_value_ returns none")
    assert "spectral radius (w_hh)" in readings("if rho(w_hh) > 1")


def test_as_if_the_learning_rate_were_read_as_a_comparison():
    assert asif.mark("sgd behaves as if the learning rate were smaller") == (
        "sgd behaves like a smaller learning rate"
    )
    kept = "it acts as if nothing happened"
    assert asif.mark(kept) == kept


def test_review_answers_graded():
    loop = PROMPTS["cs-ex-how-loop"]
    good = (
        "nit: the clip is in the wrong place because it runs before loss.backward(). "
        "Order: loss.backward(), then torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0), "
        "then optimizer.step()."
    )
    assert grade_explanation(loop, good).full
    good = (
        "Blocking: you clip after optimizer.step(). Please reorder: loss.backward(); "
        "torch.nn.utils.clip_grad_value_(model.parameters(), 0.5); optimizer.step(). "
        "clip_grad_value_ returns None, it clips .grad in place."
    )
    assert grade_explanation(loop, good).full
    why = PROMPTS["cs-ex-what-why"]
    wrong = (
        "Clipping injects random noise into the gradients when their norm is over the limit, "
        "which stops them exploding and keeps training stable."
    )
    assert not grade_explanation(why, wrong).full
    wrong = (
        "It rescales gradients whose norm is over the threshold so they can't explode and "
        "training stays stable; but gradients only explode early, so after warmup it is useless."
    )
    assert not grade_explanation(why, wrong).full
    rnn = PROMPTS["ex-rnn-explode"]
    wrong = (
        "Backprop multiplies one factor per step: the input-to-hidden matrix W_xh, once per time "
        "step, so a spectral radius above 1 makes the product grow exponentially."
    )
    assert not grade_explanation(rnn, wrong).full


def test_the_function_said_to_return_none_is_the_norm_clip_when_it_is_the_only_one():
    text = "clip_grad_norm_(ps, 1.0). the function clips .grad in place and returns none."
    assert returned.VOIDED in returned.mark(text)
    both = "clip_grad_norm_ or clip_grad_value_: the function clips and returns none."
    assert returned.VOIDED not in returned.mark(both)
