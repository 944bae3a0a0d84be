"""Lessons: the Markdown pages in ``lessons/read/`` and the printable cheat sheet.

Each lesson is ``lessons/read/NN_slug.md``: TOML front matter between two ``+++`` lines, then
the Markdown body::

    +++
    title = "What gradient clipping is"
    preset = "healthy"        # the playground preset that "See it live" opens
    summary = "One sentence."
    +++
    The body...

Pure Python: lessons are read, never imported. The helpers shared with the quiz and preset
loaders (``ContentError``, ``read_utf8``, ``parse_toml``, ``shown``, ``sorted_prefixed``) live
here, and :mod:`gradclip_core.quiz` re-exports them. A broken file costs only itself:
:func:`load_lessons_report` returns the good lessons and one error per broken file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

FRONT_MATTER_KEYS = ("title", "preset", "summary")
_FENCE = "+++"
_PREFIXED = re.compile(r"^(\d+)_(.+)$")


class ContentError(ValueError):
    """A lesson or quiz file is malformed; the message names the file, the entry and the fix.

    Attributes:
        path: the file at fault, when known (so a page can tell which part it cost).
    """

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.path = path


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters.

    Safe for any parsed value: the repr of an int of more than 4,300 digits raises, and a
    lone surrogate comes out escaped, so the message can always be shown on a page.
    """
    try:
        text = repr(value)
    except ValueError:
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_utf8(path: Path, where: str) -> str:
    """The text of a content file (UTF-8, a leading BOM allowed).

    Raises:
        ContentError: the file is not UTF-8 (e.g. saved as Windows-1252) or cannot be read;
            the message starts with ``where`` and says how to fix it.
    """
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        byte = err.object[err.start : err.start + 1].hex()
        raise ContentError(
            f"{where}: not UTF-8 text (byte 0x{byte} at position {err.start}, e.g. an accented "
            "letter saved as Windows-1252); open the file in an editor and save it as UTF-8",
            Path(path),
        ) from None
    except OSError as err:
        raise ContentError(
            f"{where}: cannot be read ({err.strerror or err}); check that it is a readable file",
            Path(path),
        ) from None


def sorted_prefixed(folder: Path, suffix: str) -> list[tuple[Path, str]]:
    """Files named ``NN_name<suffix>`` in ``folder``, ordered by NN, with their ``name``."""
    found = []
    for path in Path(folder).glob(f"*{suffix}"):
        match = _PREFIXED.match(path.name[: -len(suffix)])
        if match and path.is_file():
            found.append((int(match.group(1)), match.group(2), path))
    return [(path, name) for _, name, path in sorted(found, key=lambda t: (t[0], t[1]))]


def parse_toml(text: str, where: str) -> dict:
    """Parse TOML text, turning syntax errors into a ContentError that names the file and line."""
    try:
        return tomllib.loads(text)
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError, or an int of 4,300+ digits
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
        raise ContentError(
            f"{where}: TOML syntax error: {why}. Fix that line: strings need matching quotes, "
            "arrays of tables are written [[name]], and keys are written key = value"
        ) from None


@dataclass(frozen=True)
class Lesson:
    slug: str  # the file name without its NN_ prefix and .md, e.g. "what_is_clipping"
    title: str
    preset: str  # a preset name from lessons/presets/
    summary: str  # one sentence
    body: str  # Markdown
    path: Path

    def __repr__(self) -> str:
        return f"Lesson({self.slug!r}: {self.title})"


def _split_front_matter(text: str, where: str) -> tuple[str, str]:
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        raise ContentError(
            f"{where}: the file must start with a {_FENCE} line, then title, preset and "
            f"summary, then another {_FENCE} line; add the front matter at the top"
        )
    for end in range(1, len(lines)):
        if lines[end].strip() == _FENCE:
            return "".join(lines[1:end]), "".join(lines[end + 1 :])
    raise ContentError(f"{where}: the front matter is not closed; add a {_FENCE} line after it")


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate one lesson file.

    Args:
        path: a ``NN_slug.md`` file.

    Returns:
        The :class:`Lesson`.

    Raises:
        ContentError: naming the file and what to fix.
    """
    path = Path(path)
    where = str(path)
    front, body = _split_front_matter(read_utf8(path, where), where)
    meta = parse_toml(front, f"{where} (front matter)")
    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            allowed = ", ".join(FRONT_MATTER_KEYS)
            raise ContentError(f"{where}: unknown front matter key `{key}`; allowed: {allowed}")
    for key in FRONT_MATTER_KEYS:
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f'{where}: front matter needs `{key} = "..."` (a non-empty string)')
    if not body.strip():
        raise ContentError(f"{where}: the lesson has no body; write it after the closing +++")
    slug = path.stem.split("_", 1)[1] if "_" in path.stem else path.stem
    return Lesson(slug, meta["title"], meta["preset"], meta["summary"], body.strip() + "\n", path)


def load_lessons(folder: str | Path) -> list[Lesson]:
    """Every ``NN_slug.md`` lesson in ``folder``, ordered by its ``NN_`` prefix.

    Args:
        folder: normally ``lessons/read``.

    Returns:
        The lessons, in reading order.

    Raises:
        ContentError: the folder is missing, a file is malformed, or two slugs collide.
    """
    lessons, errors = load_lessons_report(folder)
    if errors:
        raise errors[0]
    return lessons


def load_lessons_report(folder: str | Path) -> tuple[list[Lesson], list[ContentError]]:
    """Every good lesson in ``folder``, and one error per file that could not be used.

    A broken file costs only its own lesson, so a page can show the rest and say which file
    to fix.

    Args:
        folder: normally ``lessons/read``.

    Returns:
        ``(lessons, errors)``: the lessons in reading order; each error names its file (also in
        its ``path``) and the fix. A missing folder is one error and no lessons.
    """
    folder = Path(folder)
    if not folder.is_dir():
        missing = f"{folder}: lesson folder not found; create it with NN_slug.md files"
        return [], [ContentError(missing, folder)]
    lessons: list[Lesson] = []
    errors: list[ContentError] = []
    for path, _ in sorted_prefixed(folder, ".md"):
        try:
            lesson = load_lesson(path)
        except ContentError as err:
            err.path = path
            errors.append(err)
            continue
        if any(other.slug == lesson.slug for other in lessons):
            twice = f"{path}: slug {lesson.slug!r} is used twice; rename one"
            errors.append(ContentError(twice, path))
            continue
        lessons.append(lesson)
    return lessons, errors


def load_cheatsheet(path: str | Path) -> str:
    """The printable cheat sheet's Markdown.

    Args:
        path: normally ``lessons/cheatsheet.md``.

    Returns:
        Its text.

    Raises:
        ContentError: the file is missing or empty.
    """
    path = Path(path)
    if not path.is_file():
        raise ContentError(f"{path}: cheat sheet not found; create it (Markdown, one page)")
    text = read_utf8(path, str(path))
    if not text.strip():
        raise ContentError(f"{path}: the cheat sheet is empty; write its essentials")
    return text
