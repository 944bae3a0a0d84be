"""What the grader's rule tests share: prompts built from claims, the real explain bank, and the
order prompt (backward, clip, step) the order tests grade against."""

from __future__ import annotations

from pathlib import Path

from gradclip_core.quiz import CallOrder, Concept, ExplainPrompt, load_bank
from gradclip_core.quiz.grading import grade_explanation

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


LOOP = prompt(
    "backward < clip",
    "clip < step",
    order=(CallOrder("backward", "clip", "too early"), CallOrder("clip", "step", "too late")),
)
