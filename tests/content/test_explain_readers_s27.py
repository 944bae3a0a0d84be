"""Reader rules of session 27's tuning (blind64 to 67), and the false alarms their merge caused
on older answers, on short answers written here."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import foreign, futile, likened, load_bank, spoken
from gradclip_core.quiz.grading import grade_explanation

BANK = load_bank(Path(__file__).resolve().parents[2] / "lessons" / "quiz")
PROMPTS = {p.id: p for p in BANK.explain}
LOOP = "cs-ex-how-loop"


def _full(pid: str, answer: str) -> bool:
    return grade_explanation(PROMPTS[pid], answer).full


def test_spoken_call_names_and_decimals_are_read_as_written():
    assert spoken.expand("then loss dot backward") == "then loss.backward"
    said = "clip grad norm underscore with max norm point five"
    assert spoken.expand(said) == "clip_grad_norm_ with max_norm 0.5"
    assert spoken.expand("the dot product of two vectors") == "the dot product of two vectors"
    assert _full(
        LOOP,
        "So you do loss dot backward, then torch dot nn dot utils dot clip grad norm underscore "
        "of model dot parameters with max norm one, and then optimizer dot step.",
    )


def test_another_frameworks_option_is_no_claim_on_torch():
    marked = foreign.mark("clipnorm there clips each variable by its own norm.")
    assert marked.lstrip().startswith("suppose")
    assert "counterpart" in foreign.mark("the torch equivalent is clip_grad_value_")


def test_a_practice_likened_to_something_is_a_topic_not_advice():
    assert likened.mark("clipping every micro-batch is like a photocopy of a photocopy").startswith(
        "suppose clipping"
    )


def test_a_placement_said_to_do_nothing_is_rejected_but_not_an_otherwise():
    assert futile.futile(["clipping", "after", "step", "achieves", "nothing"])
    assert not futile.futile(["before", "step", "or", "it", "does", "nothing", "useful"])
    assert _full(
        LOOP,
        "loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5); "
        "optimizer.step(), the clip has to come after backward and before step or it does "
        "nothing useful",
    )


def test_between_them_followed_by_the_calls_orders_them():
    # "between" orders calls far from it only when it names them ("them", "the two calls")
    assert _full(
        LOOP,
        "The optimizer reads .grad when you call step, and gradients exist only after backward. "
        "So the clip sits between them: loss.backward(), then "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0), then optimizer.step().",
    )
    assert _full(
        LOOP,
        "Put torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=1.0) right between the "
        "two calls: backward() has just filled p.grad and step() is about to read it.",
    )


def test_passing_the_same_parameters_is_not_per_tensor_clipping():
    assert _full(
        LOOP,
        "Add one line after loss.backward() and before optimizer.step(): "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0). Pass the same "
        "parameters the optimizer updates (usually model.parameters()); a generator can be "
        "iterated only once, so call model.parameters() again rather than reuse it.",
    )
