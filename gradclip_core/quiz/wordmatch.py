"""When an answer's word matches a claim's word, and where a clause has the words of a claim.

Two words match when they share a synonym group or stem, or when the answer's word is long,
not in the prompt's vocabulary, and nearly equal (a typo). Every claim of a prompt asks every
clause of an answer for its words, so each clause keeps an index of its words by synonym group
and the positions it found for each claim word (``Clause.memo``): grading an answer reads each
clause once per claim word instead of once per claim.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz

from gradclip_core.quiz.text import Clause, Tok

FUZZY_MIN_LEN = 5  # only words this long may match with a typo
FUZZY_RATIO = 85  # rapidfuzz ratio (0..100) needed for a typo match


@lru_cache(maxsize=65536)
def _typo(a_raw: str, a_stem: str, p_raw: str, p_stem: str) -> bool:
    if min(len(a_raw), len(p_raw)) < FUZZY_MIN_LEN or a_raw.isdigit():
        return False
    short, long = sorted((a_stem, p_stem), key=len)
    if long.startswith(short) and len(long) - len(short) > 1:
        return False  # another word of the family ("necessary", "necessarily"), not a typo
    if any(p + a_raw == p_raw or p + p_raw == a_raw for p in ("im", "in", "un", "non", "ir")):
        return False  # its opposite ("possible", "impossible"), not a typo
    return max(fuzz.ratio(a_raw, p_raw), fuzz.ratio(a_stem, p_stem)) >= FUZZY_RATIO


def same(tok: Tok, word, vocab: frozenset[str]) -> bool:
    """Whether an answer's word matches a claim's word (a ``match.Word``). A word of the
    prompt's vocabulary is taken as meant (so "scale" never counts as a typo of "scaler")."""
    if tok.canon == word.canon:
        return True
    return tok.canon not in vocab and _typo(tok.raw, tok.stem, word.raw, word.stem)


def positions(clause: Clause, word, vocab: frozenset[str]) -> tuple[int, ...] | list[int]:
    """The positions of the clause's words that match ``word`` (see :func:`same`), in order."""
    by_canon, typos, found = _index(clause, vocab)
    if not typos or len(word.raw) < FUZZY_MIN_LEN:
        return by_canon.get(word.canon, ())
    hits = found.get(word)
    if hits is None:
        toks = clause.toks
        near = (j for j in typos if _typo(toks[j].raw, toks[j].stem, word.raw, word.stem))
        hits = found[word] = tuple(sorted({*by_canon.get(word.canon, ()), *near}))
    return hits


def canon_set(clause: Clause, vocab: frozenset[str]):
    """The synonym groups of the clause's words (a set-like view), or None when one of them may
    be a typo (then a claim word outside these groups can still match)."""
    by_canon, typos, _ = _index(clause, vocab)
    return None if typos else by_canon.keys()


def _index(clause: Clause, vocab: frozenset[str]) -> tuple[dict, list[int], dict]:
    """The clause's positions by synonym group, those of its words that may be typos (long, not
    a number, not in the vocabulary), and the positions found so far for claim words."""
    index = clause.memo.get(vocab)
    if index is None:
        by_canon: dict[str, list[int]] = {}
        typos = []
        for j, tok in enumerate(clause.toks):
            by_canon.setdefault(tok.canon, []).append(j)
            if tok.canon not in vocab and len(tok.raw) >= FUZZY_MIN_LEN and not tok.raw.isdigit():
                typos.append(j)
        index = clause.memo[vocab] = (by_canon, typos, {})
    return index
