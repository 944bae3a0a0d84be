"""Broken content files: each error names its file and the fix, and costs only that file.

A teacher edits ``lessons/`` by hand, so a file may be saved as Windows-1252, hold
``config = 5`` or lose a quote. Before issue 8 one such file turned a whole page into a
traceback (and one broken preset removed all five). Here every kind of damage is written into a
copy of the real content, which must still load around it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from gradclip_core import presets as presets_module
from gradclip_core.lessons import ContentError, load_lesson, load_lessons, load_lessons_report
from gradclip_core.presets import (
    PresetError,
    get_preset,
    load_preset_file,
    load_presets,
    load_presets_report,
)
from gradclip_core.quiz import MODE_FILES, load_bank, load_bank_report
from gradclip_core.quiz.bank import _parse_file
from ui.learn import content as learn_content
from ui.learn import predict as learn_predict
from ui.learn.state import new_round

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
GOOD_PRESETS = sorted(p.stem for p in (LESSONS / "presets").glob("*.toml"))
HEALTHY = (LESSONS / "presets" / "healthy.toml").read_text(encoding="utf-8")
CP1252 = 'title = "Réglage"\n'.encode("cp1252")  # "é" is the byte 0xe9: not UTF-8

# (file bytes, what the message must say besides the file name)
BROKEN_PRESETS = {
    "cp1252": (CP1252 + HEALTHY.encode(), "not UTF-8 text (byte 0xe9"),
    "config-5": (HEALTHY.split("[config]")[0].encode() + b"config = 5\n", "is not a table"),
    "config-list": (HEALTHY.replace("[config]", "[[config]]").encode(), "is not a table"),
    "bad-toml": (HEALTHY.replace('title = "Healthy run"', "title = Healthy").encode(), "TOML"),
    "missing": (b'title = "T"\n', "missing description, steps, config"),
    "title-5": (HEALTHY.replace('title = "Healthy run"', "title = 5").encode(), "title must be"),
    "steps-true": (HEALTHY.replace("steps = 300", "steps = true").encode(), "steps = True"),
    "steps-huge": (HEALTHY.replace("steps = 300", "steps = " + "9" * 5000).encode(), "TOML"),
    "steps-4300": (HEALTHY.replace("steps = 300", "steps = " + "9" * 4300).encode(), "999..."),
    "unknown-key": (b"colour = 3\n" + HEALTHY.encode(), "unknown key 'colour'"),
    "nested": (HEALTHY.replace("lr = 0.05", "lr = [[[[1]]]]").encode(), "lr: '[[[[1]]]]'"),
    "autoclip-500": (
        HEALTHY.replace('clip_mode = "norm"', 'clip_mode = "autoclip"')
        .replace("threshold = 2.0", "threshold = 500")
        .encode(),
        "out of range for autoclip (a percentile",
    ),
    "deep": (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "not valid TOML"),
}


def _presets_with(tmp_path: Path, broken: dict[str, bytes]) -> Path:
    folder = tmp_path / "presets"
    shutil.copytree(LESSONS / "presets", folder)
    for name, data in broken.items():
        (folder / f"{name}.toml").write_bytes(data)
    return folder


@pytest.mark.parametrize("name", BROKEN_PRESETS)
def test_a_broken_preset_names_its_file_and_fix_and_the_others_load(tmp_path, name):
    data, fix = BROKEN_PRESETS[name]
    folder = _presets_with(tmp_path, {f"zz-{name}": data})
    presets, errors = load_presets_report(folder)
    assert list(presets) == GOOD_PRESETS
    (error,) = errors
    assert str(error).startswith(f"zz-{name}.toml: ") and fix in str(error), str(error)
    str(error).encode("utf-8")
    with pytest.raises(PresetError, match=f"zz-{name}.toml"):
        load_presets(folder)  # the strict loader still refuses the folder
    with pytest.raises(PresetError, match=f"zz-{name}.toml"):
        get_preset(f"zz-{name}", folder)


def test_every_broken_preset_at_once_costs_only_its_own_file(tmp_path):
    folder = _presets_with(tmp_path, {k: v for k, (v, _) in BROKEN_PRESETS.items()})
    presets, errors = load_presets_report(folder)
    assert list(presets) == GOOD_PRESETS
    assert sorted(str(e).split(":")[0] for e in errors) == sorted(
        f"{k}.toml" for k in BROKEN_PRESETS
    )


def test_a_utf8_file_with_a_bom_loads(tmp_path):
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + HEALTHY.encode())
    assert load_preset_file(tmp_path / "bom.toml").title == "Healthy run"


@pytest.mark.parametrize("name", ["a" * 300, "../quiz/01_flashcards", "x\x00y", "", "-flag"])
def test_a_preset_name_that_is_no_file_name_is_unknown_not_an_os_error(name):
    with pytest.raises(PresetError, match="unknown preset .*; choose one of deep-mlp-nan"):
        get_preset(name)


# --- lessons ------------------------------------------------------------------------------
LESSON = '+++\ntitle = "T"\npreset = "healthy"\nsummary = "S."\n+++\nBody.\n'
BROKEN_LESSONS = {
    "cp1252": (LESSON.replace("Body.", "Très bien.").encode("cp1252"), "not UTF-8 text"),
    "title-5": (LESSON.replace('title = "T"', "title = 5").encode(), 'needs `title = "..."`'),
    "preset-table": (LESSON.replace('preset = "healthy"', "preset = {a = 1}").encode(), "preset"),
    "huge-int": (LESSON.replace('title = "T"', "title = " + "9" * 5000).encode(), "TOML"),
    "no-fence": (b"Just text\n", "must start with a +++ line"),
}


def test_broken_lessons_name_their_files_and_the_rest_load(tmp_path):
    shutil.copytree(LESSONS / "read", tmp_path / "read")
    good = [lesson.slug for lesson in load_lessons(tmp_path / "read")]
    for n, (name, (data, _)) in enumerate(BROKEN_LESSONS.items(), 50):
        (tmp_path / "read" / f"{n}_{name}.md").write_bytes(data)
    lessons, errors = load_lessons_report(tmp_path / "read")
    assert [lesson.slug for lesson in lessons] == good
    assert len(errors) == len(BROKEN_LESSONS)
    for error, (name, (_, fix)) in zip(errors, BROKEN_LESSONS.items(), strict=True):
        assert f"_{name}.md" in str(error) and fix in str(error), str(error)
        assert error.path is not None and error.path.name.endswith(f"_{name}.md")
    with pytest.raises(ContentError, match="_cp1252.md"):
        load_lessons(tmp_path / "read")


# --- quiz banks ---------------------------------------------------------------------------
CARD = '[[card]]\nid = "c1"\nlevel = "beginner"\nfront = "F"\nback = "B"\n'
BROKEN_QUIZ = {
    "cp1252": (CARD.replace('"F"', '"Réponse"').encode("cp1252"), "not UTF-8 text"),
    "card-5": (b"card = 5\n", "holds only [[card]] tables"),
    "card-ints": (b"card = [1, 2]\n", "entry #1 of `card` is 1, not a table"),
    "level-list": (CARD.replace('"beginner"', "[1]").encode(), "`level` must be a non-empty"),
    "huge-int": (CARD.replace('"F"', "9" * 5000).encode(), "TOML syntax error"),
    "bad-toml": (CARD.replace('"F"', '"F').encode(), "TOML syntax error"),
    "missing": (b'[[card]]\nid = "c1"\n', "missing key `level`"),
}


def _bank_with(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "quiz"
    shutil.copytree(LESSONS / "quiz", folder)
    (folder / "01_flashcards.toml").write_bytes(data)
    return folder


@pytest.mark.parametrize("name", BROKEN_QUIZ)
def test_a_broken_quiz_file_costs_only_its_mode(tmp_path, name):
    data, fix = BROKEN_QUIZ[name]
    folder = _bank_with(tmp_path, name, data)
    full = load_bank(LESSONS / "quiz")
    bank, errors = load_bank_report(folder)
    (error,) = errors
    assert "01_flashcards.toml" in str(error) and fix in str(error), str(error)
    assert error.path.name == "01_flashcards.toml"
    assert bank.modes == tuple(m for m in full.modes if m != "flashcards")
    assert bank.predict == full.predict and bank.flashcards == ()
    with pytest.raises(ContentError, match="01_flashcards.toml"):
        load_bank(folder)


def test_a_predict_override_that_is_no_number_is_refused(tmp_path):
    text = (LESSONS / "quiz" / "07_predict.toml").read_text(encoding="utf-8")
    path = tmp_path / "07_predict.toml"
    path.write_text(text.replace('{ clip_mode = "none" }', "{ threshold = inf }", 1))
    with pytest.raises(ContentError, match="override `threshold` = inf is not a finite number"):
        _parse_file(path, "predict")
    path.write_text(text.replace('{ clip_mode = "none" }', "{ lr = " + "9" * 400 + " }", 1))
    with pytest.raises(ContentError, match="override `lr` = a int too large|is not a finite"):
        _parse_file(path, "predict")


# --- random damage to the real files: only the loaders' own errors come out ------------------
def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for where, cut, insert in edits:
        at = where % (len(data) + 1)
        data = data[:at] + insert + data[at + cut :]
    return data


edits = st.lists(
    st.tuples(
        st.integers(0, 10**6),
        st.integers(0, 8),
        st.one_of(
            st.binary(max_size=4),
            st.sampled_from([b"\xe9", b"[[", b"=", b'"', b"\n", b"+++\n", b"5", b"9" * 4400]),
            st.text(max_size=4).map(lambda t: t.encode("utf-8", "surrogatepass")),
        ),
    ),
    min_size=1,
    max_size=4,
)
FILES = {
    "preset": (LESSONS / "presets" / "healthy.toml", "healthy.toml"),
    "lesson": (LESSONS / "read" / "01_what_is_clipping.md", "01_what_is_clipping.md"),
    "quiz": (LESSONS / "quiz" / "07_predict.toml", "07_predict.toml"),
}


def _load(kind: str, path: Path) -> None:
    if kind == "preset":
        load_preset_file(path)
    elif kind == "lesson":
        load_lesson(path)
    else:
        _parse_file(path, "predict")


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(sorted(FILES)), edits)
def test_random_damage_gives_the_loaders_own_error_naming_the_file(kind, changes):
    source, name = FILES[kind]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(_mutate(source.read_bytes(), changes))
        try:
            _load(kind, path)
        except (PresetError, ContentError) as err:
            assert name in str(err)
            str(err).encode("utf-8")


# --- the pages ------------------------------------------------------------------------------
@pytest.fixture
def broken_healthy(tmp_path, monkeypatch) -> Path:
    """The real presets with healthy.toml saved as Windows-1252."""
    folder = _presets_with(tmp_path, {"healthy": CP1252 + HEALTHY.encode()})
    monkeypatch.setattr(presets_module, "PRESET_DIR", folder)
    learn_predict.run_scenario.clear()  # a cached run would hide the broken file
    yield folder
    learn_predict.run_scenario.clear()


def _texts(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")  # Markdown escapes


def test_the_playground_works_with_one_broken_preset(broken_healthy):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["preset"] = "exploding-rnn"
    at.run()
    assert not at.exception, at.exception
    warnings = _texts(at.warning)
    assert "healthy.toml" in warnings and "not UTF-8" in warnings and "save it as UTF-8" in warnings
    options = at.selectbox(key="w_preset").options
    assert len(options) == len(GOOD_PRESETS)  # Custom + the four good presets
    at.selectbox(key="w_preset").set_value("tiny-threshold").run()
    at.button(key="btn_step").click().run()
    assert not at.exception, at.exception


def test_predict_says_which_preset_is_broken_and_the_other_scenarios_run(broken_healthy):
    at = AppTest.from_file(str(ROOT / "app_pages" / "learn.py"), default_timeout=60)
    at.session_state["learn_predict_round"] = new_round(["pr-healthy", "pr-mlp-noclip"])
    at.session_state["learn_mode"] = "predict"
    at.run()
    at.radio(key="learn_predict_choice_pr-healthy").set_value(1).run()
    at.button(key="learn_predict_lock").click().run()
    assert not at.exception, at.exception
    warnings = _texts(at.warning)
    assert "cannot run" in warnings and "lessons/presets/healthy.toml" in warnings
    assert "not UTF-8" in warnings
    at.button(key="learn_predict_next").click().run()
    at.radio(key="learn_predict_choice_pr-mlp-noclip").set_value(0).run()
    at.button(key="learn_predict_lock").click().run()
    assert not at.exception, at.exception
    assert at.metric[0].label.startswith("What happened")
    assert at.session_state["learn_progress"].mode("predict").answered == 1


def test_learn_shows_every_part_around_a_broken_lesson_and_quiz_file(tmp_path, monkeypatch):
    shutil.copytree(LESSONS, tmp_path / "lessons")
    (tmp_path / "lessons" / "quiz" / "01_flashcards.toml").write_bytes(BROKEN_QUIZ["cp1252"][0])
    (tmp_path / "lessons" / "read" / "99_broken.md").write_bytes(BROKEN_LESSONS["cp1252"][0])
    monkeypatch.setattr(learn_content, "LESSONS_DIR", tmp_path / "lessons")
    at = AppTest.from_file(str(ROOT / "app_pages" / "learn.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert "99_broken.md" in _texts(at.warning) and not at.error  # the other lessons show
    assert at.header[0].value
    at.segmented_control(key="learn_mode").set_value("flashcards").run()
    assert "01_flashcards.toml" in _texts(at.error) and "not UTF-8" in _texts(at.error)
    at.segmented_control(key="learn_mode").set_value("multiple_choice").run()
    assert not at.exception and not at.error
    assert "01_flashcards.toml" in _texts(at.warning)
    assert at.button(key="learn_mc_option_0")
    for mode in MODE_FILES:
        at.segmented_control(key="learn_mode").set_value(mode).run()
        assert not at.exception, (mode, at.exception)
