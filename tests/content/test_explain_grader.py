"""The explanation grader on the real explain bank, against answers written the way people write.

The answers live in ``explain_answers.toml`` (16 good and 16 subtly wrong a prompt) and
``explain_answers_more.toml`` (29 and 29 more, written later). Every good answer must earn full
marks, no wrong one may, and every prompt's own model answer must earn full marks. The rates over
all prompts are printed (``pytest -s``) and held to the targets of issue 9: at least 95 % of
good answers full, at most 5 % of wrong answers full. The files in ``RATED`` (sets written blind
from the questions and model answers only, and the round files of variants written to probe
each weakness they showed) count in the rates only: ``EXPLAIN_ANSWERS.md`` says where each came
from and how the grader did on it before and after it was used for tuning.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import pytest
import torch

from gradclip_core.quiz import ExplainPrompt, load_bank
from gradclip_core.quiz.grading import dead_claims, grade_explanation
from tests.content.grads import param_with_grad

HERE = Path(__file__).resolve().parent
BANK = load_bank(HERE.parents[1] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}
SETS = ("explain_answers.toml", "explain_answers_more.toml")
RATED = (  # counted in the rates, not answer by answer
    "explain_answers_blind.toml",
    "explain_answers_heldout.toml",
    "explain_answers_blind3.toml",
    "explain_answers_blind4.toml",
    "explain_answers_round5.toml",
    "explain_answers_blind6.toml",
    "explain_answers_round6.toml",
    "explain_answers_blind7.toml",
    "explain_answers_round7.toml",
    "explain_answers_blind8.toml",
    "explain_answers_round8.toml",
    "explain_answers_blind9.toml",
    "explain_answers_round9.toml",
    "explain_answers_blind10.toml",
    "explain_answers_round10.toml",
    "explain_answers_blind12.toml",
    "explain_answers_round11.toml",
    "explain_answers_blind13.toml",
    "explain_answers_round12.toml",
    "explain_answers_blind14.toml",
    "explain_answers_round13.toml",
    "explain_answers_blind15.toml",
    "explain_answers_round14.toml",
    "explain_answers_blind16.toml",
    "explain_answers_round15.toml",
    "explain_answers_blind17.toml",
    "explain_answers_round16.toml",
    "explain_answers_blind18.toml",
    "explain_answers_round17.toml",
    "explain_answers_blind19.toml",
    "explain_answers_round18.toml",
    "explain_answers_blind20.toml",
    "explain_answers_round19.toml",
    "explain_answers_blind21.toml",
    "explain_answers_round20.toml",
    "explain_answers_blind22.toml",
    "explain_answers_round21.toml",
    "explain_answers_blind23.toml",
    "explain_answers_blind27.toml",
    "explain_answers_round24.toml",
    "explain_answers_blind25.toml",
    "explain_answers_round23.toml",
    "explain_answers_blind24.toml",
    "explain_answers_round22.toml",
    "explain_answers_blind28.toml",
    "explain_answers_round26.toml",
    "explain_answers_blind26.toml",
    "explain_answers_round25.toml",
    "explain_answers_blind30.toml",
    "explain_answers_round28.toml",
    "explain_answers_blind34.toml",
    "explain_answers_round29.toml",
    "explain_answers_blind33.toml",
    "explain_answers_round30.toml",
    "explain_answers_blind29.toml",
    "explain_answers_round27.toml",
    "explain_answers_blind32.toml",
    "explain_answers_round31.toml",
    "explain_answers_blind39.toml",
    "explain_answers_round34.toml",
    "explain_answers_blind36.toml",
    "explain_answers_round32.toml",
    "explain_answers_blind37.toml",
    "explain_answers_round33.toml",
    "explain_answers_blind40.toml",
    "explain_answers_round35.toml",
    "explain_answers_blind45.toml",
    "explain_answers_round38.toml",
    "explain_answers_blind44.toml",
    "explain_answers_round37.toml",
    "explain_answers_blind47.toml",
    "explain_answers_blind49.toml",
    "explain_answers_round39.toml",
    "explain_answers_blind43.toml",
    "explain_answers_round36.toml",
    "explain_answers_blind42.toml",
    "explain_answers_blind46.toml",
    "explain_answers_blind48.toml",
    "explain_answers_blind55.toml",
    "explain_answers_blind52.toml",
    "explain_answers_blind51.toml",
    "explain_answers_blind53.toml",
    "explain_answers_blind50.toml",
    "explain_answers_blind54.toml",
    "explain_answers_blind56.toml",
    "explain_answers_blind57.toml",
    "explain_answers_blind58.toml",
    "explain_answers_blind59.toml",
    "explain_answers_blind60.toml",
    "explain_answers_blind61.toml",
    "explain_answers_blind62.toml",
    "explain_answers_blind63.toml",
    "explain_answers_blind64.toml",
    "explain_answers_blind65.toml",
    "explain_answers_blind66.toml",
    "explain_answers_blind67.toml",
    "explain_answers_blind68.toml",
    "explain_answers_blind69.toml",
    "explain_answers_blind70.toml",
    "explain_answers_blind71.toml",
    "explain_answers_blind72.toml",
    "explain_answers_blind73.toml",
    "explain_answers_blind74.toml",
    "explain_answers_blind75.toml",
    "explain_answers_blind76.toml",
    "explain_answers_blind77.toml",
    "explain_answers_blind78.toml",
    "explain_answers_blind79.toml",
    "explain_answers_blind80.toml",
    "explain_answers_blind81.toml",
    "explain_answers_blind82.toml",
    "explain_answers_blind83.toml",
    "explain_answers_blind84.toml",
    "explain_answers_blind85.toml",
    "explain_answers_blind86.toml",
    "explain_answers_blind87.toml",
    "explain_answers_blind88.toml",
    "explain_answers_blind89.toml",
    "explain_answers_blind90.toml",
    "explain_answers_blind91.toml",
    "explain_answers_blind92.toml",
    "explain_answers_blind93.toml",
    "explain_answers_blind94.toml",
    "explain_answers_blind95.toml",
    "explain_answers_blind96.toml",
    "explain_answers_blind98.toml",
    "explain_answers_blind100.toml",
    "explain_answers_blind102.toml",
)


def _load(name: str) -> dict:
    return tomllib.loads((HERE / name).read_text(encoding="utf-8"))


ANSWERS = [_load(name) for name in SETS]
ALL_ANSWERS = [*ANSWERS, *(_load(name) for name in RATED)]
GOOD_TARGET = 0.95  # at least this share of good answers earn full marks
WRONG_TARGET = 0.05  # at most this share of wrong answers earn full marks


def _answers(kind: str, sets: list[dict] = ANSWERS) -> list[tuple[str, str]]:
    return [(pid, a) for data in sets for pid, by in data.items() for a in by[kind]]


@functools.cache
def _grade(pid: str, answer: str):
    """The grade of one answer, once per run: the answer-by-answer tests, the rates and the
    held-out floors read the same answers."""
    return grade_explanation(PROMPTS[pid], answer)


def _shown(grade) -> str:
    return f"{grade.score}/{grade.total}, found {grade.found}, mistakes {grade.mistakes}"


def test_every_prompt_has_fifteen_good_and_fifteen_wrong_answers():
    first = ANSWERS[0]
    assert set(first) == set(PROMPTS), "explain_answers.toml must cover exactly the bank"
    for pid in PROMPTS:
        assert len(first[pid]["good"]) >= 15 and len(first[pid]["wrong"]) >= 15, pid
    for data in ALL_ANSWERS[1:]:
        assert set(data) <= set(PROMPTS)


@pytest.mark.parametrize("item", BANK.explain, ids=lambda p: p.id)
def test_the_model_answer_earns_full_marks(item: ExplainPrompt):
    grade = grade_explanation(item, item.model_answer)
    assert grade.full and not grade.mistakes, _shown(grade)


@pytest.mark.parametrize("item", BANK.explain, ids=lambda p: p.id)
def test_every_concept_claim_can_earn_credit(item: ExplainPrompt):
    assert dead_claims(item) == []


@pytest.mark.parametrize(("pid", "answer"), _answers("good"))
def test_a_good_answer_earns_full_marks(pid, answer):
    grade = _grade(pid, answer)
    assert grade.full, _shown(grade)


@pytest.mark.parametrize(("pid", "answer"), _answers("wrong"))
def test_a_wrong_answer_never_earns_full_marks(pid, answer):
    grade = _grade(pid, answer)
    assert not grade.full, _shown(grade)


def _rates(sets: list[dict], what: str) -> tuple[float, float]:
    """Shares of good and of wrong answers that earn full marks (printed with ``-s``)."""
    good = [_grade(p, a).full for p, a in _answers("good", sets)]
    wrong = [_grade(p, a).full for p, a in _answers("wrong", sets)]
    good_rate, wrong_rate = sum(good) / len(good), sum(wrong) / len(wrong)
    print(
        f"\n{what}: good answers full {sum(good)}/{len(good)} = {good_rate:.1%}; "
        f"wrong answers full {sum(wrong)}/{len(wrong)} = {wrong_rate:.1%}"
    )
    return good_rate, wrong_rate


def test_rates_over_all_prompts_meet_the_targets():
    good_rate, wrong_rate = _rates(ALL_ANSWERS, f"explain grader over {len(PROMPTS)} prompts")
    assert good_rate >= GOOD_TARGET
    assert wrong_rate <= WRONG_TARGET


# Written blind and never used to tune the grader: (file, good floor, wrong ceiling). The bound
# guards against regressions on unseen answers, set a little below what the set measures now
# (session 30's end: blind11 97.9 % good, 5.2 % wrong full; blind62 93.8 % and 10.4 %; blind63
# 93.8 % and 5.2 %; blind68 97.9 % and 3.1 %; blind69 90.6 % and 8.3 %; blind71 97.9 % and
# 5.2 %; blind74 91.7 % and 5.2 %; blind75 91.7 % and 7.3 %; blind77 90.6 % and 8.3 %; blind81
# 89.6 % and 8.3 %; blind82 93.8 % and 9.4 %; blind86 94.8 % and 8.3 %; session 31's end:
# blind88 95.8 % and 1.0 %; blind91 97.9 % and 6.2 %; blind94 96.9 % and 4.2 %; blind95 96.9 %
# and 1.0 %; blind96 93.8 % and 6.2 %; session 32: blind98 93.8 % and 2.1 %; blind102 94.8 %
# and 3.1 %). It is NOT the targets above: the grader misses mistakes its rubric does not
# list, and each writer invents new ones.
HELD_OUT = {
    "explain_answers_blind11.toml": (0.93, 0.08),
    "explain_answers_blind62.toml": (0.91, 0.14),
    "explain_answers_blind63.toml": (0.91, 0.09),
    "explain_answers_blind68.toml": (0.96, 0.06),
    "explain_answers_blind69.toml": (0.89, 0.14),
    "explain_answers_blind71.toml": (0.93, 0.09),
    "explain_answers_blind74.toml": (0.88, 0.08),
    "explain_answers_blind75.toml": (0.89, 0.11),
    "explain_answers_blind77.toml": (0.88, 0.11),
    "explain_answers_blind81.toml": (0.86, 0.12),
    "explain_answers_blind82.toml": (0.91, 0.11),
    "explain_answers_blind86.toml": (0.92, 0.10),
    "explain_answers_blind88.toml": (0.93, 0.05),
    "explain_answers_blind91.toml": (0.95, 0.09),
    "explain_answers_blind94.toml": (0.94, 0.07),
    "explain_answers_blind95.toml": (0.94, 0.04),
    "explain_answers_blind96.toml": (0.91, 0.09),
    "explain_answers_blind98.toml": (0.92, 0.04),
    "explain_answers_blind102.toml": (0.93, 0.05),
}


@pytest.mark.parametrize(("name", "bounds"), HELD_OUT.items(), ids=list(HELD_OUT))
def test_held_out_answers_written_blind(name, bounds):
    good_floor, wrong_ceiling = bounds
    good_rate, wrong_rate = _rates([_load(name)], f"held-out answers ({name})")
    assert good_rate >= good_floor
    assert wrong_rate <= wrong_ceiling


# --- what the explain bank states, checked on torch -------------------------------------------
def test_norm_keeps_the_direction_value_does_not():
    by_norm, by_value = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_norm.grad, torch.tensor([0.6, 0.8]))
    assert torch.equal(by_value.grad, torch.tensor([1.0, 1.0]))


def test_factors_below_one_vanish_and_above_one_grow():
    assert 0.9**100 < 3e-5 and round(1.1**100, -3) == 14_000


def test_the_grad_scaler_starts_at_65536():
    assert torch.amp.GradScaler("cpu").get_scale() == 65536.0


def test_accumulation_clip_once_caps_the_total_clip_each_distorts_it():
    """Clipping after every micro-batch still caps the sum (.grad is the running sum), but
    shrinks the early micro-batches again and again, so the direction is off."""
    micro = [torch.tensor([8.0, 0.0]), torch.tensor([0.0, 2.0])]
    once, each = param_with_grad([0.0, 0.0]), param_with_grad([0.0, 0.0])
    for g in micro:
        once.grad += g
        each.grad += g
        torch.nn.utils.clip_grad_norm_([each], max_norm=1.0)
    torch.nn.utils.clip_grad_norm_([once], max_norm=1.0)
    total = sum(micro)
    assert once.grad.norm() == pytest.approx(1.0) and each.grad.norm() <= 1.0 + 1e-6
    assert torch.cosine_similarity(once.grad, total, dim=0) == pytest.approx(1.0)
    assert torch.cosine_similarity(each.grad, total, dim=0) < 0.9
    assert total[0] > total[1] and each.grad[0] < each.grad[1]  # the early one now counts less


@pytest.mark.parametrize(("make", "same"), [(torch.optim.SGD, False), (torch.optim.Adam, True)])
def test_a_steady_shrink_is_a_smaller_learning_rate_only_for_plain_sgd(make, same):
    """With plain SGD, gradients shrunk by a steady factor act like a smaller learning rate;
    Adam's normalisation undoes the shrink."""
    steps = []
    for factor in (1.0, 0.1):
        p = torch.nn.Parameter(torch.zeros(3))
        opt = make([p], lr=0.1)
        for k in range(5):
            p.grad = factor * torch.tensor([1.0, -2.0, 0.5]) * (k + 1)
            opt.step()
        steps.append(p.detach().clone())
    assert torch.allclose(steps[0], steps[1], rtol=1e-3) is same


def test_every_rated_set_says_where_it_came_from():
    described = (HERE / "EXPLAIN_ANSWERS.md").read_text(encoding="utf-8")
    assert not [name for name in RATED if f"`{name}`" not in described]


def test_no_good_answer_tuned_on_states_a_portable_misconception():
    """A portable misconception was lent because it fired on no good answer to another prompt
    in the sets the grader was tuned on (gradclip_core/quiz/portable.py): keep that true."""
    tuned = [(name, _load(name)) for name in (*SETS, *RATED) if name not in HELD_OUT]
    slipped = [
        (name, pid, grade.slips[0][:60])
        for name, data in tuned
        for pid, by in data.items()
        for answer in by["good"]
        if (grade := _grade(pid, answer)).slips
    ]
    assert not slipped
