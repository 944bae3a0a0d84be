"""The explanation grader, rule by rule, on small prompts built here, and its bank format.

The rules added later are in test_grading_rules.py; answers against the real bank (good
paraphrases and subtly wrong answers, with the rates) are in tests/content/test_explain_grader.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradclip_core.quiz import (
    ContentError,
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
from tests.core.grading_helpers import BANK, LOOP, earns, prompt


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
