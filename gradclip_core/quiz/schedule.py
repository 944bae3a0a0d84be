"""When each flashcard comes back: spaced repetition with FSRS, kept in the saved progress.

The learner rates a card Again, Hard, Good or Easy; the FSRS scheduler (the ``fsrs`` package,
the algorithm Anki uses) turns the rating into the card's next due time. New cards go through
short learning steps (1 and 10 minutes), then come back after days, then weeks. Which card
comes next: the cards due now, earliest first; then new cards; then, once nothing else is
left, cards due within :data:`LEARN_AHEAD` (as Anki's learn-ahead limit).

Every function takes the time as ``now`` (timezone-aware), so the schedule is deterministic:
a test fixes the clock by passing it, and no global is patched. Fuzzing is off for the same
reason: ``fsrs`` draws its fuzz from Python's process-wide ``random``.

Example::

    schedule = Schedule()
    now = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
    card = schedule.rate("fc-norm", "good", now)      # due at now + 10 minutes
    in_words(card.due - now)                          # "in 10 minutes"
    schedule.queue(["fc-norm", "fc-value"], now)      # ["fc-value"]: the new card first
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

RATINGS = ("again", "hard", "good", "easy")  # in FSRS order: keys 1-4 on the page
LEARN_AHEAD = timedelta(minutes=20)  # with nothing due and nothing new, show what is due soon
MAX_CARDS = 5_000  # cards in a saved schedule: a bank holds tens
MAX_STABILITY = 1e6  # days; FSRS caps intervals at 36,500 days
_FIELDS = {"state", "step", "stability", "difficulty", "due", "last_review"}
_SCHEDULER = Scheduler(enable_fuzzing=False)  # stateless: one for every session


class ScheduleError(ValueError):
    """A saved schedule cannot be read; the message says which card and what is wrong."""


def rating_of(name: str | Rating) -> Rating:
    """``"again"``…``"easy"`` (or a :class:`fsrs.Rating`) as a :class:`fsrs.Rating`.

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(name, Rating):
        return name
    if name not in RATINGS:
        raise ValueError(f"unknown rating {name!r}; use one of {', '.join(RATINGS)}")
    return Rating(RATINGS.index(name) + 1)


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware, e.g. datetime.now(timezone.utc)")
    return now.astimezone(UTC)


