"""Quiz engine: loader errors, flashcard scheduling, fill-in-the-code and ordering checks."""

import re
from pathlib import Path

import pytest

from gradclip_core.quiz import (
    ContentError,
    FillCode,
    Flashcard,
    FlashcardDeck,
    OrderItem,
    check_fill,
    check_order,
    load_bank,
    load_cheatsheet,
    load_lessons,
)

CARD = """
[[card]]
id = "{id}"
level = "beginner"
front = "Front"
back = "Back"
source = "original"
"""

QUESTION = """
[[question]]
id = "mc-when"
prompt = "When?"
source = "original"

[[question.options]]
text = "A"
correct = {a}
why = "because"

[[question.options]]
text = "B"
correct = {b}
why = "because"
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(folder: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_bank(folder)
    return str(info.value)


def test_valid_bank_loads(tmp_path):
    _write(tmp_path, "01_flashcards.toml", CARD.format(id="fc-a") + CARD.format(id="fc-b"))
    _write(tmp_path, "02_multiple_choice.toml", QUESTION.format(a="true", b="false"))
    bank = load_bank(tmp_path)
    assert [c.id for c in bank.flashcards] == ["fc-a", "fc-b"]
    assert bank.multiple_choice[0].answer_index == 0
    assert bank.modes == ("flashcards", "multiple_choice")
    assert bank.by_id("mc-when").prompt == "When?"
    with pytest.raises(KeyError):
        bank.by_id("nope")


def test_missing_key_names_file_entry_and_fix(tmp_path):
    text = CARD.format(id="fc-a") + CARD.format(id="x").replace(
        'id = "x"\nlevel = "beginner"\n', ""
    )
    _write(tmp_path, "01_flashcards.toml", text)
    message = _error(tmp_path)
    assert "01_flashcards.toml" in message and "[[card]] #2" in message
    assert "add `id = " in message


def test_missing_level_suggests_allowed_values(tmp_path):
    _write(
        tmp_path, "01_flashcards.toml", CARD.format(id="fc-a").replace('level = "beginner"\n', "")
    )
    message = _error(tmp_path)
    assert "card 'fc-a'" in message
    assert 'add `level = "beginner"`; allowed: beginner, intermediate, advanced' in message


def test_bad_level(tmp_path):
    _write(tmp_path, "01_flashcards.toml", CARD.format(id="fc-a").replace("beginner", "expert"))
    message = _error(tmp_path)
    assert "card 'fc-a'" in message and "'expert'" in message and "intermediate" in message


def test_two_correct_options(tmp_path):
    _write(tmp_path, "02_multiple_choice.toml", QUESTION.format(a="true", b="true"))
    message = _error(tmp_path)
    assert "02_multiple_choice.toml" in message and "question 'mc-when'" in message
    assert "exactly one `correct = true`" in message


def test_no_correct_option(tmp_path):
    _write(tmp_path, "02_multiple_choice.toml", QUESTION.format(a="false", b="false"))
    assert "found 2 options and 0 correct" in _error(tmp_path)


def test_syntax_error_names_file_and_line(tmp_path):
    _write(tmp_path, "01_flashcards.toml", CARD.format(id="fc-a") + 'front = "unclosed\n')
    message = _error(tmp_path)
    assert "01_flashcards.toml" in message and "line" in message and "syntax" in message


def test_duplicate_id_across_files(tmp_path):
    _write(tmp_path, "01_flashcards.toml", CARD.format(id="same"))
    statement = '[[statement]]\nid = "same"\ntext = "t"\nanswer = true\nwhy = "w"\n'
    _write(tmp_path, "04_true_false.toml", statement)
    message = _error(tmp_path)
    assert "04_true_false.toml" in message and "'same'" in message and "duplicate id" in message
    assert "01_flashcards.toml" in message


def test_unknown_key_and_unknown_mode(tmp_path):
    _write(tmp_path, "01_flashcards.toml", CARD.format(id="fc-a") + 'levl = "beginner"\n')
    assert "unknown key `levl`" in _error(tmp_path)
    (tmp_path / "01_flashcards.toml").unlink()
    _write(tmp_path, "03_essays.toml", "")
    assert "unknown quiz mode 'essays'" in _error(tmp_path)


def test_fill_needs_exactly_one_blank(tmp_path):
    item = '[[item]]\nid = "f"\nprompt = "p"\ncode = "{code}"\nanswers = ["x"]\nexplanation = "e"\n'
    _write(tmp_path, "05_fill_code.toml", item.format(code="a = ____ + ____"))
    assert "exactly one ____ blank, found 2" in _error(tmp_path)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ('{ clip_mode = "bogus" }', "clip_mode 'bogus' is unknown"),
        ("{ momentum = 0.9 }", "unknown override `momentum`"),
        ('{ lr = "fast" }', "override `lr` has the wrong type"),
    ],
)
def test_predict_overrides_are_checked(tmp_path, override, expected):
    scenario = f"""
