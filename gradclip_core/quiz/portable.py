"""Misconceptions that are wrong whatever the question: lent to every prompt.

Most misconceptions belong to their prompt: "clip after each micro-batch" is a mistake in an
answer about accumulation, and its words would misfire elsewhere. A few are false statements
about torch in any answer ("max_norm defaults to 1.0", "clip_grad_norm_ returns the norm after
clipping"): the bank marks those ``portable = true``, and every other prompt borrows them. A
borrowed misconception is judged as its own prompt reads an answer (that prompt's subjects and
vocabulary), so lending one changes nothing in how the borrowing prompt reads its own claims.
Said in an answer, it cancels no concept but withholds full marks, and its feedback is shown.

Each was chosen from data: over the answer sets the grader was tuned on, it fired on no good
answer to another prompt and on at least one wrong answer (115 of the bank's misconceptions).
``test_no_good_answer_tuned_on_states_a_portable_misconception`` in
tests/content/test_explain_grader.py keeps the first true.
"""

from __future__ import annotations

from dataclasses import replace

from gradclip_core.quiz.items import ExplainPrompt


def lend_portable(prompts: tuple[ExplainPrompt, ...]) -> tuple[ExplainPrompt, ...]:
    """The prompts, each with the portable misconceptions of the others as ``borrowed``.

    Nothing is borrowed twice: not a feedback sentence the prompt already has, nor a
    misconception whose every claim the prompt already checks (several prompts word their own
    feedback for the same checker, e.g. ``misreturned``: one answer would get two).
    """
    lent = [(p, m) for p in prompts for m in p.misconceptions if m.portable]
    out = []
    for prompt in prompts:
        feedbacks = {m.feedback for m in prompt.misconceptions}
        claims = {c for m in prompt.misconceptions for c in m.claims}
        borrowed = []
        for home, m in lent:
            if home.id == prompt.id or m.feedback in feedbacks or claims.issuperset(m.claims):
                continue
            feedbacks.add(m.feedback)
            claims.update(m.claims)
            borrowed.append((home, m))
        out.append(replace(prompt, borrowed=tuple(borrowed)))
    return tuple(out)
