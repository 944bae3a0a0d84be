"""Text from a link, an upload or a typed answer is data, not Markdown (issue 8, section 4).

Injection strings go through every place the app echoes what a user supplied: the link
warnings, the progress upload (its name, its content, the ids it lists to review) and the typed
answers. Each message must show the value literally, cut to a few dozen characters, and once.

Messages are checked with markdown-it (CommonMark) plus what Streamlit's renderer adds on top:
maths, ``:red[...]`` directives, and rules applied to text *after* escapes are resolved (bare
addresses become links, ``:material_x:`` and ``:streamlit:`` become icons, ``:smile:`` emoji),
and ``:material/`` rewritten in the raw source. See ui/safe_text.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from gradclip_core.quiz import load_bank
from ui.learn.state import new_round
from ui.safe_text import LIMIT, clean, literal, quote

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
LEARN = str(ROOT / "app_pages" / "learn.py")
BANK = load_bank(ROOT / "lessons" / "quiz")
MD = MarkdownIt("commonmark")
MAX_MESSAGE = 1_000  # characters of any message that echoes a value, however long the value

BIG = "A" * 60_000
INJECTIONS = [
    "[Teacher says: click here](http://evil.example)",
    "![t](http://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "$x^2$",
    "$$\\int_0^1 x\\,dx$$",
    ":red[x]",
    ":material/warning:",
    ":smile:",
    ":streamlit:",
    "http://evil.example/a_(b)",
    "www.evil.example",
    "`code` and ``more``",
    "x\n# heading",
    "\ud800",
    "a\x00b",
    "**bold** _it_ <b>b</b>",
    "[x]: http://evil.example",
    BIG,
]
IDS = [v[:40] if v is not BIG else "big" for v in INJECTIONS]

# Tokens CommonMark may produce in an echo: paragraphs, our bold words and list, code, text.
ALLOWED_TOKENS = {
    "paragraph_open",
    "paragraph_close",
    "inline",
    "bullet_list_open",
    "bullet_list_close",
    "list_item_open",
    "list_item_close",
    "text",
    "code_inline",
    "softbreak",
    "strong_open",
    "strong_close",
}
# Streamlit finds these in text whose escapes are already resolved: escaping cannot stop them.
TEXT_TRIGGERS = re.compile(r"://|www\.|@|:material|:streamlit:|:[\w+-]+:")
# Outside code spans, these must be escaped (maths, directives, links, HTML, emphasis).
ACTIVE = re.compile(r"[$\[\]<>*_~!`|]")


def browser_text(value: str) -> str:
    """What reaches the server from a URL or a widget: a browser sends UTF-8, so a lone
    surrogate arrives as U+FFFD."""
    return re.sub("[\ud800-\udfff]", "\ufffd", value)


def outside_code(source: str) -> str:
    """``source`` without its code spans and escaped characters (CommonMark's rules)."""
    out, i = [], 0
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == "`":
            n = len(re.match("`+", source[i:]).group())
            close = re.compile(rf"(?<!`)`{{{n}}}(?!`)").search(source, i + n)
            i = close.end() if close else i + n
            continue
        out.append(source[i])
        i += 1
    return "".join(out)


def shown(markdown: str) -> str:
    """The text a reader sees: the rendered HTML without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", MD.render(markdown))).strip()


def assert_literal(markdown: str) -> None:
    """``markdown`` renders no link, image, HTML, maths, heading, directive, icon or emoji."""
    assert ":material/" not in markdown, markdown  # Streamlit rewrites it in the source
    assert not ACTIVE.search(outside_code(markdown)), markdown
    for block in MD.parse(markdown):
        assert block.type in ALLOWED_TOKENS, (block.type, markdown)
        for token in block.children or []:
            assert token.type in ALLOWED_TOKENS, (token.type, markdown)
            if token.type == "text":
                assert not TEXT_TRIGGERS.search(token.content), (token.content, markdown)


def assert_echo(markdown: str, value: str, only_echo: bool = True) -> None:
    """``markdown`` shows ``value`` literally, cut, and once (and, if ``only_echo``, shows
    nothing else that reads the same)."""
    assert_literal(markdown)
    assert len(markdown) <= MAX_MESSAGE, len(markdown)
    assert markdown.count(quote(value)) == 1, markdown
    text = clean(value)[0]
    if only_echo and len(text) >= 5:
        assert shown(markdown).count(text) == 1, (text, shown(markdown))


# --- the quoting itself -----------------------------------------------------------------------
# Any text, surrogates included, or text built from the pieces of Markdown that do harm.
PIECES = "` `` $ : material/ :material/ www. http:// [ ]( ! < \\ _ * a @ . smile streamlit"
values = st.text(st.characters(exclude_categories=[]), max_size=120) | st.lists(
    st.sampled_from([*PIECES.split(), " ", "\n", "\x00", "\ud800"]), max_size=40
).map("".join)


@settings(max_examples=1_500, deadline=None)
@given(values, st.integers(1, 100))
def test_quote_shows_any_text_literally_and_cut(value, limit):
    markdown = quote(value, limit)
    assert len(markdown) <= 3 * limit + 40
    assert_literal(markdown)
    text, cut = clean(value, limit)
    assert len(text) == min(len(value), limit) and cut == len(value) - len(text)
    inline = MD.parseInline(markdown)[0].children
    code = [t.content for t in inline if t.type == "code_inline"]
    plain = [t.content for t in inline if t.type != "code_inline"]
    note = f"… ({cut:,} more characters)" if cut else ""
    if not text:
        assert plain == ["(empty)" + note]
    else:  # the value is all in code, bar the "/" of each ":material/"
        assert "".join(t.content for t in inline) == text + note
        assert len("".join(code)) == len(text) - text.count(":material/")


@settings(max_examples=1_000, deadline=None)
@given(values)
def test_quoted_values_in_sentences_and_engine_messages_stay_literal(value):
    prose = ("Link setting model=", " was ignored: this page allows mlp.")
    once = not any(clean(value)[0] in part for part in prose)
    assert_echo(quote(value).join(prose), value, only_echo=once)
    assert_literal(literal(f"unknown quiz mode {value!r} in the file; known: explain"))
    assert_literal(literal(f"mode 'x': {value!r} and {value[::-1]!r} are not ids"))


def test_quote_takes_any_object():
    assert quote(10**5000) == "`<int>`"  # too long to print: named, not raised
    assert quote(None) == "`None`"
    assert quote("") == "(empty)"


# --- link warnings ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", INJECTIONS, ids=IDS)
def test_link_values_are_shown_literally(value):
    value = browser_text(value)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"model": value, "lr": value, "preset": value, value: "1"})
    at.run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 4, warnings  # preset, model, lr, and the unknown name
    for warning in warnings:
        assert_echo(warning, value)


def test_many_unknown_link_names_are_counted_not_listed():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({f"junk{i}": "1" for i in range(200)})
    at.run()
    assert not at.exception, at.exception
    assert len(at.warning) == 6
    assert "195 more names were ignored" in at.warning[-1].value


# --- the progress upload ----------------------------------------------------------------------
def upload(name: str, content: bytes) -> AppTest:
    at = AppTest.from_file(LEARN, default_timeout=60)
    at.session_state["learn_mode"] = "summary"
    at.run()
    at.file_uploader(key="learn_upload").upload(name, content).run()
    assert not at.exception, at.exception
    return at


def modes(**entries) -> bytes:
    return json.dumps({"version": 1, "modes": entries}).encode()


@pytest.mark.parametrize("value", INJECTIONS, ids=IDS)
def test_upload_name_and_content_are_shown_literally(value):
    # A file name has no NUL (Streamlit refuses one), and the uploader takes .json files only.
    name = browser_text(value).replace("\x00", "") + ".json"
    at = upload(name, modes(**{value: {"answered": 1, "correct": 0, "to_review": []}}))
    (error,) = at.error
    assert_echo(error.value, name, only_echo=False)  # the content quotes the value too
    assert "unknown quiz mode" in error.value and "unchanged" in error.value


@pytest.mark.parametrize("value", INJECTIONS, ids=IDS)
def test_ids_to_review_from_a_file_are_shown_literally(value):
    item_id = value[:200]
    at = upload("p.json", modes(explain={"answered": 1, "correct": 0, "to_review": [item_id]}))
    if at.error:  # the engine may refuse an id no page can encode (a lone surrogate)
        assert value == "\ud800"
        assert_literal(at.error[0].value)
        return
    assert "Loaded your progress" in at.success[0].value
    assert "**Explain in your own words**" in [m.value for m in at.markdown]  # the mode's heading
    # An id no item of the course has is listed as text (not a button), literally.
    (items,) = [m.value for m in at.markdown if "(not in the course now)" in m.value]
    assert_literal(items)
    assert items.count(quote(item_id)) == 1


def test_a_long_review_list_is_cut():
    ids = [f"id{i}" for i in range(5_000)]
    at = upload("p.json", modes(explain={"answered": 5_000, "correct": 0, "to_review": ids}))
    (review,) = [m.value for m in at.markdown if "(not in the course now)" in m.value]
    lines = review.split("\n")
    assert len(lines) == 51 and all(line.startswith("- ") for line in lines)
    assert lines[-1] == "- …and 4,950 more"


# --- typed answers ----------------------------------------------------------------------------
def open_mode(mode: str, item_id: str) -> AppTest:
    at = AppTest.from_file(LEARN, default_timeout=60)
    at.session_state[f"learn_{mode}_round"] = new_round([item_id])
    at.session_state["learn_mode"] = mode
    at.run()
    assert not at.exception, at.exception
    return at


def echoes(at: AppTest, text: str) -> list[str]:
    """Every element other than the input boxes that shows ``text``."""
    found = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "code"):
        found += [e.value for e in at.get(kind) if text in str(e.value)]
    return found


@pytest.mark.parametrize("value", INJECTIONS, ids=IDS)
def test_typed_answers_are_graded_not_echoed(value):
    value = browser_text(value)
    explain, fill = BANK.explain[0], BANK.fill_code[0]
    at = open_mode("explain", explain.id)
    at.text_area(key=f"learn_explain_text_{explain.id}").input(value).run()
    at.button(key="learn_explain_check").click().run()
    assert not at.exception, at.exception
    assert not echoes(at, value[:LIMIT]) or len(value.strip()) < 5
    at = open_mode("fill_code", fill.id)
    at.text_input(key=f"learn_fill_text_{fill.id}").input(value).run()
    at.button(key="learn_fill_check").click().run()
    assert not at.exception, at.exception
    assert not echoes(at, value[:LIMIT]) or len(value.strip()) < 5


@pytest.mark.parametrize("extra", [1, 60_000])
def test_an_explanation_over_the_limit_is_cut_graded_and_said(extra):
    item = BANK.explain[0]
    answer = (item.model_answer + " ") * 40
    answer = (answer * (1 + 2_000 // len(answer)))[:2_000] + "x" * extra
    at = open_mode("explain", item.id)
    at.text_area(key=f"learn_explain_text_{item.id}").input(answer).run()
    at.button(key="learn_explain_check").click().run()
    assert not at.exception, at.exception
    notice = " ".join(i.value for i in at.info)
    assert f"cut to the first 2,000 characters (it had {2_000 + extra:,})" in notice
    assert "Write a few sentences" not in notice
    assert at.text_area(key=f"learn_explain_text_{item.id}").value == answer[:2_000]
    assert at.session_state["learn_progress"].mode("explain").answered == 1
    total = len(item.concepts)
    assert f"You got {total}/{total} concepts" in " ".join(s.value for s in at.success)


def test_a_fill_in_answer_over_the_limit_is_cut_and_checked():
    item = BANK.fill_code[0]
    at = open_mode("fill_code", item.id)
    at.text_input(key=f"learn_fill_text_{item.id}").input(item.answers[0] + " " * 400).run()
    at.button(key="learn_fill_check").click().run()
    assert not at.exception, at.exception
    assert "cut to the first 300 characters" in " ".join(i.value for i in at.info)
    assert "Right" in " ".join(s.value for s in at.success)