[[scenario]]
id = "pr-x"
prompt = "p"
preset = "healthy"
steps = 10
overrides = {override}
question = "q"
choices = ["It diverges", "It keeps training"]
expected = 0
explanation = "e"
"""
    _write(tmp_path, "07_predict.toml", scenario)
    message = _error(tmp_path)
    assert "scenario 'pr-x'" in message and expected in message


def _cards(levels: str) -> list[Flashcard]:
    names = {"b": "beginner", "i": "intermediate", "a": "advanced"}
    return [Flashcard(f"c{i}", names[lv], "f", "b") for i, lv in enumerate(levels)]


def _play(deck: FlashcardDeck, again: set[str]) -> list[str]:
    """Grade every card; cards in ``again`` get Again the first time they are seen."""
    shown = []
    while not deck.done:
        card = deck.current()
        shown.append(card.id)
        deck.grade(again=card.id in again and shown.count(card.id) == 1)
    return shown


def test_again_card_comes_back_three_cards_later():
    deck = FlashcardDeck(_cards("bbbbbb"))
    assert _play(deck, {"c0"}) == ["c0", "c1", "c2", "c3", "c0", "c4", "c5"]
    assert deck.progress == (6, 6) and deck.again_ids == ("c0",) and deck.reviews == 7


def test_again_card_goes_last_when_few_remain():
    deck = FlashcardDeck(_cards("bbb"))
    assert _play(deck, {"c1"}) == ["c0", "c1", "c2", "c1"]
    assert deck.current() is None
    with pytest.raises(IndexError):
        deck.grade(again=False)


def test_level_filter_and_seeded_order():
    cards = _cards("biaibaib")
    deck = FlashcardDeck(cards, levels=["intermediate"])
    assert [c.level for c in _iterate(deck)] == ["intermediate"] * 3
    first = [c.id for c in _iterate(FlashcardDeck(cards, seed=7))]
    assert first == [c.id for c in _iterate(FlashcardDeck(cards, seed=7))]
    assert sorted(first) == sorted(c.id for c in cards)
    with pytest.raises(ValueError):
        FlashcardDeck(cards, levels=["expert"])


def _iterate(deck: FlashcardDeck) -> list[Flashcard]:
    out = []
    while not deck.done:
        out.append(deck.current())
        deck.grade(again=False)
    return out


FILL = FillCode(
    id="f",
    prompt="p",
    code="loss.backward()\n____\noptimizer.step()\n",
    answers=("torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)",),
    explanation="e",
)


@pytest.mark.parametrize(
    "answer",
    [
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1)",
        "  torch.nn.utils.clip_grad_norm_( model.parameters() , max_norm = 1.0 );",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0),",
        "nn.utils.clip_grad_norm_(model.parameters(), 1.)",
        "clip_grad_norm_(model.parameters(), 1.0)",
        "clip_grad_norm_(max_norm=1.0, parameters=model.parameters())",
        "clip_grad_norm_(model.parameters(), 1.0, norm_type=2)",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0, foreach=None)",
    ],
)
def test_check_fill_accepts_equivalent_code(answer):
    assert check_fill(FILL, answer)


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   ",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)",
        "torch.nn.utils.clip_grad_value_(model.parameters(), 1.0)",
        "clip_grad_norm_(model.parameters(), 1.0, norm_type=1)",
        "optimizer.step()",
        "clip_grad_norm_(model.parameters(), 1.0)\noptimizer.zero_grad()",
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0",
        "x" * 10_000,
    ],
)
def test_check_fill_rejects_wrong_code(answer):
    assert not check_fill(FILL, answer)


def test_check_fill_short_names_can_be_required():
    strict = FillCode(**{**FILL.__dict__, "allow_short_names": False})
    assert check_fill(strict, FILL.answers[0])
    assert not check_fill(strict, "clip_grad_norm_(model.parameters(), 1.0)")


def test_check_fill_quotes_and_fragments():
    item = FillCode("g", "p", "x = torch.device(____)\n", ("'cuda'",), "e")
    assert check_fill(item, '"cuda"') and not check_fill(item, "'cpu'")
    arg = FillCode("h", "p", "clip_grad_norm_(model.parameters(), ____)\n", ("max_norm=0.5",), "e")
    assert check_fill(arg, "0.5") and check_fill(arg, "max_norm = .5")
    assert not check_fill(arg, "0.05")


ORDER = OrderItem("o", "p", ("a()", "b()", "c()"), "e")


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        (["a()", "b()", "c()"], None),
        ([" a( ) ", "b()", "c()"], None),
        (["b()", "a()", "c()"], 0),
        (["a()", "c()", "b()"], 1),
        (["a()", "b()"], 2),
        (["a()", "b()", "c()", "d()"], 3),
        ([], 0),
    ],
)
def test_check_order(submitted, expected):
    assert check_order(ORDER, submitted) == expected


LESSON = '+++\ntitle = "T"\npreset = "healthy"\nsummary = "S."\n+++\nBody.\n'


def test_lessons_load_in_prefix_order(tmp_path):
    (tmp_path / "10_later.md").write_text(LESSON, encoding="utf-8")
    (tmp_path / "02_first.md").write_text(LESSON, encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored: no NN_ prefix", encoding="utf-8")
    lessons = load_lessons(tmp_path)
    assert [lesson.slug for lesson in lessons] == ["first", "later"]
    assert lessons[0].title == "T" and lessons[0].body == "Body.\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("No front matter\n", "must start with a +++ line"),
        ('+++\ntitle = "T"\n', "front matter is not closed"),
        (LESSON.replace('preset = "healthy"\n', ""), 'needs `preset = "..."`'),
        (LESSON.replace("summary", "sumary"), "unknown front matter key `sumary`"),
        (LESSON.replace('title = "T"', "title = T"), "TOML syntax error"),
        (LESSON.replace("Body.\n", ""), "has no body"),
    ],
)
def test_bad_lesson_names_file_and_fix(tmp_path, text, fragment):
    (tmp_path / "01_bad.md").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape(fragment)) as info:
        load_lessons(tmp_path)
    assert "01_bad.md" in str(info.value)


def test_cheatsheet_errors(tmp_path):
    with pytest.raises(ContentError, match="not found"):
        load_cheatsheet(tmp_path / "missing.md")
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    with pytest.raises(ContentError, match="empty"):
        load_cheatsheet(tmp_path / "empty.md")
