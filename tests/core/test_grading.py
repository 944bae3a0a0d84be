"""The explanation grader, rule by rule, on small prompts built here, and its bank format.

Answers against the real bank (good paraphrases and subtly wrong answers, with the rates) are
in tests/content/test_explain_grader.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradclip_core.quiz import (
    CallOrder,
    Concept,
    ContentError,
    ExplainPrompt,
    Misconception,
    load_bank,
)
from gradclip_core.quiz.grading import MAX_ANSWER_CHARS, grade_explanation
from gradclip_core.quiz.progress import (
    Progress,
    ProgressError,
    progress_from_json,
    progress_to_json,
)

QUIZ = Path(__file__).resolve().parents[2] / "lessons" / "quiz"
BANK = {p.id: p for p in load_bank(QUIZ).explain}


def prompt(*claims: str, misconceptions=(), order=(), question="Explain it.") -> ExplainPrompt:
    """A prompt with one concept per claim (named "c0", "c1", ...)."""
    concepts = tuple(Concept(f"c{n}", f"hint {n}", (c,)) for n, c in enumerate(claims))
    return ExplainPrompt(
        "t", question, "Think.", "model", concepts, misconceptions=misconceptions, order=order
    )


def earns(claim: str, answer: str) -> bool:
    return grade_explanation(prompt(claim), answer).full


# --- reading one claim in one clause ----------------------------------------------------------
@pytest.mark.parametrize(
    ("claim", "answer", "earned"),
    [
        ("limit + gradient", "it caps the gradients", True),  # synonym, plural
        ("limit + gradient", "the gradeints are restricted", True),  # typo, other order
        ("limit + gradient", "it caps the loss, and the gradient explodes", False),  # 2 clauses
        ("keep + direction", "the direction is preserved", True),
        ("keep + direction", "it does not keep the direction", False),  # negated
        ("not + change + direction", "it doesn't change the direction", True),
        ("not + change + direction", "it changes the direction", False),
        ("not + explode", "it stops the gradients from exploding", True),  # "stop" denies
        ("not + explode", "it keeps the gradients from exploding", True),  # "keep ... from"
        ("not + explode", "it does not prevent exploding gradients", False),  # two denials
        ("explode", "it does not prevent exploding gradients", True),  # it still names them
        ("not + prevent + explode", "it does not prevent exploding gradients", True),
        ("prevent + explode", "clipping prevents exploding gradients", True),
        ("limit + gradient", "it not only caps the gradient but also helps", True),  # idiom
        ("not + explode", "over T time steps it explodes", False),  # "T" is no "n't"
        ("not + diverge", "it caps gradients instead of letting training diverge", True),
        ("limit + weight - gradient", "clipping caps the weights", True),
        ("limit + weight - gradient", "it caps the weights' gradients", False),  # excluded
        ("limit + weight - gradient", "gradient clipping caps the weights", True),  # the name
        ("scale > weight", "it scales the weights down", True),
        ("scale > weight", "the weights are scaled", False),  # " > " keeps the order
        ("same direction", "points in the same direction", True),
        ("same direction", "the same factor is applied and the direction changes", False),
    ],
)
def test_a_claim_is_judged_in_its_clause_with_its_polarity(claim, answer, earned):
    assert earns(claim, answer) is earned


@pytest.mark.parametrize(
    ("answer", "earned"),
    [
        ("Clipping by norm scales the whole vector, so it keeps the direction.", True),
        ("By norm the whole vector is scaled. It keeps the direction.", True),
        ("Value clipping clamps entries, so it keeps the direction.", False),  # value's clause
        ("Value keeps the direction, unlike norm clipping.", False),  # "unlike" hides norm
        ("Unlike value clipping, norm clipping keeps the direction.", True),
    ],
)
def test_a_clause_without_subject_takes_the_one_before(answer, earned):
    assert earns("norm: keep + direction", answer) is earned


@pytest.mark.parametrize(
    ("answer", "value_keeps"),
    [
        ("Norm keeps the direction and value does not.", False),
        ("Norm doesn't change the direction, but value does.", False),
        ("Norm keeps the direction, and so does value.", True),
    ],
)
def test_a_bare_subject_takes_the_verb_before_it(answer, value_keeps):
    assert earns("value: keep + direction", answer) is value_keeps


def test_a_misconception_cancels_its_concepts_and_says_why():
    wrong = Misconception(("limit + loss",), ("c0",), "It limits the gradient, not the loss.")
    item = prompt("limit", "stable", misconceptions=(wrong,))
    grade = grade_explanation(item, "It caps the loss, so training is stable.")
    assert grade.found == ("c1",) and grade.mistakes == (wrong.feedback,)
    assert grade.missing == (("c0", "hint 0"),)
    right = grade_explanation(item, "It caps the gradient, so training is stable.")
    assert right.full and right.mistakes == ()


@pytest.mark.parametrize(
    ("answer", "wrong"),
    [
        ("Clip after every micro-batch.", True),
        ("Clipping after every micro-batch would distort the direction.", False),  # supposed
        ("If you clip after every micro-batch, the early ones shrink.", False),
        ("Clipping each one would never limit the total.", True),  # the consequence asserted
    ],
)
def test_a_misconception_is_what_the_answer_asserts(answer, wrong):
    ideas = (
        Misconception(("clip + every + micro",), (), "each micro-batch"),
        Misconception(("not + limit + total",), (), "total"),
    )
    assert bool(grade_explanation(prompt("clip", misconceptions=ideas), answer).mistakes) is wrong


# --- order over the whole answer --------------------------------------------------------------
LOOP = prompt(
    "backward < clip",
    "clip < step",
    order=(CallOrder("backward", "clip", "too early"), CallOrder("clip", "step", "too late")),
)


@pytest.mark.parametrize(
    "answer",
    [
        "Call loss.backward(), then clip_grad_norm_(params, 1.0), then optimizer.step().",
        "Clip after backward and before the optimizer step.",
        "Before optimizer.step() and after loss.backward(), call clip_grad_norm_.",
        "Put clipping between the backward pass and the optimizer step.",
        "backward first, then clip, and the optimizer step comes next",
        "loss.backward()\nclip_grad_norm_(params, 1.0)\noptimizer.step()",
        "To add clipping: loss.backward(); clip_grad_norm_(params, 1.0); optimizer.step()",
        "Once backward has run, clip the gradients; only after that call optimizer.step().",
        "Never clip before backward; clip, then step.",
        "Clip after backward() and before step(). If you clipped after the step, it is too late.",
    ],
)
def test_an_order_stated_in_any_of_these_ways_earns_it(answer):
    grade = grade_explanation(LOOP, answer)
    assert grade.full and not grade.mistakes, grade


@pytest.mark.parametrize(
    ("answer", "mistake"),
    [
        ("Call backward, then optimizer.step(), then clip_grad_norm_.", "too late"),
        ("loss.backward(), optimizer.step(), clip_grad_norm_(params, 1.0)", "too late"),
        ("Clip after the optimizer step.", "too late"),
        ("Clip the gradients first, then call loss.backward() and step.", "too early"),
        ("Call clip_grad_norm_ before loss.backward(), then step.", "too early"),
    ],
)
def test_a_reversed_order_cancels_its_concept_and_says_why(answer, mistake):
    grade = grade_explanation(LOOP, answer)
    assert mistake in grade.mistakes and not grade.full


# --- lists of keywords, empty answers, the question repeated, long answers ----------------
def test_a_bag_of_keywords_earns_at_most_one_concept_with_advice():
    item = BANK["cs-ex-what-why"]
    grade = grade_explanation(item, "Gradient, threshold, explosion, stability, norm, max, clamp.")
    assert grade.keyword_bag and grade.score == 1 and "one or two sentences" in grade.notice
    sentence = (
        "It caps the gradient norm at a threshold so gradients can't explode; training is stable."
    )
    assert not grade_explanation(item, sentence).keyword_bag


def test_code_is_not_a_bag_of_keywords():
    code = (
        "loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); optimizer.step()"
    )
    grade = grade_explanation(BANK["cs-ex-how-loop"], code)
    assert grade.full and not grade.keyword_bag


@pytest.mark.parametrize("answer", ["", "   ", "\n\t ", None])
def test_empty_answer_scores_zero_with_a_notice(answer):
    grade = grade_explanation(BANK["cs-ex-what-why"], answer)
    assert (grade.score, grade.total) == (0, 3)
    assert grade.message == "You got 0/3 concepts"
    assert len(grade.missing) == 3 and "Write a few sentences" in grade.notice


def test_repeating_the_question_scores_zero_and_is_flagged():
    grade = grade_explanation(BANK["cs-ex-what-why"], "gradient clipping is useful in training")
    assert grade.score == 0 and grade.repeats_question and "repeats" in grade.notice


def test_message_and_missing_hints():
    item = BANK["cs-ex-what-why"]
    grade = grade_explanation(item, "It caps the gradients so they cannot explode.")
    assert grade.message == "You got 2/3 concepts"
    assert grade.missing == ((item.concepts[2].name, item.concepts[2].hint),)


def test_very_long_answer_is_capped():
    item = BANK["cs-ex-what-why"]
    grade = grade_explanation(item, (item.model_answer + " ") * 40)
    assert grade.full and "5,000" in grade.notice
    late = "x " * MAX_ANSWER_CHARS + item.model_answer  # the good part lies past the cap
    assert grade_explanation(item, late).score == 0


# --- the bank format: claims, misconceptions and order rules, checked on load -----------------
def _bank_with(tmp_path: Path, tables: str) -> None:
    text = (
        '[[prompt]]\nid = "p"\nquestion = "Why?"\nhint = "h"\nmodel_answer = "m"\n'
        'source = "original"\n\n[[prompt.concepts]]\nname = "caps it"\nhint = "h"\n' + tables
    )
    (tmp_path / "03_explain.toml").write_text(text, encoding="utf-8")
    load_bank(tmp_path)


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ('claims = ["limit / cap"]\n', None),
        ('claims = ["the / it"]\n', "only common words"),
        ('claims = ["cap / not exceed"]\n', '"not" in'),
        ('claims = ["backward < clip"]\n', "no order rule says so"),
        ('claims = ["backward < clipping"]\n', "unknown call 'clipping'"),
        ('phrases = ["cap"]\n', "unknown key `phrases`"),
        (
            'claims = ["cap"]\n[[prompt.misconceptions]]\nclaims = ["cap + loss"]\n'
            'cancels = ["caps"]\nfeedback = "f"\n',
            "which is no concept of this prompt",
        ),
        (
            'claims = ["cap"]\n[[prompt.misconceptions]]\nclaims = ["clip < step"]\n'
            'cancels = ["caps it"]\nfeedback = "f"\n',
            "is an order",
        ),
        (
            'claims = ["clip < step"]\n[[prompt.order]]\nfirst = "clip"\nthen = "step"\n'
            'feedback = "f"\n',
            None,
        ),
        (
            'claims = ["cap"]\n[[prompt.order]]\nfirst = "clip"\nthen = "jump"\nfeedback = "f"\n',
            "jump",
        ),
        (
            'claims = ["cap"]\n[[prompt.order]]\nfirst = "clip"\nthen = "step"\n',
            "missing key `feedback`",
        ),
    ],
)
def test_the_loader_checks_claims_and_names_the_fix(tmp_path, tables, expected):
    if expected is None:
        _bank_with(tmp_path, tables)
        return
    with pytest.raises(ContentError, match=expected) as err:
        _bank_with(tmp_path, tables)
    assert "03_explain.toml" in str(err.value) and "'p'" in str(err.value)


# --- "I was right": overrides, kept apart in the saved progress --------------------------------
def test_an_override_leaves_review_and_is_counted_apart():
    p = Progress()
    p.record("explain", "ex-amp", correct=False)
    p.override("explain", "ex-amp")
    p.override("explain", "ex-amp")  # a replayed click changes nothing
    m = p.mode("explain")
    assert (m.answered, m.correct, m.to_review, m.overridden) == (1, 0, [], ["ex-amp"])
    assert progress_from_json(progress_to_json(p)) == p
    assert '"overridden"' not in progress_to_json(Progress())  # old files stay as they were


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ({"answered": 1, "correct": 0, "to_review": [], "overridden": "x"}, "list of item ids"),
        ({"answered": 1, "correct": 1, "to_review": [], "overridden": ["a"]}, "exceed"),
        ({"answered": 1, "correct": 0, "to_review": [], "marked": []}, "optionally"),
    ],
)
def test_a_bad_override_list_in_a_file_is_refused(mode, message):
    text = progress_to_json(Progress()).replace('"modes": {}', f'"modes": {{"explain": {mode}}}')
    with pytest.raises(ProgressError, match=message):
        progress_from_json(text.replace("'", '"'))


# --- order: a sentence that only places the clip, adjectives, ambiguous sequences --------------
@pytest.mark.parametrize(
    "answer",
    [
        "Use clip_grad_norm_(params, 1.0). The call goes right after loss.backward() and right "
        "before optimizer.step().",
        "Only once: right before optimizer.step(), after the final backward.",
        "Put it after loss.backward(), just before the step. The later clips shrink less.",
        "Unscaling first makes no sense here; call loss.backward(), clip, then step.",
    ],
)
def test_a_sentence_that_only_places_the_clip_orders_it(answer):
    grade = grade_explanation(LOOP, answer)
    assert grade.full and not grade.mistakes, grade


def test_a_subject_that_is_not_the_clip_orders_nothing():
    answer = "The loss is multiplied before backward(). Call clip_grad_norm_, then step()."
    assert "too early" not in grade_explanation(LOOP, answer).mistakes


def test_the_first_backward_is_an_adjective_not_an_order():
    answer = "Clip before the first backward(), then step."
    assert "too early" in grade_explanation(LOOP, answer).mistakes


def test_fails_to_denies_what_follows():
    item = prompt("not + limit + total")
    assert grade_explanation(item, "Clipping each part fails to limit the total.").full


@pytest.mark.parametrize(
    ("pid", "answer"),
    [
        ("cs-ex-how-loop", "After loss.backward(), call clip_grad_norm_(loss, 1.0), then step."),
        ("cs-ex-how-loop", "Call clip_grad_norm_(optimizer, 1.0) after backward, before step."),
        ("cs-ex-what-why", "It keeps the weights inside a range by clamping them after the step."),
        ("ex-amp", "The scaler divides the gradients by the scale, so unscale_ before clipping."),
        ("ex-amp", "scaler.step() already unscales them, so just clip after backward()."),
        ("ex-rnn-explode", "Products of a 0.9 factor over 100 steps grow exponentially."),
        ("ex-accumulation", "Clip before the first micro-batch's backward, then accumulate."),
        (
            "cs-ex-how-loop",
            "After backward, grads = clip_grad_norm_(model.parameters(), 1.0); copy them back "
            "into p.grad, then step.",
        ),
        (
            "ex-norm-vs-value",
            "Norm clipping always sets the norm to max_norm, even for small gradients; value "
            "clipping clamps each entry and can change the direction.",
        ),
        (
            "ex-norm-vs-value",
            "Value clipping only clamps positive entries; norm clipping scales the whole vector "
            "by one factor and keeps the direction.",
        ),
        (
            "ex-rnn-explode",
            "Each step multiplies by the same matrix, and tanh's derivative is above one, so the "
            "product grows exponentially.",
        ),
        (
            "ex-rnn-explode",
            "The same W multiplies the gradient at every step; with a spectral radius above 1 it "
            "is guaranteed to explode exponentially.",
        ),
        (
            "ex-agc",
            "Per unit, if ||G|| / max(||W||, 1e-3) exceeds λ, the gradient is rescaled so its "
            "norm equals λ.",
        ),
        (
            "ex-accumulation",
            "Clip once before step: if you clipped each micro-batch, the early ones would count "
            "more than the later ones, as the sum the optimizer uses shows.",
        ),
    ],
)
def test_misconceptions_seen_in_blind_answers_are_caught(pid, answer):
    grade = grade_explanation(BANK[pid], answer)
    assert not grade.full and grade.mistakes, grade


def test_a_clause_led_by_otherwise_only_supposes():
    ideas = (Misconception(("clip + scaled",), (), "scaled"),)
    item = prompt("unscale", misconceptions=ideas)
    assert not grade_explanation(item, "Unscale first. Otherwise you clip scaled ones.").mistakes
    assert grade_explanation(item, "Unscale later: you clip scaled ones.").mistakes


# --- rules added after the third blind set ------------------------------------------------------
ZEROED = prompt(
    "clip < step",
    order=(CallOrder("clip", "step", "too late"), CallOrder("step", "zero_grad", "zeroed")),
)


@pytest.mark.parametrize(
    ("answer", "zeroed"),
    [
        ("optimizer.zero_grad(); loss.backward(); clip_grad_norm_(p, 1.0); optimizer.step()", 0),
        ("loss.backward(), clip_grad_norm_(p, 1.0), optimizer.step(), then zero_grad()", 0),
        ("First zero the grads, then backward, then clip_grad_norm_(p, 1.0), then step.", 0),
        ("loss.backward(), then clip_grad_norm_(p, 1.0), then zero_grad(), then step()", 1),
        ("Call loss.backward(), zero the gradients, then clip_grad_norm_(p, 1.0), then step.", 1),
    ],
)
def test_zero_grad_is_in_order_before_backward_or_after_step(answer, zeroed):
    """The loop repeats: zero_grad() before backward() starts the iteration."""
    assert ("zeroed" in grade_explanation(ZEROED, answer).mistakes) is bool(zeroed)


@pytest.mark.parametrize(
    ("answer", "stated"),
    [
        ("Backward, unscale_, clip, step via the scaler, update.", True),  # a list item
        ("Clip, then scaler.step(optimizer), and then update.", True),
        ("The update is then done by scaler.step(optimizer) and scaler.update().", True),
        ("Let the scaler do the step and update the scaler.", True),  # "scaler ... update" spans
        ("Clip, then the update uses the clipped gradients.", False),  # the noun
    ],
)
def test_a_bare_update_is_a_call_only_as_a_list_item(answer, stated):
    item = prompt("step < update", order=(CallOrder("step", "update", "update first"),))
    grade = grade_explanation(item, answer)
    assert grade.full is stated and not grade.mistakes, grade


def test_across_sentences_only_calls_written_as_code_reverse_an_order():
    words = "Unscale, clip, then step. The gradients coming out of backward are scaled."
    assert "too early" not in grade_explanation(LOOP, words).mistakes
    code = "loss.backward(); optimizer.step(); clip_grad_norm_(params, 1.0)"
    assert "too late" in grade_explanation(LOOP, code).mistakes


def test_after_if_you_what_would_follow_is_asserted_with_its_subject():
    ideas = (
        Misconception(("early: count more",), (), "early"),
        Misconception(("clip + each",), (), "each"),
    )
    item = prompt("clip", misconceptions=ideas)
    said = "Clip once, because if you clipped each one the early ones would count more."
    assert grade_explanation(item, said).mistakes == ("early",)  # "clip each" only supposed


def test_even_when_stays_in_the_clause_it_qualifies():
    assert earns("norm: even + small", "Norm clipping rescales it, even when it is smaller.")
    assert not earns("norm: even + small", "Norm clipping rescales it. Even then, it is smaller.")


def test_both_after_other_words_is_not_a_subject_of_its_own():
    ideas = (Misconception(("both: keep + direction",), (), "both"),)
    item = prompt("value: not + same + direction", misconceptions=ideas)
    answer = (
        "Value clipping clamps each entry, so an entry of 4 and one of 3 both become 1, "
        "and the gradient is no longer in the same direction."
    )
    grade = grade_explanation(item, answer)
    assert grade.full and not grade.mistakes, grade


def test_a_formula_with_a_huge_power_overflows_as_a_float_and_is_left_unread():
    # Formulas in an answer are evaluated (quiz/symbolic.py), as floats only: "2^99999999999"
    # as integers would build a number of 30 billion digits and hold the server's GIL for it.
    from gradclip_core.quiz.symbolic import check, python

    expr = python("2^99999999999 · g")
    assert expr == "2.0**99999999999.0*G"
    assert check(expr, True) is None
