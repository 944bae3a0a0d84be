"""Quiz items: one frozen dataclass per practice mode, and the bank that holds them.

Standard library only. Loading and validating the TOML files is in :mod:`gradclip_core.quiz`,
which re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LEVELS = ("beginner", "intermediate", "advanced")
SOURCES = ("cheat-sheet", "original")
BLANK = "____"
# File stem after the ``NN_`` prefix -> (mode name, the array-of-tables key it holds).
MODE_FILES = {
    "flashcards": "card",
    "multiple_choice": "question",
    "explain": "prompt",
    "true_false": "statement",
    "fill_code": "item",
    "order": "item",
    "predict": "scenario",
}
CLIP_MODES = ("none", "norm", "value", "layer-norm", "agc", "autoclip")
# Predict overrides: key -> the Python types it accepts (int is fine where a float is expected).
OVERRIDE_TYPES = {
    "clip_mode": (str,),
    "threshold": (float, int),
    "lr": (float, int),
    "init_scale": (float, int),
    "seed": (int,),
}
MAX_PREDICT_STEPS = 300
MAX_ORDER_STEPS = 8  # every order of an item is checked: 8! = 40,320 at most


@dataclass(frozen=True)
class Flashcard:
    id: str
    level: str  # one of LEVELS
    front: str
    back: str
    source: str = "original"  # "cheat-sheet" when it mirrors an item of the cheat sheet


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    why: str  # one line: why this option is right or wrong


@dataclass(frozen=True)
class MultipleChoice:
    id: str
    prompt: str
    options: tuple[Option, ...]  # exactly one has correct=True
    source: str = "original"

    @property
    def answer_index(self) -> int:
        """Index of the correct option."""
        return next(i for i, o in enumerate(self.options) if o.correct)


@dataclass(frozen=True)
class Concept:
    name: str
    hint: str  # shown when the answer misses this concept
    claims: tuple[str, ...]  # ways to say it, any one is enough (syntax: quiz/claims.py)


@dataclass(frozen=True)
class Misconception:
    claims: tuple[str, ...]  # ways to say the wrong thing; any one is the misconception
    cancels: tuple[str, ...]  # names of the concepts it contradicts: they earn nothing
    feedback: str  # shown when an answer says it: what is wrong, in plain words
    # A false statement about torch whatever the question: checked in every prompt's answers,
    # read as its own prompt reads them (see ExplainPrompt.borrowed)
    portable: bool = False


@dataclass(frozen=True)
class CallOrder:
    first: str  # a call name from quiz.claims.CALLS, e.g. "clip"
    then: str  # the call that must come after it, e.g. "step"
    feedback: str  # shown when an answer puts them the other way round
    cancels: tuple[str, ...] = ()  # concepts that also earn nothing then (besides order claims)
    # judged only by a listed procedure ("unscale_, then backward(), then clip, then step"):
    # for a pair whose calls answers also name in explanations, in either order
    listed: bool = False


@dataclass(frozen=True)
class ExplainPrompt:
    id: str
    question: str
    hint: str
    model_answer: str
    concepts: tuple[Concept, ...]
    source: str = "original"
    misconceptions: tuple[Misconception, ...] = ()
    order: tuple[CallOrder, ...] = ()  # calls the answer must keep in this order
    # The other prompts' portable misconceptions, each with the prompt it comes from (set by
    # the bank: quiz.claims.lend_portable): said in an answer to this one, they cost full marks.
    borrowed: tuple[tuple[ExplainPrompt, Misconception], ...] = ()

    def __hash__(self) -> int:
        # Every grading looks a prompt up in caches, and a prompt holds the others (borrowed):
        # hashing all of it cost 0.6 ms a lookup. Equal prompts share these fields, so this
        # hash agrees with the generated __eq__.
        return hash((self.id, self.question, self.model_answer))


@dataclass(frozen=True)
class TrueFalse:
    id: str
    text: str
    answer: bool
    why: str
    source: str = "original"


@dataclass(frozen=True)
class FillCode:
    id: str
    prompt: str
    code: str  # contains exactly one BLANK
    answers: tuple[str, ...]  # accepted answers; the first is shown as the solution
    explanation: str
    source: str = "original"
    allow_short_names: bool = True  # accept clip_grad_norm_ without the torch.nn.utils. prefix


@dataclass(frozen=True)
class OrderRule:
    """What every right order keeps: step ``first`` before step ``then``, for at least one of
    ``pairs``. One pair is a plain "a before b"; two pairs say "zero_grad() before backward()
    or after step()"."""

    pairs: tuple[tuple[str, str], ...]  # (first, then) step ids; one pair holding is enough
    why: str = ""  # why it matters, shown when an order breaks the rule

    def holds(self, position: Mapping[str, int]) -> bool:
        """Whether the rule holds for an order given as step id -> index."""
        return any(position[first] < position[then] for first, then in self.pairs)


@dataclass(frozen=True)
class OrderItem:
    """Steps to put in order. Every order that keeps all ``rules`` is right (a partial order);
    ``steps`` lists one right order, shown as the answer."""

    id: str
    prompt: str
    steps: tuple[str, ...]  # one right order (the usual one), shown as the answer
    explanation: str
    source: str = "original"
    step_ids: tuple[str, ...] = ()  # a short id per step, named by rules; () -> "1", "2", ...
    rules: tuple[OrderRule, ...] = ()  # () -> the steps exactly as listed

    def __post_init__(self) -> None:
        # Fill the defaults, so ``step_ids`` and ``rules`` are always complete.
        if not self.step_ids:
            object.__setattr__(
                self, "step_ids", tuple(str(i) for i in range(1, len(self.steps) + 1))
            )
        if not self.rules:
            ids = self.step_ids
            chain = tuple(OrderRule(((a, b),)) for a, b in zip(ids, ids[1:], strict=False))
            object.__setattr__(self, "rules", chain)


@dataclass(frozen=True)
class PredictScenario:
    id: str
    prompt: str
    preset: str  # a name from lessons/presets/
    steps: int  # training steps to run, 1..MAX_PREDICT_STEPS
    question: str
    choices: tuple[str, str]
    expected: int  # index into choices that the engine is expected to produce
    explanation: str
    overrides: dict = field(default_factory=dict)  # config overrides, keys in OVERRIDE_TYPES
    source: str = "original"


@dataclass(frozen=True)
class Bank:
    """Every quiz item, by mode; ``modes`` lists the modes present in file (``NN_``) order."""

    flashcards: tuple[Flashcard, ...] = ()
    multiple_choice: tuple[MultipleChoice, ...] = ()
    explain: tuple[ExplainPrompt, ...] = ()
    true_false: tuple[TrueFalse, ...] = ()
    fill_code: tuple[FillCode, ...] = ()
    order: tuple[OrderItem, ...] = ()
    predict: tuple[PredictScenario, ...] = ()
    modes: tuple[str, ...] = ()

    def items(self, mode: str) -> tuple:
        """Items of one mode, e.g. ``bank.items("flashcards")``."""
        if mode not in MODE_FILES:
            raise KeyError(f"unknown quiz mode {mode!r}; known: {', '.join(MODE_FILES)}")
        return getattr(self, mode)

    def by_id(self, item_id: str):
        """The item with this id, from any mode.

        Raises:
            KeyError: no item has this id.
        """
        for mode in MODE_FILES:
            for item in getattr(self, mode):
                if item.id == item_id:
                    return item
        raise KeyError(f"no quiz item with id {item_id!r}")
