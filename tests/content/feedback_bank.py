"""The explain bank's feedback text, for the tests that run what it says on torch."""

from __future__ import annotations

import tomllib
from pathlib import Path

EXPLAIN = Path(__file__).resolve().parents[2] / "lessons" / "quiz" / "03_explain.toml"
FEEDBACK = "\n".join(
    m.get("feedback", "")
    for prompt in tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    for m in prompt.get("misconceptions", [])
)


def said(*phrases: str) -> None:
    """Fail unless the bank's feedback still says each of ``phrases`` (so a test follows its
    sentence: reword the feedback, and its test must be looked at again)."""
    for phrase in phrases:
        assert phrase in FEEDBACK, f"the bank no longer says {phrase!r}: update this test"
