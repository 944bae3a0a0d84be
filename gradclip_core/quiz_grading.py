"""Grading free-text explanations, offline, by the key concepts they cover.

An explanation earns a concept when one of the concept's phrases occurs in it. A phrase occurs
when each of its content words matches a word of the answer, all close together (a window of a
few words). Two words match when they are the same after stemming ("gradients" ~ "gradient"),
belong to one synonym group ("cap" ~ "limit"), or are long and nearly equal ("gradeint" ~
"gradient"). Word order is free, except in phrases with an order word (before, after, then,
between, or words joined by ``>`` as in "backward > clip"): their words must come in the
phrase's order with no other order word in between, so "after step, before backward" does not
earn "after backward". A "not" just before a phrase (or
inside it) cancels it unless the phrase says "not" itself. A phrase made only of words from the
question earns nothing, so repeating the question scores zero.

Used by the quiz pages; the bank format is described in ``lessons/quiz/03_explain.toml``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz

from gradclip_core.quiz import ExplainPrompt

MAX_ANSWER_CHARS = 5000  # longer answers are graded on their first 5,000 characters
FUZZY_MIN_LEN = 5  # only words this long may match with a typo
FUZZY_RATIO = 85  # rapidfuzz ratio (0..100) needed for a typo match
NEGATION_LOOKBACK = 2  # content words before a phrase that may cancel it with "not"

_STEMMER = snowballstemmer.stemmer("english")
_STOP_WORDS = """
a an the is are was were be been being am it its this that these those to of and or in on at
for with by as so do does did doing done you your we our us i me my they them their there here
which what why how who whom can could will would should shall may might must just very too also
than if into from up out about over much many more most some any have has had get gets got make
makes made let lets such way thing things really basically simply well doesn don isn won
wasn aren weren didn shouldn couldn wouldn s d ll ve re m etc eg ie
"""
_STOP = frozenset(_STOP_WORDS.split())
# Synonym groups, one per line: each word (and its stem) maps to the stem of the line's first
# word. Stemming already merges most inflections, so only forms with other stems are listed.
_SYNONYMS = """
limit cap restrict bound clamp constrain ceiling curb
large big huge massive enormous giant high extreme larger bigger largest biggest
explode explosion blow blowup skyrocket
stable steady stability stabilise stabilize
unstable instability erratic chaotic unsteady
diverge nan
prevent avoid stop block guard protect mitigate combat tame
gradient grad derivative
size magnitude norm length
step update
optimizer optimiser optim opt
backward backprop backpropagation backpropagate
after following afterward post
before prior ahead preceding
then next afterwards subsequently
element entry component coordinate individual individually separately independently
direction orientation angle heading
scale rescale shrink shrunk
train learn fit
weight parameter param
change alter distort modify rotate skew
keep kept preserve maintain retain
not no never t without cannot nor doesnt dont isnt wont cant
multiply multiplication
one 1
slow slowly slower
threshold max maximum
each every per
small smaller smallest tiny little low lower
"""


def _stem(word: str) -> str:
    return word if "_" in word else _STEMMER.stemWord(word)


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _SYNONYMS.strip().splitlines():
        words = group.split()
        head = _stem(words[0])
        for word in words:
            table.setdefault(word, head)
            table.setdefault(_stem(word), head)
    return table


_CANON = _build_synonyms()
_ORDER_WORDS = frozenset(_CANON.get(w, w) for w in ("before", "after", "then", "between"))
_NOT = _CANON["not"]
_WORD = re.compile(r"\w+|[.,;:!?()](?=\s|$)")


@dataclass(frozen=True)
class _Tok:
    raw: str
    stem: str
    canon: str
    clause: int  # words in one clause share this number; "not" does not reach across clauses


@lru_cache(maxsize=4096)
def _word(raw: str) -> tuple[str, str]:
    stem = _stem(raw)
    return stem, _CANON.get(raw, _CANON.get(stem, stem))


def _tokens(text: str) -> list[_Tok]:
    """Content words of ``text``, stemmed and mapped to synonym groups (stop words dropped)."""
    out: list[_Tok] = []
    clause = 0
    for match in _WORD.finditer(text[:MAX_ANSWER_CHARS].lower()):
        raw = match.group().strip("_")
        if not raw or raw in ".,;:!?()":
            clause += 1
            continue
        if raw in _STOP:
            continue
        stem, canon = _word(raw)
        out.append(_Tok(raw, stem, canon, clause))
    return out


@lru_cache(maxsize=65536)
def _typo(a_raw: str, a_stem: str, p_raw: str, p_stem: str) -> bool:
    """Whether two long words differ only by a typo."""
    if min(len(a_raw), len(p_raw)) < FUZZY_MIN_LEN or a_raw.isdigit():
        return False
    return max(fuzz.ratio(a_raw, p_raw), fuzz.ratio(a_stem, p_stem)) >= FUZZY_RATIO


def _positions(answer: list[_Tok], word: _Tok, vocab: frozenset[str]) -> list[int]:
    """Where ``word`` occurs in the answer. A word of the prompt's own vocabulary is taken as
    meant (so "scale" never counts as a typo of "scaler"); other words may be typos."""
    if word.canon in _ORDER_WORDS:
        return [i for i, t in enumerate(answer) if t.canon == word.canon]
    return [
        i
        for i, t in enumerate(answer)
        if t.canon == word.canon
        or (t.canon not in vocab and _typo(t.raw, t.stem, word.raw, word.stem))
    ]


def _negated(answer: list[_Tok], used: list[int]) -> bool:
    """True when a negation sits just before the match (same clause) or inside it."""
    first, last = min(used), max(used)
    for i in range(max(0, first - NEGATION_LOOKBACK), last + 1):
        if i in used or answer[i].canon != _NOT:
            continue
        if i > first or answer[i].clause == answer[first].clause:
            return True
    return False


def _phrase(text: str) -> tuple[tuple[_Tok, ...], bool]:
    """A phrase's words, and whether their order matters (an order word, or a ``>``)."""
    words = tuple(_tokens(text.replace(">", " ")))
    return words, ">" in text or any(w.canon in _ORDER_WORDS for w in words)


