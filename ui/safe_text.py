"""Text from a user (a link, an uploaded file, a typed answer) shown literally in Markdown.

Every Streamlit message (``st.warning``, ``st.error``, ``st.toast``, ``st.markdown``) is
Markdown with extras: links and images, raw HTML (shown as text), ``$`` maths, ``:red[...]``
directives, ``:material/...:`` icons, ``:smile:`` emoji, and bare ``www.x.y`` or ``http://``
addresses that become links. Backslash escapes are not enough: Streamlit turns bare addresses,
``:streamlit:`` and ``:material_...:`` into links and icons *after* parsing, in text where the
escapes are already gone, and it rewrites ``:material/`` in the raw source, escaped or not.

So a value goes in an inline code span, the one construct none of that touches. Code spans
are fenced with more backticks than the value holds; the source's ``:material/`` rewrite is
kept out by closing the span before the ``/``. A value is cut to a few dozen characters.

Pure functions, no ``st.*`` calls, total on any ``str``.
"""

from __future__ import annotations

import re

LIMIT = 80  # characters of a value echoed in a message
PROSE_LIMIT = 300  # characters of an engine message that quotes a value

# Line breaks become spaces; other control characters, lone surrogates and bidirectional
# overrides (which can make text read backwards) become U+FFFD.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]")
_CONTROLS = re.compile(
    r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff]"
)
_TICKS = re.compile(r"`+")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_ICON = ":material/"  # Streamlit replaces this in the raw source, even inside code
# A Python repr of a string, closed or cut off at the end: where engine messages quote values.
_REPR = re.compile(r"""'(?:[^'\\]|\\.)*(?:'|\\?$)|"(?:[^"\\]|\\.)*(?:"|\\?$)""", re.DOTALL)


def clean(value: object, limit: int = LIMIT) -> tuple[str, int]:
    """``value`` as one line of at most ``limit`` printable characters.

    Returns:
        The text and how many characters were cut from its end.
    """
    text = _text(value)
    cut = max(0, len(text) - limit)
    text = _BREAKS.sub(" ", text[:limit])
    return _CONTROLS.sub("\ufffd", text), cut


def quote(value: object, limit: int = LIMIT) -> str:
    """``value`` as Markdown that Streamlit shows literally, in code style.

    Args:
        value: what the user supplied (other objects are shown as ``str(value)``).
        limit: characters kept; the rest is counted, not shown.

    Returns:
        Inline code spans (with a note of what was cut), or ``(empty)`` for an empty value.
    """
    text, cut = clean(value, limit)
    chunks = text.split(_ICON)
    spans = []
    for i, chunk in enumerate(chunks):
        if i < len(chunks) - 1:  # close the span before the "/" of ":material/"
            spans += [_code(chunk + _ICON[:-1]), "\\/"]
        elif chunk:
            spans.append(_code(chunk))
    shown = "".join(spans) or "(empty)"
    return f"{shown}… ({cut:,} more characters)" if cut else shown


def escape(text: str) -> str:
    """Our own prose with every ASCII punctuation character backslash-escaped.

    Only for text that holds no user value: escapes do not stop bare addresses or icons.
    """
    return _PUNCTUATION.sub(r"\\\1", clean(text, len(text))[0])


def literal(message: object, limit: int = PROSE_LIMIT) -> str:
    """An engine message (an error) whose values are quoted as Python reprs, as Markdown.

    The message is cut to ``limit`` characters; its reprs (``'...'`` or ``"..."``, a cut one
    included) go through :func:`quote` and the words around them are escaped.
    """
    text = _text(message)
    text, more = text[:limit], "…" if len(text) > limit else ""
    out, last = [], 0
    for match in _REPR.finditer(text):
        out += [escape(text[last : match.start()]), quote(match.group())]
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out) + more


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # e.g. an int too long to print
        return f"<{type(value).__name__}>"


def _code(text: str) -> str:
    """One inline code span: a fence longer than any run of backticks inside, padded with a
    space where CommonMark would otherwise eat the value's own edge (a backtick or space)."""
    fence = "`" * (1 + max((len(m) for m in _TICKS.findall(text)), default=0))
    pad = text[:1] == "`" or text[-1:] == "`" or (text[:1] == text[-1:] == " " and text.strip())
    space = " " if pad else ""
    return f"{fence}{space}{text}{space}{fence}"
