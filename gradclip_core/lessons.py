"""Lessons: the Markdown pages in ``lessons/read/`` and the printable cheat sheet.

Each lesson is ``lessons/read/NN_slug.md``: TOML front matter between two ``+++`` lines, then
the Markdown body::

    +++
    title = "What gradient clipping is"
    preset = "healthy"        # the playground preset that "See it live" opens
    summary = "One sentence."
    +++
    The body...

Pure Python: lessons are read, never imported. The helpers shared with the quiz loader
(``ContentError``, ``parse_toml``, ``sorted_prefixed``) live here, and
:mod:`gradclip_core.quiz` re-exports them.
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
    """A lesson or quiz file is malformed; the message names the file, the entry and the fix."""


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
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(
            f"{where}: TOML syntax error: {exc}. Fix that line: strings need matching quotes, "
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
    front, body = _split_front_matter(path.read_text(encoding="utf-8"), where)
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
    folder = Path(folder)
    if not folder.is_dir():
        raise ContentError(f"{folder}: lesson folder not found; create it with NN_slug.md files")
    lessons = [load_lesson(path) for path, _ in sorted_prefixed(folder, ".md")]
    slugs = [lesson.slug for lesson in lessons]
    for lesson in lessons:
        if slugs.count(lesson.slug) > 1:
            raise ContentError(f"{lesson.path}: slug {lesson.slug!r} is used twice; rename one")
    return lessons


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
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise ContentError(f"{path}: the cheat sheet is empty; write its essentials")
    return text