def _phrase_in(answer: list[_Tok], phrase: tuple, ordered: bool, vocab: frozenset[str]) -> bool:
    """Whether ``phrase`` occurs in ``answer`` (see the module docstring for the rules)."""
    hits = [_positions(answer, w, vocab) for w in phrase]
    if not all(hits):
        return False
    window = 2 * len(phrase) + 4
    negative = any(w.canon == _NOT for w in phrase)
    starts = hits[0] if ordered else sorted({p for h in hits for p in h})
    for start in starts:
        used = _match_from(hits, start, window, ordered)
        if used is None:
            continue
        if ordered and any(
            answer[i].canon in _ORDER_WORDS and i not in used for i in range(min(used), max(used))
        ):
            continue
        if negative or not _negated(answer, used):
            return True
    return False


def _match_from(hits: list[list[int]], start: int, window: int, ordered: bool) -> list | None:
    """Positions for each phrase word inside [start, start + window], or None."""
    used: list[int] = []
    floor = start
    for h in hits:
        j = bisect_left(h, floor)
        if j == len(h) or h[j] > start + window:
            return None
        used.append(h[j])
        if ordered:
            floor = h[j] + 1
    return used


@dataclass(frozen=True)
class Grade:
    """The result of :func:`grade_explanation`.

    Attributes:
        found: names of the concepts the answer covers.
        missing: ``(name, hint)`` for each concept it misses.
        score: ``len(found)``.
        total: the number of concepts.
        message: e.g. ``"You got 2/3 concepts"``.
        repeats_question: the answer only reuses words from the question.
        notice: a sentence to show the learner when there is something to say, else "".
    """

    found: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]
    score: int
    total: int
    message: str
    repeats_question: bool = False
    notice: str = ""

    @property
    def full(self) -> bool:
        return self.score == self.total


@lru_cache(maxsize=256)
def _prepare(item: ExplainPrompt) -> tuple[frozenset[str], frozenset[str], tuple]:
    """The question's words, the prompt's whole vocabulary, and per concept the tokenised
    phrases that hold at least one word not in the question (the others can never count)."""
    question = frozenset(t.canon for t in _tokens(item.question))
    texts = [item.question, item.model_answer, *(p for c in item.concepts for p in c.phrases)]
    vocab = frozenset(t.canon for text in texts for t in _tokens(text))
    phrases = tuple(
        tuple(p for p in map(_phrase, c.phrases) if {t.canon for t in p[0]} - question)
        for c in item.concepts
    )
    return question, vocab, phrases


def dead_phrases(item: ExplainPrompt) -> list[tuple[str, str]]:
    """``(concept, phrase)`` pairs that can never earn credit: only stop or question words.

    Args:
        item: an explain prompt from the bank.

    Returns:
        The offending pairs; a well-written bank has none.
    """
    question = {t.canon for t in _tokens(item.question)}
    return [
        (c.name, p)
        for c in item.concepts
        for p in c.phrases
        if not {t.canon for t in _phrase(p)[0]} - question
    ]


def grade_explanation(item: ExplainPrompt, answer: str) -> Grade:
    """Grade a free-text answer by the concepts it covers.

    Args:
        item: the explain prompt, with its concepts and their phrases.
        answer: what the learner wrote; empty, whitespace or very long text is fine (only the
            first ``MAX_ANSWER_CHARS`` characters are read).

    Returns:
        A :class:`Grade` naming the concepts found and the hints for those missing.
    """
    text = answer if isinstance(answer, str) else ""
    words = _tokens(text)
    question, vocab, useful = _prepare(item)
    repeats = bool(words) and all(t.canon in question for t in words)
    found, missing = [], []
    for concept, phrases in zip(item.concepts, useful, strict=True):
        if not repeats and any(_phrase_in(words, p, ordered, vocab) for p, ordered in phrases):
            found.append(concept.name)
        else:
            missing.append((concept.name, concept.hint))
    total = len(item.concepts)
    notice = ""
    if not text.strip():
        notice = "Write a few sentences first, then check your answer."
    elif repeats:
        notice = "Your answer only repeats the question. Say what happens, and why."
    elif len(text) > MAX_ANSWER_CHARS:
        notice = f"Only the first {MAX_ANSWER_CHARS:,} characters were graded."
    return Grade(
        found=tuple(found),
        missing=tuple(missing),
        score=len(found),
        total=total,
        message=f"You got {len(found)}/{total} concepts",
        repeats_question=repeats,
        notice=notice,
    )
