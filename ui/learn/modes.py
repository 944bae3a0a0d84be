"""The Learn page's modes: their order, labels and icons, and what draws each."""

from __future__ import annotations

from collections.abc import Callable

from ui.learn.cards import render_flashcards
from ui.learn.choice import render_multiple_choice, render_true_false
from ui.learn.order import render_order
from ui.learn.predict import render_predict
from ui.learn.write import render_explain, render_fill_code

# mode -> (label on the picker, material icon, one line that says what to do)
MODES = {
    "read": ("Read", "menu_book", "The lessons, in order. Press See it live to try each one."),
    "cheatsheet": ("Cheat sheet", "description", "Everything on one page, to print or keep."),
    "flashcards": ("Flashcards", "style", "Think of the answer, show it, then grade yourself."),
    "multiple_choice": ("Multiple choice", "checklist", "Pick one answer."),
    "explain": ("Explain", "edit_note", "Explain in your own words; the checker looks for ideas."),
    "true_false": ("True or false", "rule", "Quick-fire: is the statement true?"),
    "fill_code": ("Fill the code", "code", "Type what goes in the blank."),
    "order": ("Order the steps", "format_list_numbered", "Build one training step in order."),
    "predict": ("Predict, then run", "science", "Guess the outcome, then watch the real run."),
    "summary": ("Summary", "leaderboard", "Your scores, what to review, and your progress file."),
}
DEFAULT_MODE = "read"
# Quiz modes draw from the bank; "read", "cheatsheet" and "summary" are drawn by the page.
QUIZ_RENDERERS: dict[str, Callable] = {
    "flashcards": render_flashcards,
    "multiple_choice": render_multiple_choice,
    "explain": render_explain,
    "true_false": render_true_false,
    "fill_code": render_fill_code,
    "order": render_order,
    "predict": render_predict,
}


def label(mode: str) -> str:
    """The picker's label: icon and name."""
    name, icon, _ = MODES[mode]
    return f":material/{icon}: {name}"
