"""Where a learner stands: quiz scores saved as small JSON (a flashcard session: :mod:`.deck`).

Pure Python. ``progress_to_json`` / ``progress_from_json`` let the app offer a download and an
upload of the learner's scores, and keep them in the database under the learner's key; the
file format is versioned so old files are recognised. Version 2 adds, both optional, the
flashcards' FSRS ``"schedule"`` (:mod:`.schedule`) and the learner's ``"place"`` in each mode
(:func:`read_progress`); a version 1 file (scores only) still loads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from gradclip_core.quiz.items import LEVELS, MODE_FILES
from gradclip_core.quiz.schedule import Schedule, ScheduleError

MODES = tuple(MODE_FILES)  # quiz modes, in the order of lessons/quiz/
PROGRESS_VERSION = 2  # bump when the JSON layout changes
READABLE_VERSIONS = (1, 2)  # 1: scores only; 2: optional "schedule" and "place"
MAX_PROGRESS_BYTES = 100_000  # a real progress file is a few KB; refuse anything bigger
MAX_ID_CHARS = 200
MAX_COUNT = 1_000_000  # answers per mode: far beyond any real learner, small enough to show
_KEYS = {"answered", "correct", "to_review"}  # of a mode in the file; "overridden" is optional
_TOP = {"version", "modes"}  # of the file; version 2 may add "schedule" and "place"
MAX_PLACE_IDS = 1_000  # item ids in one saved round
_NAME = re.compile(r"[a-z_]{1,40}")  # a page mode's name, e.g. "flashcards"


class ProgressError(ValueError):
    """A saved progress file cannot be read; the message says what is wrong and what to do."""


@dataclass
class ModeProgress:
    """Scores for one quiz mode."""

    answered: int = 0  # answers given, repeats included
    correct: int = 0  # of which right
    to_review: list[str] = field(default_factory=list)  # ids last answered wrong, oldest first
    overridden: list[str] = field(default_factory=list)  # ids graded wrong the learner marked right


@dataclass
class Progress:
    """Scores per quiz mode (keys from ``MODES``) and the flashcards' FSRS schedule.

    Example::

        p = Progress()
        p.record("multiple_choice", "cs-mc-when", correct=False)
        text = progress_to_json(p)
        assert progress_from_json(text) == p
    """

    modes: dict[str, ModeProgress] = field(default_factory=dict)
    schedule: Schedule = field(default_factory=Schedule)

    @property
    def practised(self) -> bool:
        """Whether there is anything to keep: an answer, an override or a studied card."""
        return bool(self.schedule) or any(
            m.answered or m.to_review or m.overridden for m in self.modes.values()
        )

    def mode(self, name: str) -> ModeProgress:
        """The scores of one mode, created empty on first use.

        Raises:
            ValueError: ``name`` is not a quiz mode.
        """
        if name not in MODES:
            raise ValueError(f"unknown quiz mode {name!r}; known: {', '.join(MODES)}")
        return self.modes.setdefault(name, ModeProgress())

    def record(self, mode: str, item_id: str, correct: bool) -> None:
        """Count one answer; a wrong one puts the item on the review list, a right one takes
        it off.

        Args:
            mode: the quiz mode, one of ``MODES``.
            item_id: the id of the item answered.
            correct: whether the answer was right.
        """
        scores = self.mode(mode)
        scores.answered += 1
        if item_id in scores.to_review:
            scores.to_review.remove(item_id)
        if correct:
            scores.correct += 1
        else:
            scores.to_review.append(item_id)

    def override(self, mode: str, item_id: str) -> None:
        """Mark an answer graded wrong as right on the learner's word ("I was right", as
        Quizlet allows): it leaves the review list and is kept in ``overridden``, apart from
        ``correct``, so a summary can count such answers on their own.

        Args:
            mode: the quiz mode, one of ``MODES``.
            item_id: the id of the item whose grade the learner disputes.
        """
        scores = self.mode(mode)
        if item_id in scores.to_review:
            scores.to_review.remove(item_id)
        if item_id not in scores.overridden:
            scores.overridden.append(item_id)


def progress_to_json(progress: Progress, place: dict | None = None) -> str:
    """Serialise progress to a small JSON text with ``"version": 2``.

    Args:
        progress: the scores and the flashcard schedule to save.
        place: where the learner is in each mode (see :func:`read_progress`), if wanted.

    Returns:
        JSON text that :func:`progress_from_json` reads back to an equal ``Progress``.
    """
    modes = {
        name: {"answered": m.answered, "correct": m.correct, "to_review": list(m.to_review)}
        | ({"overridden": list(m.overridden)} if m.overridden else {})
        for name, m in sorted(progress.modes.items(), key=lambda kv: MODES.index(kv[0]))
    }
    doc: dict = {"version": PROGRESS_VERSION, "modes": modes}
    if progress.schedule:
        doc["schedule"] = progress.schedule.to_dict()
    if place:
        doc["place"] = place
    return json.dumps(doc, ensure_ascii=False)


def progress_from_json(text: str) -> Progress:
    """Read progress saved by :func:`progress_to_json` (the place, if any, is checked and
    left out: see :func:`read_progress`).

    Args:
        text: the JSON text, e.g. from an uploaded file.

    Returns:
        The saved :class:`Progress`.

    Raises:
        ProgressError: the text is not JSON, too large, another version, or has wrong fields.
    """
    return read_progress(text)[0]


def read_progress(text: str) -> tuple[Progress, dict]:
    """Read progress and the learner's place, as saved by ``progress_to_json(p, place)``.

    The place is ``{"mode": name, "read": lesson index, "levels": [flashcard levels],
    "rounds": {quiz mode: {"ids": [...], "pos": n, "results": {id: bool}, "number": n}}}``,
    every key optional.

    Returns:
        ``(progress, place)``; ``place`` is ``{}`` when the text has none.

    Raises:
        ProgressError: the text is not JSON, too large, another version, or has wrong fields.
    """
    if not isinstance(text, str):
        raise ProgressError(f"expected the text of a progress file, got {type(text).__name__}")
    if len(text.encode("utf-8", errors="replace")) > MAX_PROGRESS_BYTES:
        raise ProgressError(
            f"the file is larger than {MAX_PROGRESS_BYTES // 1000} KB, so it is not a progress "
            "file saved by this app; choose the .json file you downloaded"
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:80]
        raise ProgressError(
            f"the file is not valid JSON ({why}); choose the .json file you downloaded from "
            "the quiz page"
        ) from None
    if not isinstance(data, dict) or not _TOP <= set(data) <= _TOP | {"schedule", "place"}:
        raise ProgressError(
            'a progress file is a JSON object with the keys "version" and "modes" (and, from '
            'version 2, optionally "schedule" and "place")'
        )
    version = data["version"]
    if (
        version not in READABLE_VERSIONS
        or isinstance(version, bool)
        or not isinstance(version, int)
    ):
        raise ProgressError(
            f"progress file version {_shown(version)} is not supported; this app reads "
            f"versions {READABLE_VERSIONS[0]} to {READABLE_VERSIONS[-1]}. Start afresh, or "
            "save your progress again with this app"
        )
    if version == 1 and set(data) != _TOP:
        raise ProgressError('a version 1 progress file has exactly the keys "version" and "modes"')
    if not isinstance(data["modes"], dict):
        raise ProgressError('"modes" must be an object with one entry per quiz mode')
    modes = {name: _mode_from(name, raw) for name, raw in data["modes"].items()}
    try:
        schedule = Schedule.from_dict(data.get("schedule", {}))
    except ScheduleError as err:
        raise ProgressError(str(err)) from None
    if not all(_is_id(i) for i in schedule.cards):
        raise ProgressError(
            f'"schedule" must be keyed by item ids (strings of 1 to {MAX_ID_CHARS} characters, '
            "valid Unicode)"
        )
    return Progress(modes, schedule), _place_from(data.get("place", {}))


def _place_from(raw: object) -> dict:
    """The learner's place, checked: every part the page reads is the right type and size."""
    keys = {"mode", "read", "levels", "rounds"}
    if not isinstance(raw, dict) or not set(raw) <= keys:
        raise ProgressError(f'"place" must be an object with some of the keys {sorted(keys)}')
    if "mode" in raw and not (isinstance(raw["mode"], str) and _NAME.fullmatch(raw["mode"])):
        raise ProgressError('"place": "mode" must be the name of a mode, e.g. "flashcards"')
    if "read" in raw and not _count(raw["read"], 10_000):
        raise ProgressError('"place": "read" must be a lesson number from 0 to 10000')
    levels = raw.get("levels", [])
    if not isinstance(levels, list) or not all(level in LEVELS for level in levels):
        raise ProgressError(f'"place": "levels" must be a list of levels from {list(LEVELS)}')
    rounds = raw.get("rounds", {})
    if not isinstance(rounds, dict):
        raise ProgressError('"place": "rounds" must be an object with one entry per quiz mode')
    for mode, r in rounds.items():
        _check_round(mode, r)
    return raw