@dataclass
class Schedule:
    """Each studied flashcard's FSRS state, by item id (a card never rated is *new*).

    Args:
        cards: ``{item id: fsrs.Card}``.
    """

    cards: dict[str, Card] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Schedule({len(self.cards)} cards)"

    def __len__(self) -> int:
        return len(self.cards)

    def rate(self, item_id: str, rating: str | Rating, now: datetime) -> Card:
        """Review a card: the FSRS scheduler moves its due time by the rating.

        Args:
            item_id: the flashcard's id.
            rating: ``"again"``, ``"hard"``, ``"good"`` or ``"easy"``.
            now: the time of the review (timezone-aware).

        Returns:
            The card after the review; ``card.due`` is when it comes back.
        """
        card = self.cards.get(item_id) or Card(card_id=0, due=_utc(now))
        card, _ = _SCHEDULER.review_card(card, rating_of(rating), _utc(now))
        self.cards[item_id] = card
        return card

    def preview(self, item_id: str, now: datetime) -> dict[str, timedelta]:
        """How long until the card comes back, for each rating (what the buttons promise)."""
        now = _utc(now)
        card = self.cards.get(item_id) or Card(card_id=0, due=now)
        return {
            name: _SCHEDULER.review_card(card, rating_of(name), now)[0].due - now
            for name in RATINGS
        }

    def due(self, item_id: str) -> datetime | None:
        """When the card is due, or ``None`` for a new card."""
        card = self.cards.get(item_id)
        return None if card is None else card.due

    def queue(self, ids: Iterable[str], now: datetime, ahead: timedelta = LEARN_AHEAD) -> list[str]:
        """The cards to study now, in order.

        Due cards first (earliest due first), then new cards (in the order of ``ids``); only
        when there are neither, the cards due within ``ahead`` (earliest first).

        Args:
            ids: the flashcards in play (e.g. those of the chosen levels), in deck order.
            now: the time (timezone-aware).
            ahead: how far ahead to look once nothing is due and nothing is new.
        """
        now = _utc(now)
        ids = list(dict.fromkeys(ids))
        rank = {item_id: i for i, item_id in enumerate(ids)}
        known = sorted((i for i in ids if i in self.cards), key=lambda i: (self.due(i), rank[i]))
        due = [i for i in known if self.due(i) <= now]
        new = [i for i in ids if i not in self.cards]
        if due or new:
            return due + new
        return [i for i in known if self.due(i) <= now + ahead]

    def next_due(self, ids: Iterable[str]) -> datetime | None:
        """The earliest due time among the studied cards of ``ids``, or ``None``."""
        times = [self.cards[i].due for i in ids if i in self.cards]
        return min(times) if times else None

    def counts(self, ids: Iterable[str], now: datetime) -> tuple[int, int, int]:
        """``(due, new, later)``: cards due now, never studied, and due later."""
        now = _utc(now)
        ids = list(dict.fromkeys(ids))
        due = sum(1 for i in ids if i in self.cards and self.cards[i].due <= now)
        new = sum(1 for i in ids if i not in self.cards)
        return due, new, len(ids) - due - new

    def to_dict(self) -> dict[str, dict]:
        """The schedule as JSON-ready data: ``{id: {state, step, stability, difficulty, due,
        last_review}}`` with times in ISO 8601 (UTC)."""
        return {item_id: _card_to(card) for item_id, card in self.cards.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Schedule:
        """Read :meth:`to_dict`'s data back, checking every field.

        Raises:
            ScheduleError: not an object of cards, or a card with a missing or bad field.
        """
        if not isinstance(data, Mapping):
            raise ScheduleError('"schedule" must be an object with one entry per flashcard id')
        if len(data) > MAX_CARDS:
            raise ScheduleError(f'"schedule" holds more than {MAX_CARDS:,} cards')
        return cls({str(item_id): _card_from(str(item_id), raw) for item_id, raw in data.items()})


def _card_to(card: Card) -> dict:
    return {
        "state": int(card.state.value),
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due.isoformat(),
        "last_review": card.last_review.isoformat() if card.last_review else None,
    }


def _card_from(item_id: str, raw: object) -> Card:
    where = f'flashcard {item_id[:40]!r} in "schedule"'
    if not isinstance(raw, Mapping) or set(raw) != _FIELDS:
        raise ScheduleError(f"{where} must be an object with the keys {', '.join(sorted(_FIELDS))}")
    state = raw["state"]
    if isinstance(state, bool) or state not in (1, 2, 3):
        raise ScheduleError(f'{where}: "state" must be 1 (learning), 2 (review) or 3 (relearning)')
    state = State(state)
    step = raw["step"]
    if state == State.Review:
        if step is not None:
            raise ScheduleError(f'{where}: a card in review has "step": null')
    elif isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= 100:
        raise ScheduleError(f'{where}: "step" must be a whole number from 0 to 100')
    stability, difficulty = raw["stability"], raw["difficulty"]
    if (stability is None) != (difficulty is None) or (
        stability is None and state != State.Learning
    ):
        raise ScheduleError(f'{where}: "stability" and "difficulty" are both numbers')
    if stability is not None and not (
        _number(stability, 0, MAX_STABILITY) and _number(difficulty, 0, 10.0)
    ):
        raise ScheduleError(
            f'{where}: "stability" must be a number of days above 0 and "difficulty" a '
            "number above 0 and at most 10"
        )
    return Card(
        card_id=0,
        state=state,
        step=step,
        stability=None if stability is None else float(stability),
        difficulty=None if difficulty is None else float(difficulty),
        due=_time(raw["due"], where, "due"),
        last_review=None if raw["last_review"] is None else _time(raw["last_review"], where),
    )


def _number(value: object, low: float, high: float) -> bool:
    """A finite int or float in ``(low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and low < value <= high


def _time(value: object, where: str, name: str = "last_review") -> datetime:
    if isinstance(value, str) and len(value) <= 40:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = None
        if when is not None and when.tzinfo is not None:
            return when.astimezone(UTC)
    raise ScheduleError(
        f'{where}: "{name}" must be a time in ISO 8601 with its offset, e.g. '
        '"2025-01-06T09:10:00+00:00"'
    )


def in_words(delta: timedelta) -> str:
    """A wait as a learner says it: ``"in 10 minutes"``, ``"in 3 days"``, ``"now"``.

    Args:
        delta: how long until the card is due (negative or zero: due now).
    """
    seconds = delta.total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 60:
        return "in under a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _plural(minutes, "minute")
    hours = round(seconds / 3600)
    if hours < 24:
        return _plural(hours, "hour")
    days = round(seconds / 86400)
    if days < 30:
        return _plural(days, "day")
    if days < 365:
        return _plural(round(days / 30), "month")
    return _plural(round(days / 365), "year")


def _plural(n: int, unit: str) -> str:
    return f"in {n} {unit}{'' if n == 1 else 's'}"
