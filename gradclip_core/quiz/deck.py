"""A flashcard study session: cards graded *Again* come back later in the same session."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from gradclip_core.quiz.items import LEVELS, Flashcard


class FlashcardDeck:
    """A study session over flashcards: cards graded *Again* come back later in the session.

    Deterministic: the same cards, levels and seed always give the same order.

    Args:
        cards: the flashcards to study.
        levels: keep only cards of these levels (``None`` keeps all).
        seed: shuffle the cards with this seed; ``None`` keeps file order.
        again_gap: a card graded *Again* comes back after this many other cards (or last, if
            fewer remain).

    Example::

        deck = FlashcardDeck(bank.flashcards, levels=["beginner"], seed=0)
        while not deck.done:
            card = deck.current()
            deck.grade(again=False)
    """

    def __init__(
        self,
        cards: Sequence[Flashcard],
        levels: Iterable[str] | None = None,
        seed: int | None = None,
        again_gap: int = 3,
    ) -> None:
        if levels is not None:
            levels = set(levels)
            unknown = levels - set(LEVELS)
            if unknown:
                raise ValueError(f"unknown level(s) {sorted(unknown)}; allowed: {LEVELS}")
            cards = [c for c in cards if c.level in levels]
        self._cards = list(cards)
        if seed is not None:
            random.Random(seed).shuffle(self._cards)
        self._queue = list(range(len(self._cards)))
        self._gap = max(1, int(again_gap))
        self._seen: set[int] = set()
        self._again: set[int] = set()
        self.reviews = 0  # how many times any card was graded

    def __repr__(self) -> str:
        seen, total = self.progress
        return f"FlashcardDeck(seen={seen}, total={total}, left={len(self._queue)})"

    def current(self) -> Flashcard | None:
        """The card to show now, or ``None`` when the session is done."""
        return self._cards[self._queue[0]] if self._queue else None

    def grade(self, again: bool) -> None:
        """Grade the current card: ``again=True`` brings it back later in this session.

        Raises:
            IndexError: the deck is done.
        """
        if not self._queue:
            raise IndexError("the deck is done; start a new FlashcardDeck to study again")
        index = self._queue.pop(0)
        self._seen.add(index)
        self.reviews += 1
        if again:
            self._again.add(index)
            self._queue.insert(min(self._gap, len(self._queue)), index)

    @property
    def done(self) -> bool:
        """True once every card has been graded without *Again*."""
        return not self._queue

    @property
    def progress(self) -> tuple[int, int]:
        """``(seen, total)``: distinct cards graded at least once, and cards in the deck."""
        return len(self._seen), len(self._cards)

    @property
    def remaining(self) -> int:
        """Cards still queued, repeats included."""
        return len(self._queue)

    @property
    def again_ids(self) -> tuple[str, ...]:
        """Ids of the cards graded *Again* at least once, to review later."""
        return tuple(self._cards[i].id for i in sorted(self._again))
