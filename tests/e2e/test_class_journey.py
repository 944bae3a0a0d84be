"""A class in one real browser: a teacher page and two student pages. The teacher pushes a
predict question, the students vote on their own screens, the teacher sees the votes, runs
the scenario, and the students see what the run did beside their prediction."""

from __future__ import annotations

import pytest
from e2e_helpers import assert_no_exception, wait_idle

pytestmark = pytest.mark.e2e


def _page(browser, width: int = 1366, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def test_teacher_pushes_students_vote_the_run_decides(browser, app_url, shots, monkeypatch):
    t_ctx, teacher = _page(browser)
    teacher.goto(f"{app_url}/classroom")
    wait_idle(teacher)
    teacher.get_by_role("button", name="Start a class").click()
    teacher.get_by_text("0 joined").wait_for()
    code = teacher.url.split("class=")[1].split("&")[0]
    students = []
    for name in ("Ana", "Ben"):
        ctx, page = _page(browser, 390, 844)  # phones
        page.goto(f"{app_url}/classroom?class={code}")
        wait_idle(page)
        page.get_by_role("textbox", name="Your nickname").fill(name)
        page.get_by_role("button", name="Join the class").click()
        page.get_by_text(f"You are {name}").wait_for()
        students.append((ctx, page))
    teacher.get_by_text("2 joined").wait_for(timeout=30_000)
    # Push the first predict question.
    teacher.get_by_label("Question to push").click()
    teacher.get_by_role("option").filter(has_text="Predict the run").first.click()
    teacher.get_by_role("button", name="Push to the class").click()
    wait_idle(teacher)
    for i, (_, page) in enumerate(students):
        page.get_by_text("Question 1").wait_for(timeout=30_000)
        page.get_by_role("radiogroup").get_by_role("radio").nth(i % 2).check(force=True)
        page.get_by_role("button", name="Send my answer").click()
        page.get_by_text("Your answer:").first.wait_for()
    teacher.get_by_text("2 of 2 students answered").wait_for(timeout=30_000)
    teacher.screenshot(path=shots / "01-teacher-votes.png")
    teacher.get_by_role("button", name="Run it now").click()
    teacher.get_by_text("What the run did:").first.wait_for(timeout=60_000)
    teacher.get_by_role("button", name="Reveal to the class").click()
    wait_idle(teacher)
    for _, page in students:
        page.get_by_text("What the run did:").first.wait_for(timeout=30_000)
        page.get_by_text("The right answer").first.wait_for(timeout=30_000)
        assert_no_exception(page)
    students[0][1].screenshot(path=shots / "02-student-outcome-390.png")
    assert_no_exception(teacher)
    for ctx, _ in students:
        ctx.close()
    t_ctx.close()
