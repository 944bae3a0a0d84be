"""The real content in lessons/: quiz banks, lessons and cheat sheet are valid and complete."""

import re
from pathlib import Path

import pytest

from gradclip_core.lessons import load_cheatsheet, load_lessons
from gradclip_core.quiz import MODE_FILES, check_fill, check_order, dead_claims, load_bank

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
# The seed cheat sheet lives outside the project; the wording check runs only where it exists.
SEED = ROOT.parent / "shared" / "seed" / "cheat-sheet.txt"

LESSON_ORDER = [
    "what_is_clipping",
    "exploding_gradients",
    "clipping_in_pytorch",
    "norm_vs_value",
    "adaptive_clipping",
    "pitfalls",
    "choosing_a_threshold",
]
CHEAT_SHEET_CARDS = {
    "cs-fc-what-is-clipping": "beginner",
    "cs-fc-why-explosions-hurt": "beginner",
    "cs-fc-pytorch-functions": "intermediate",
    "cs-fc-norm-vs-value": "intermediate",
    "cs-fc-snippet": "beginner",
}
# Cheat-sheet question id -> a test the correct option's text must pass.
CHEAT_SHEET_MC = {
    "cs-mc-main-problem": lambda t: t == "Exploding gradients",
    "cs-mc-norm-function": lambda t: t == "torch.nn.utils.clip_grad_norm_",
    "cs-mc-when": lambda t: t == "After loss.backward() and before optimizer.step()",
    "cs-mc-by-value": lambda t: "every single gradient entry" in t and "absolute value" in t,
    "cs-mc-no-clipping": lambda t: "unstable" in t and "fail" in t,
}
CHEAT_SHEET_EXPLAIN = ("cs-ex-what-why", "cs-ex-how-loop")


@pytest.fixture(scope="module")
def bank():
    return load_bank(LESSONS / "quiz")


@pytest.fixture(scope="module")
def lessons():
    return load_lessons(LESSONS / "read")


@pytest.fixture(scope="module")
def preset_names() -> set[str]:
    names = {re.sub(r"^\d+_", "", p.stem) for p in (LESSONS / "presets").glob("*.toml")}
    if not names:
        pytest.skip("lessons/presets/ has no presets yet")
    return names


@pytest.mark.parametrize("mode", list(MODE_FILES))
def test_every_mode_has_at_least_eight_items(bank, mode):
    assert len(bank.items(mode)) >= 8
    assert mode in bank.modes


def test_cheat_sheet_flashcards_and_levels(bank):
    levels = {c.id: c.level for c in bank.flashcards if c.source == "cheat-sheet"}
    assert levels == CHEAT_SHEET_CARDS
    assert len(bank.flashcards) >= 12


def test_cheat_sheet_questions_have_the_same_answers(bank):
    mine = {q.id: q for q in bank.multiple_choice if q.source == "cheat-sheet"}
    assert set(mine) == set(CHEAT_SHEET_MC)
    for qid, is_right in CHEAT_SHEET_MC.items():
        question = mine[qid]
        assert len(question.options) == 4
        assert is_right(question.options[question.answer_index].text), qid


def test_cheat_sheet_explain_prompts(bank):
    mine = {p.id: p for p in bank.explain if p.source == "cheat-sheet"}
    assert set(mine) == set(CHEAT_SHEET_EXPLAIN)
    assert all(len(p.concepts) == 3 for p in mine.values())


def test_ids_mirror_their_source(bank):
    for mode in MODE_FILES:
        for item in bank.items(mode):
            assert item.id.startswith("cs-") == (item.source == "cheat-sheet"), item.id


def test_explain_phrases_can_all_earn_credit(bank):
    for item in bank.explain:
        assert dead_claims(item) == [], item.id


def test_fill_code_answers_pass_their_own_check(bank):
    for item in bank.fill_code:
        for answer in item.answers:
            assert check_fill(item, answer), (item.id, answer)
        assert not check_fill(item, "pass"), item.id


def test_order_items_round_trip(bank):
    for item in bank.order:
        assert check_order(item, list(item.steps)) is None, item.id
        # Other orders may be right too (tests/content/test_order_items.py); reversed is not.
        assert check_order(item, list(item.steps[::-1])) is not None, item.id


def test_predict_presets_exist(bank, preset_names):
    for scenario in bank.predict:
        assert scenario.preset in preset_names, scenario.id


def test_lessons_in_order(lessons):
    assert [lesson.slug for lesson in lessons] == LESSON_ORDER


def test_every_lesson_is_complete(lessons):
    for lesson in lessons:
        assert lesson.title.strip() and lesson.summary.strip(), lesson.slug
        assert "### The maths" in lesson.body, lesson.slug
        assert "<details" not in lesson.body, lesson.slug
        blocks = re.findall(r"```python\n(.*?)```", lesson.body, flags=re.S)
        assert blocks, f"{lesson.slug} needs a ```python block"
        for n, source in enumerate(blocks):
            compile(source, f"{lesson.path}#python-{n}", "exec")


def test_lesson_presets_exist(lessons, preset_names):
    for lesson in lessons:
        assert lesson.preset in preset_names, lesson.slug


def test_cheatsheet_loads():
    text = load_cheatsheet(LESSONS / "cheatsheet.md")
    for needed in ("clip_grad_norm_", "clip_grad_value_", "unscale_", "loss.backward()"):
        assert needed in text


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9_]+", text.lower()))


def _seed_sentences() -> list[str]:
    if not SEED.is_file():
        pytest.skip(f"{SEED} not found: the wording check needs the seed cheat sheet")
    pieces = re.split(r"(?<=[.?!])\s+|\n", SEED.read_text(encoding="utf-8"))
    return [s for s in map(_words, pieces) if len(s.split()) >= 8]


def test_no_cheat_sheet_sentence_is_copied():
    sentences = _seed_sentences()
    assert sentences, "the seed cheat sheet yielded no sentence to check"
    files = [*LESSONS.glob("read/*.md"), *LESSONS.glob("quiz/*.toml"), LESSONS / "cheatsheet.md"]
    for path in files:
        text = _words(path.read_text(encoding="utf-8"))
        for sentence in sentences:
            assert sentence not in text, f"{path.name} copies the cheat sheet: {sentence!r}"