def _check_round(mode: str, r: object) -> None:
    where = f'"place": round of {mode[:40]!r}'
    if mode not in MODES:
        raise ProgressError(f"{where}: unknown quiz mode; known: {', '.join(MODES)}")
    if not isinstance(r, dict) or set(r) != {"ids", "pos", "results", "number"}:
        raise ProgressError(f'{where} must have the keys "ids", "pos", "results" and "number"')
    ids, results = r["ids"], r["results"]
    if (
        not isinstance(ids, list)
        or len(ids) > MAX_PLACE_IDS
        or not all(_is_id(i) for i in ids)
        or len(set(ids)) != len(ids)
    ):
        raise ProgressError(f'{where}: "ids" must be a list of distinct item ids')
    if not _count(r["pos"], len(ids)) or not _count(r["number"], MAX_COUNT):
        raise ProgressError(f'{where}: "pos" and "number" must be whole numbers in range')
    if (
        not isinstance(results, dict)
        or not set(results) <= set(ids)
        or not all(isinstance(v, bool) for v in results.values())
    ):
        raise ProgressError(f'{where}: "results" must map ids of the round to true or false')


def _count(value: object, high: int) -> bool:
    """A whole number from 0 to ``high`` (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high


def _mode_from(name: str, raw: object) -> ModeProgress:
    if name not in MODES:
        raise ProgressError(
            f"unknown quiz mode {name[:40]!r} in the file; known: {', '.join(MODES)}"
        )
    if not isinstance(raw, dict) or not _KEYS <= set(raw) <= _KEYS | {"overridden"}:
        raise ProgressError(
            f'mode {name!r} must be an object with the keys "answered", "correct", "to_review" '
            'and, optionally, "overridden"'
        )
    counts = [raw["answered"], raw["correct"]]
    for key, count in zip(("answered", "correct"), counts, strict=True):
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
            raise ProgressError(
                f'mode {name!r}: "answered" and "correct" must be whole numbers from 0 to '
                f'{MAX_COUNT} (e.g. 12), but "{key}" is {_shown(count)}; choose the .json file '
                "you saved with Download progress"
            )
    if counts[1] > counts[0]:
        raise ProgressError(f'mode {name!r}: "correct" ({counts[1]}) exceeds "answered"')
    review = raw["to_review"]
    if not isinstance(review, list) or not all(_is_id(i) for i in review):
        raise ProgressError(
            f'mode {name!r}: "to_review" must be a list of item ids (strings of 1 to '
            f'{MAX_ID_CHARS} characters, valid Unicode), e.g. ["mc-when"]'
        )
    overridden = raw.get("overridden", [])
    if not isinstance(overridden, list) or not all(_is_id(i) for i in overridden):
        raise ProgressError(
            f'mode {name!r}: "overridden" must be a list of item ids (strings of 1 to '
            f'{MAX_ID_CHARS} characters, valid Unicode), e.g. ["ex-amp"]'
        )
    overridden = list(dict.fromkeys(overridden))
    if counts[1] + len(overridden) > counts[0]:
        raise ProgressError(
            f'mode {name!r}: "correct" ({counts[1]}) plus the answers in "overridden" '
            f'({len(overridden)}) exceed "answered" ({counts[0]})'
        )
    return ModeProgress(counts[0], counts[1], list(dict.fromkeys(review)), overridden)


def _is_id(value: object) -> bool:
    """A string that could be an item id: 1 to MAX_ID_CHARS characters, no lone surrogates.

    A lone surrogate (JSON allows ``"\\ud800"``) cannot be encoded as UTF-8, so no page
    could show it.
    """
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: object) -> str:
    """A short, printable description of a JSON value for a message (never the value itself
    when it is huge: a 4,300-digit number cannot even be turned into text)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else "a number far too large"
    if isinstance(value, float):
        return repr(value)
    return f"a {type(value).__name__}"
