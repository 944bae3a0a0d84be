"""The Learn page's grading with AppTest (issue 9): every right order accepted, misconceptions
named, and "I was right" counted apart."""

from __future__ import annotations

from gradclip_core.quiz.progress import progress_to_json
from tests.app.learn_helpers import (  # noqa: F401  own_database: each test's own database
    BANK,
    build_order,
    click,
    open_mode,
    own_database,
    pick,
    progress_of,
    texts,
)


# --- order: every right order is accepted (issue 9) -------------------------------------------
def basic_order(*ids: str) -> tuple:
    item = next(i for i in BANK.order if i.id == "ord-basic")
    return item, [item.steps[item.step_ids.index(sid)] for sid in ids]


def test_order_zero_grad_after_the_loss_is_right_and_shows_the_usual_order():
    item, order = basic_order("forward", "loss", "zero_grad", "backward", "clip", "step")
    at = open_mode("order", [item.id])
    build_order(at, item, order)
    click(at, "learn_order_check")
    assert "Right!" in texts(at.success) and not at.error
    assert "The usual order" in texts(at.markdown)
    assert [c.value for c in at.code][:2] == ["\n".join(order), "\n".join(item.steps)]
    assert at.expander[0].label == "2 other orders are also right"
    assert progress_of(at, "order") == (1, 1, [])


def test_order_zero_grad_after_backward_names_the_rule_and_the_other_right_orders():
    item, order = basic_order("forward", "loss", "backward", "zero_grad", "clip", "step")
    at = open_mode("order", [item.id])
    build_order(at, item, order)
    click(at, "learn_order_check")
    error = texts(at.error)
    assert error.startswith(
        "**Not quite.** Step 4: `optimizer.zero_grad()` must come before `loss.backward()` or "
        "after `optimizer.step()`: "
    )
    assert "The right order" in texts(at.markdown)
    assert at.expander[0].label == "3 other orders are also right"
    shown = [c.value for c in at.code]
    assert shown[:2] == ["\n".join(order), "\n".join(item.steps)] and len(shown) == 5
    assert progress_of(at, "order") == (1, 0, [item.id])


# --- explain: misconceptions and "I was right" (issue 9) --------------------------------------
def test_explain_names_a_misconception_and_offers_no_override_for_full_marks():
    item = next(i for i in BANK.explain if i.id == "cs-ex-how-loop")
    at = open_mode("explain", [item.id])
    reversed_loop = "Call loss.backward(), then optimizer.step(), then clip_grad_norm_(params)."
    at.text_area(key=f"learn_explain_text_{item.id}").input(reversed_loop).run()
    click(at, "learn_explain_check")
    assert "after `optimizer.step()`" in texts(at.error)  # the feedback names the mistake
    assert at.button(key="learn_explain_override").label == "I was right"
    at = open_mode("explain", [item.id])
    at.text_area(key=f"learn_explain_text_{item.id}").input(item.model_answer).run()
    click(at, "learn_explain_check")
    assert "You got 3/3 concepts" in texts(at.success)
    assert not [b for b in at.button if b.key == "learn_explain_override"]


def test_explain_a_false_statement_from_another_prompt_costs_full_marks_but_no_concept():
    """A portable misconception (gradclip_core/quiz/portable.py): the answer keeps its three
    concepts, is not counted right, and the feedback says what is wrong."""
    item = next(i for i in BANK.explain if i.id == "cs-ex-how-loop")
    at = open_mode("explain", [item.id])
    slip = " Passing max_norm=0 just measures the norm without clipping."
    at.text_area(key=f"learn_explain_text_{item.id}").input(item.model_answer + slip).run()
    click(at, "learn_explain_check")
    assert "You got 3/3 concepts, but one thing you said is not right" in texts(at.warning)
    assert "`max_norm=0` does not just measure" in texts(at.error)  # the "Careful" list
    assert at.button(key="learn_explain_override").label == "I was right"
    assert progress_of(at, "explain") == (1, 0, [item.id])


def test_explain_i_was_right_counts_the_answer_apart_in_the_summary():
    item = BANK.explain[0]
    at = open_mode("explain", [item.id])
    at.text_area(key=f"learn_explain_text_{item.id}").input("It keeps things tidy.").run()
    click(at, "learn_explain_check")
    assert progress_of(at, "explain") == (1, 0, [item.id])
    click(at, "learn_explain_override")
    assert progress_of(at, "explain") == (1, 0, [])  # off the review list, not "correct"
    assert at.session_state["learn_progress"].mode("explain").overridden == [item.id]
    assert "You marked this answer right" in texts(at.info)
    assert not [b for b in at.button if b.key == "learn_explain_override"]
    assert at.session_state["learn_explain_round"]["results"] == {item.id: True}
    pick(at, "summary")
    assert "1 answer marked right by you" in texts(at.markdown).replace("\\", "")
    assert at.dataframe[0].value["Correct"].tolist() == [0]
    saved = progress_to_json(at.session_state["learn_progress"])
    click(at, "learn_reset")
    at.file_uploader(key="learn_upload").upload("progress.json", saved.encode()).run()
    assert at.session_state["learn_progress"].mode("explain").overridden == [item.id]


def test_explain_a_grader_fault_keeps_the_answer_and_says_so(monkeypatch):
    # a reader rule that raises on some text (as "2.0 * 65536 = 131,072" once did) must not
    # show a traceback or lose what the learner typed, and must count nothing
    from ui.learn import write

    def broken(item, text):
        raise OverflowError("numerical result out of range")

    item = BANK.explain[0]
    at = open_mode("explain", [item.id])
    typed = "Clipping caps the gradient norm so a spike cannot blow up the update."
    at.text_area(key=f"learn_explain_text_{item.id}").input(typed).run()
    monkeypatch.setattr(write, "grade_explanation", broken)
    click(at, "learn_explain_check")
    assert "could not read this answer" in texts(at.warning)
    assert at.text_area(key=f"learn_explain_text_{item.id}").value == typed
    assert [e.label for e in at.expander] == ["Model answer"]
    assert progress_of(at, "explain") == (0, 0, [])
    monkeypatch.undo()
    click(at, "learn_explain_check")  # fixed: the same answer is graded, the warning goes
    shown = " ".join(texts(box) for box in (at.success, at.warning, at.error))
    assert "could not read" not in shown and "concepts" in shown
    assert progress_of(at, "explain")[0] == 1
