"""Telling a list of keywords from sentences, for the explanation grader (:mod:`.grading`).

An answer is split into *segments* at commas, semicolons, colons, code comments (``#``), new
lines and sentence ends. A segment is *listed* (a keyword or a phrase, not a statement) when:

- it has no function word at all (the, is, to, not, then, ...): "gradient, threshold, norm";
- or it is a short noun phrase: at most ``PHRASE_MAX_WORDS`` words, its only function words
  determiners and prepositions ("limit on gradient size", "no nan", "factors above one"), and
  no finite verb. A verb shows as a subject pronoun or an auxiliary ("it", "is", "can"), a verb
  that leads the segment with its object ("caps the norm", "stops exploding gradients",
  "prevent explosions": a word that can be a verb, not followed by a preposition), a verb in
  -s, -ed or -ly after a word ("training diverges", "value clamps each entry", "gradients
  exploded", "direction unchanged", "factors compound exponentially"), or an order word.

A segment with a code call (``step()``) or an arrow or relation sign ("factors > 1 ->
explosion", "g = g * c / norm") is never listed. A bag has at least ``BAG_MIN_WORDS`` words,
and either most of them (``BAG_SHARE``) are keywords, or every segment is listed: a text of
phrases without a single finite verb ("limit on gradient size, threshold, exploding
gradients, stable training, no nan").
"""

from __future__ import annotations

import re

from gradclip_core.quiz.claims import STOP_WORDS, wordset
from gradclip_core.quiz.lexicon import word_forms

PHRASE_MAX_WORDS = 6  # words a noun phrase of a list may have: "upper bound on gradient norm"
BAG_MIN_WORDS = 3  # fewer words are too few to call a list
BAG_SHARE = 0.6  # share of the words in listed segments that makes a list

_MAX_CHARS = 5000  # as text.MAX_ANSWER_CHARS (text imports nothing from here)
_FUNCTION = STOP_WORDS | wordset(
    "not no never t then after before because once until while but than each all every same"
)
# function words a noun phrase may have: "limit on gradient size", "no nan", "a cap per step"
_PHRASAL = wordset(
    "a an the of in on at for with by from into about against above below over under per no "
    "and or to across through within without versus vs each every all same than"
)
_PREPOSITIONS = wordset(
    "of in on at for with by from into about against above below over under per to across "
    "through within without versus vs than"
)
_DETERMINERS = wordset("a an the no each every all same any some its their this that")
# words that are verbs when they lead a segment with an object ("cap the norm", "keep training
# stable"), canon forms (see lexicon): they can be nouns too ("cap on the size")
_VERBS = frozenset(
    word_forms(w)[1]
    for w in wordset(
        "limit cap clip scale shrink cut prevent keep stop make let use call run compute apply "
        "check measure log track divide multiply set pick choose start take put add sum "
        "accumulate unscale skip zero normalise normalize preserve change protect stabilise "
        "stabilize bound rescale reduce trim tame guarantee avoid ensure stay become get go "
        "turn blow grow explode diverge lead cause give bring send throw push pass exceed "
        "compare record"
    )
)
# verbs that are rarely nouns: in -s after a word they are finite ("training diverges")
_VERBS_ONLY = _VERBS - frozenset(
    word_forms(w)[1]
    for w in wordset(
        "limit cap clip scale cut step "
        "use call run log track set start sum zero bound trim "
        "turn lead cause pass record change check measure"
    )
)
_NOT_ADVERBS = wordset("only early family")  # -ly words that are no adverb of a verb
_CODE_CALL = re.compile(r"\w\(")
_RELATION = re.compile(r"->|→|=>|[=<>≤≥]")
_SEGMENTS = re.compile(r"[,;:\n]|(?<!\S)#+(?=\s)|[.!?](?=\s|$)")


def keyword_bag(text: str) -> bool:
    """Whether ``text`` is a list of keywords or phrases rather than sentences (see the module
    docstring).

    Args:
        text: the answer (only its first 5,000 characters are read).

    Returns:
        True for a list such as "limit on gradient size, threshold, exploding gradients".
    """
    text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "()", text[:_MAX_CHARS].lower())
    total = keywords = phrases = stated = 0
    for seg in _SEGMENTS.split(text):
        ws = [w.strip("_") for w in re.findall(r"\w+", seg) if w.strip("_")]
        if not ws:
            continue
        total += len(ws)
        if _CODE_CALL.search(seg) or _RELATION.search(seg):
            stated += 1
        elif not any(w in _FUNCTION for w in ws):  # keywords: an inflected verb states
            if any(_verb(ws, j) for j in range(len(ws)) if j or ws[0].endswith("s")):
                stated += 1
            else:
                keywords += len(ws)
        elif _phrase(ws):
            phrases += 1
        else:
            stated += 1
    if total < BAG_MIN_WORDS:
        return False
    return keywords >= BAG_SHARE * total or (phrases > 0 and not stated and keywords < total)


def _phrase(ws: list[str]) -> bool:
    """Whether a segment with function words is a noun phrase, not a statement."""
    if len(ws) > PHRASE_MAX_WORDS or any(w in _FUNCTION - _PHRASAL for w in ws):
        return False
    return not any(_verb(ws, j) for j in range(len(ws)))


def _verb(ws: list[str], j: int) -> bool:
    """Whether word ``j`` of a segment reads as a finite verb (see the module docstring)."""
    word, after = ws[j], ws[j + 1] if j + 1 < len(ws) else ""
    before = ws[j - 1] if j else ""
    canon = word_forms(word)[1]
    if j == 0:  # "caps the norm", "prevent explosions"; not "limit on size", "rescaling above"
        leads = canon in _VERBS and after != "" and after not in _PREPOSITIONS
        return leads and not word.endswith(("ing", "ed"))
    if before in _DETERMINERS or before in _PREPOSITIONS:
        return False  # "the clipped norm", "on scaled gradients"
    if word.endswith("ly") and word not in _NOT_ADVERBS:
        return True  # "factors above one compound exponentially"
    if word.endswith("ed"):
        return True  # "gradients exploded", "direction unchanged", "vector scaled by one factor"
    if not word.endswith("s") or word.endswith(("ss", "us")):
        return False
    # "value clamps each entry", "training diverges"; not "many time steps", "factors above one"
    return (after != "" and after not in _PREPOSITIONS) or canon in _VERBS_ONLY
