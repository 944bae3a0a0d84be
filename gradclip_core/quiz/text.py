"""Reading an answer for the explanation grader: words, sentences, clauses and negation.

An answer becomes a list of :class:`Tok` (every word, stemmed and mapped to a synonym group) grouped
into sentences and clauses. A clause ends at a comma, a colon, a dash, a code comment ("#", unless
led by a verb in -s that the code is the subject of), a sentence end, and before words that start a
new statement (but, so, because, then, which, when, ...; not after "even": "..., even when it was
smaller" qualifies the clause it ends), and before "and" / "or" when a new subject or an order word
follows ("..., and value clipping ...", "after backward() and before step()"). Signs read as words
("ratio > λ": "above", "λ * ‖W‖": "multiply"), a subscripted letter as the letter ("g_i": "g") and
an acronym's plural as the acronym ("rnns").

A negation ("not", "never", "n't", "no", "without", "instead of", and verbs that mean "make it not
happen": prevent, stop, avoid, ...) reaches forward to the end of its clause, or to a word that
starts a new part of it (and, by, that, ...), a second plain negation ("it never touches X, it can
never change Y") or, for "without it", past "it"; and no further than ``NEGATION_REACH`` words.
Words are stemmed and grouped by :mod:`.lexicon` ("u" reads as "you"; "bigger then 1" as "bigger
than 1"; "g <- g * c" as "g becomes g multiply c").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from gradclip_core.quiz import contrast, layout, marks, remarks, shorthand, sidelines, suppose
from gradclip_core.quiz.claims import STOP_WORDS, wordset
from gradclip_core.quiz.lexicon import INFORMAL, readings, word_forms

MAX_ANSWER_CHARS = 5000  # longer answers are graded on their first 5,000 characters
NEGATION_REACH = 10  # words after a negation that it can deny

# Negation words (raw forms), and "make it not happen" verbs (stems).
_NEGATIONS = wordset(
    "not no never t cannot without nor none nothing nobody hardly barely dont doesnt "
    "didnt isnt arent wasnt werent cant couldnt wont wouldnt shouldnt hasnt havent lacks "
    "fail fails failed failing"
)
_PREVENTS = wordset(
    "prevent avoid stop block guard protect mitigat combat tame counter counteract suppress "
    "elimin preclud skip omit ignor forget"
)
_CONTRACTED = wordset(
    "don doesn didn isn aren wasn weren can couldn won wouldn shouldn hasn haven hadn mustn needn"
)
_NOT_NEGATING = wordset("only just simply merely matter")  # "not only", "no matter"
_REACH_ENDS = wordset("and or by that which as while whereas so because but")  # end a negation
_DETERMINERS = wordset("the its their this that these those")
_ARTICLES = wordset("the a each every")  # "the stops are time steps": "stop" is a noun
_OR_LEADS = _DETERMINERS | wordset("for over per across at in on within even whole entire")
# verbs that show a clause after "and the direction": "is kept", "stays", "can change"
_FINITE = wordset(
    "is are was were stays stay remains remain can could may might will would does do doesn "
    "don gets get becomes become changes change keeps keep"
)
_CLAUSE_STARTS = wordset(
    "but whereas while because since so then which although though however otherwise thus "
    "hence therefore unless when whenever if whereby until meaning"
)
_ORDER_WORDS = wordset("after before")  # "... and before step()" places the same call again
_RELATIVE = wordset("which that who")
_ALONE = wordset("itself themselves itself alone")  # "not by itself": still the same negation
# "without it, a spike throws the weights off": "without" denies only "it" (not "it exploding")
_WITHOUT_WHAT = wordset("it this that them clipping clip one")
_LEADS_ACTION = wordset("instead rather without")  # what they deny ends where "you" acts
# plain negations: a second one in a clause starts its own reach ("it never touches the small
# entries it can never change the direction"), unlike "don't forget", "not without"
_PLAIN_NOT = wordset("not no never t cannot dont doesnt didnt isnt arent cant wont")
# "and right before step()", "and just after backward()": the order word places a call again
_ORDER_LEADS = wordset("right just immediately directly straight only then")
# "bigger then 1": after a comparative, "then" is a misspelt "than"
_COMPARATIVES = wordset(
    "bigger larger greater higher smaller lower more less fewer rather other better worse"
)
# "all values", "the gradient values": the entries, not clipping by value
_OF_VALUES = wordset("all the its their these those gradient grad many some individual")
# "..., or you clip scaled ones", "unscale first or the norm is the scaled one": "or" as "otherwise"
_OR_ELSE = wordset("else otherwise you we the it its they your this that")
_TOKEN = re.compile(
    r"(->|→|=>)|(<-|←|:=|[*/]=|\d+\.\d+|\w+|(?<![-=])[<>≤≥]|÷|(?<=[\s|‖)\w])/(?=[\s|‖(\w])"
    r"|(?<=[\w|‖)])(?:\*\*|\^)(?=[\w|‖(])|(?<=\s)[*×·](?=\s)|(?<=[\w|‖)])[*×·](?=[\w|‖(]))"
    r"|([.!?](?=\s|$)|[;\n])|([,:—–]|\s--?\s|(?<!\S)#+(?=\s))"
)
# "ratio > λ", "λ * ||W||", "‖G‖ ÷ ‖W‖", "1.1^100" (a "*" that opens or closes a word is emphasis)
_SIGNS = (
    {">": "above", "≥": "above", "<": "below", "≤": "below", "/": "over", "÷": "over"}
    | {a: "multiply" for a in ("*", "×", "·", "*=")}
    | {"**": "power", "^": "power", "/=": "over"}
    | {a: "becomes" for a in ("<-", "←", ":=")}
)  # "g <- g * c", "g_i *= lam / r"
# "1. ", "2) " at the start of a line or after a sentence: a new sentence, not the word "one"
_LIST_MARK = re.compile(r"(?m)(?:^|(?<=[.;:!?)]\s))\s*\(?\d{1,2}[.)](?=\s+[a-z])")
_ABBREVIATIONS = {"e.g.": "eg", "i.e.": "ie", "vs.": "vs", "etc.": "etc", "built-in": "builtin"}
# Words that only say where a call goes: "the correct spot is after backward()" places the clip.
_PLACE = {w: "place" for w in ("spot", "position", "location", "slot", "line")} | {
    w: "right" for w in ("correct", "proper", "ideal", "exact")
}


@dataclass(frozen=True)
class Tok:
    """One word of an answer.

    Attributes:
        raw: the word as written (lower case, ``_`` trimmed).
        stem: its Snowball stem.
        canon: its synonym group (the stem when it has none).
        stop: a word too common to match a claim.
        i: its position among all the answer's words.
        sentence: the sentence it belongs to.
        code: written as code (``loss.backward()``, ``clip_grad_norm_``).
    """

    raw: str
    stem: str
    canon: str
    stop: bool
    i: int
    sentence: int
    code: bool = False


@dataclass
class Clause:
    """Consecutive words that make one statement."""

    toks: list[Tok]
    sentence: int
    relative: bool = False  # starts with which / that / who: it is about the words before it
    premise: int = 0  # its first words that only suppose: "clipping each one would ...", "if you"
    # led by "or" as "otherwise" ("..., or you clip scaled ones"): it asserts no mistake, but
    # the calls it names still count for the order ("unscale first, or you clip ...")
    alternative: bool = False
    negators: dict[int, set[int]] = field(default_factory=dict)  # position -> negations on it
    hidden: set[int] = field(default_factory=set)  # positions after "unlike" & co: not matched
    contrasted: bool = False  # a relative clause about what a contrast names (see .contrast)
    rank: dict[int, int] = field(default_factory=dict)  # position -> index among meaningful words
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # .wordmatch


def _mask_brackets(text: str) -> str:
    """Commas and semicolons inside (...), [...] or {...} (and a dict's colons) belong to code:
    hide them."""
    out, opened = [], []
    for ch in text:
        if ch in "([{":
            opened.append(ch)
        elif ch in ")]}" and opened:
            opened.pop()
        out.append(" " if opened and ch in (",;:" if opened[-1] == "{" else ",;") else ch)
    return "".join(out)


@lru_cache(maxsize=32)  # tokens() and each reading's clauses() read the same answer
def _pieces(text: str) -> tuple[tuple[str, str, bool], ...]:
    """``(kind, text, code)`` pieces: kind "word", "arrow", "end" (of a sentence) or "pause";
    code is True for a word written as code (``loss.backward()``, ``clip_grad_norm_``)."""
    text = shorthand.expand(text[:MAX_ANSWER_CHARS].replace("\\n", "\n"))  # "w": "with"
    text = layout.mark(text).lower()  # typed "\\n": a break
    for short, word in _ABBREVIATIONS.items():
        text = text.replace(short, word)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # "65,504": one number
    text = re.sub(r"\b(\w+) and \1\b", r"\1 \1", text)  # "over and over": one phrase
    text = marks.mark(text)  # "miscomputed", "misnamed", "suppose", ...
    text = _mask_brackets(remarks.asides(_LIST_MARK.sub("\n", text)))
    text = re.sub(r"\bw/(?=\s)", "with", text.replace("w/o", "without"))  # "w/ limit 1"
    text = readings(text)  # "clamped below by eps": a floor, not "below λ"
    out: list[tuple[str, str, bool]] = []
    for m in _TOKEN.finditer(text):
        arrow, word, end, pause = m.groups()
        word = _PLACE.get(word) or _SIGNS.get(word, INFORMAL.get(word, word))
        if word == "then" and out and out[-1][1] in _COMPARATIVES:
            word = "than"
        if word == "values" and out and out[-1][1] in _OF_VALUES:  # "scale all values": entries
            word = "entries"
        if word and word.strip("_"):
            code = (
                "_" in word
                or text[m.end() : m.end() + 1] == "("
                or text[m.start() - 1 : m.start()] == "."
            )
            out.append(("word", word.strip("_"), code))
        elif arrow:
            out.append(("arrow", "then", False))
        elif end and not (out and out[-1][0] == "end"):  # "?\n": one sentence end
            out.append(("end", end, False))
        elif pause:
            out.append(("pause", pause, False))
    # "clip once → after the last backward": an arrow that leads a placing word explains
    out = [
        ("pause", ":", False)
        if k == "arrow" and out[n + 1 :][:1] and out[n + 1][1] in ("after", "before")
        else (k, w, c)
        for n, (k, w, c) in enumerate(out)
    ]
    out = [p for n, p in enumerate(out) if not remarks.annotates(out, n)]
    apposed = remarks.appositive(out)  # once: in the condition it would run for every piece
    return tuple(p for n, p in enumerate(out) if n not in apposed)


def tokens(text: str) -> list[Tok]:
    """Every word of ``text`` (sentence numbers set, clauses not)."""
    out, sentence = [], 0
    for kind, piece, code in _pieces(text):
        if kind == "end":
            sentence += 1
        elif kind != "pause":
            stem, canon = word_forms(piece)
            out.append(Tok(piece, stem, canon, piece in STOP_WORDS, len(out), sentence, code))
    return out


def clauses(text: str, subjects: frozenset[str]) -> list[Clause]:
    """The clauses of ``text``.

    Args:
        text: the answer.
        subjects: canon words that can be the subject of a claim: "and" / "or" before one of
            them starts a new clause, and they end what "unlike" hides.

    Returns:
        The clauses in order, each with its negations counted.
    """
    groups: list[list[Tok]] = [[]]
    sentence = n = 0
    pieces = _pieces(text)
    for at, (kind, piece, code) in enumerate(pieces):
        if kind in ("end", "pause"):
            sentence += kind == "end"
            groups.append([])
            continue
        stem, canon = word_forms(piece)
        last = groups[-1][-1].raw if groups[-1] else ""
        ahead = [p for _, p, _ in pieces[at + 1 : at + 3]]
        # "even when it is small" qualifies the clause; "so that its norm is ..." is its purpose
        starts = (
            piece in _CLAUSE_STARTS
            and last != "even"
            and not (piece == "so" and last and _purpose(ahead))
        )
        if kind == "arrow" or starts or (last, piece) == ("first", "or"):  # "do it first or ..."
            groups.append([])
        groups[-1].append(Tok(piece, stem, canon, piece in STOP_WORDS, n, sentence, code))
        n += 1
    parts, carry = [], []
    for group in groups:
        for part in _split_and(group, subjects):
            fresh = carry and part and carry[-1].sentence != part[0].sentence  # "it can't. After"
            part = part if fresh else carry + part
            if any(meaningful(t) for t in part):
                parts.append(part)
                carry = []
            elif _elliptic(part):  # "..., but doesn't have to": it denies nothing after it
                if parts and part[0].sentence == parts[-1][-1].sentence:
                    parts[-1] += part
                carry = []
            else:  # ", and ..." or a lone "then": joining words, kept
                carry = part
    if carry and parts and carry[0].sentence == parts[-1][-1].sentence:
        parts[-1] += carry
    found = [make_clause(p, subjects) for p in remarks.fronted(sidelines.split_reports(parts))]
    suppose.suppositions(found)
    contrast.mark(found)
    sidelines.mark(found, subjects, meaningful)  # side remarks of long answers
    return found


def _purpose(ahead: list[str]) -> bool:
    """Whether "so" before these words opens a purpose ("scaled so that their norm is ..."),
    not a result ("..., so that is what to clip")."""
    return ahead[:1] == ["that"] and ahead[1:2] not in (["is"], ["was"], ["s"], ["means"])


def _elliptic(part: list[Tok]) -> bool:
    """Whether words without meaning make a statement of their own: a negation followed by more
    words ("doesn't have to though"), which must not deny the clause after it."""
    return any(is_negator(part, j) and j + 1 < len(part) for j in range(len(part)))


def _split_and(group: list[Tok], subjects: frozenset[str]) -> list[list[Tok]]:
    """Split before "and" / "or" when a subject word follows within two words, or an order
    word right after it ("after backward() and before step()": each places the clip)."""
    parts: list[list[Tok]] = [[]]
    for j, tok in enumerate(group):
        echo = 0 < j < len(group) - 1 and group[j - 1].raw == group[j + 1].raw  # "over and over"
        if tok.raw in ("and", "or") and parts[-1] and not echo:
            ahead = [t for t in group[j + 1 : j + 4] if not t.stop][:2]
            following = group[j + 1].raw if j + 1 < len(group) else ""
            then = group[j + 2].raw if j + 2 < len(group) else ""
            placed = following in _ORDER_LEADS and then in _ORDER_WORDS  # "and right before"
            fresh = _new_subject(group[j + 1 : j + 4])  # "... changes and the direction is kept"
            if (
                following in _ORDER_WORDS
                or placed
                or fresh
                or any(t.canon in subjects for t in ahead)
            ):
                parts.append([])
        parts[-1].append(tok)
    return parts


def _new_subject(ahead: list[Tok]) -> bool:
    """Whether words after "and" / "or" open a clause of their own: a determiner, a noun and a
    verb ("... only the magnitude changes and the direction is preserved")."""
    raws = [t.raw for t in ahead]
    return len(raws) == 3 and raws[0] in _DETERMINERS and raws[2] in _FINITE


def make_clause(
    toks: list[Tok], subjects: frozenset[str], premise: int = 0, contrasted: bool = False
) -> Clause:
    """A clause of these words, with its negations, hidden words and word ranks; ``premise``
    and ``contrasted`` keep what its sentence showed (:func:`.suppose.suppositions`,
    :func:`.contrast.mark`)."""
    raws = [t.raw for t in toks]
    clause = Clause(
        toks=toks,
        sentence=toks[0].sentence if toks else 0,
        relative=bool(raws) and raws[0] in _RELATIVE and raws[2:3] != ["s"],  # not "that unit's"
        premise=max(premise, suppose.premise(raws, [meaningful(t) for t in toks])),
        alternative=raws[:1] == ["or"] and raws[1:2] != [] and raws[1] in _OR_ELSE,
        contrasted=contrasted,
    )
    clause.negators = _negations(toks)
    clause.hidden = contrast.hidden(toks, subjects)
    clause.rank = {j: n for n, j in enumerate(j for j, t in enumerate(toks) if meaningful(t))}
    return clause


def is_negator(toks: list[Tok], j: int) -> bool:
    """Whether word ``j`` of a clause denies what follows it."""
    tok = toks[j]
    after = toks[j + 1].raw if j + 1 < len(toks) else ""
    before = toks[j - 1].raw if j else ""
    if tok.raw == "t":  # "don't", "can't": a lone "t" (a variable T) denies nothing
        return before in _CONTRACTED
    if tok.raw in _NEGATIONS:
        idiom = after in _NOT_NEGATING and (after != "matter" or tok.raw == "no")  # "no matter"
        return not idiom and not (tok.raw == "not" and before == "or")
    if tok.raw in ("instead", "rather"):
        return after in ("of", "than")
    if tok.raw == "from":  # "keeps the gradients from exploding"
        return any(t.canon == "keep" for t in toks[max(0, j - 4) : j])
    nominal = before in _ARTICLES or after in ("gate", "gates")  # not "the forget gate"
    return tok.stem in _PREVENTS and not nominal


def _negations(toks: list[Tok]) -> dict[int, set[int]]:
    """Position (index in ``toks``) -> positions of the negations that reach it."""
    reach: dict[int, set[int]] = {}
    for j in range(len(toks)):
        if not is_negator(toks, j):
            continue
        lone = toks[j].raw == "without"  # one word: "without unscaling you ..."
        end = min(len(toks), j + 1 + NEGATION_REACH)
        if toks[j].raw == "without" and _only_its_object(toks, j):
            end = j + 2  # "without it, a spike throws the weights off": only "it" is denied
        for k in range(j + 1, end):
            after = toks[k + 1].raw if k + 1 < len(toks) else ""
            if toks[k].raw in _REACH_ENDS and not (
                (toks[k].raw == "by" and after in (*_ALONE, toks[k - 1].raw))  # "one by one"
                or _listed(toks, k)
                or (k == j + 1 == 1 and toks[k].raw == "as")
            ):  # "not as one norm over the network": a clause led by "not as" denies it all
                break  # "doesn't by itself guarantee it": "by itself" qualifies the negation
            if toks[j].raw in _PLAIN_NOT and toks[k].raw in _PLAIN_NOT and is_negator(toks, k):
                break  # "it never touches X, it can never change Y": each its own
            if toks[j].raw in _LEADS_ACTION and toks[k].raw in ("you", "we") and k > j + 2 - lone:
                break  # "instead of unscaling you clip at ...", "without unscaling you'd clip"
            if lone and toks[k].raw in _DETERMINERS and k > j + 1 + (toks[j + 1].raw == "the"):
                break  # "without the unscale the clip would be too weak": the clip is asserted
            reach.setdefault(k, set()).add(j)
    return reach


def _listed(toks: list[Tok], k: int) -> bool:
    """Whether "or" at ``k`` adds to what is denied ("not the loss or the lr that ...", "isn't
    computed over the network or for each entry"), or "that" opens it ("it's not that ...")."""
    ahead = toks[k + 1 : k + 4]
    lead = ahead[0].raw if ahead else ""
    opened = toks[k].raw == "that" and toks[k - 1].raw == "not"
    return opened or (toks[k].raw == "or" and lead in _OR_LEADS and not _new_subject(ahead))


def _only_its_object(toks: list[Tok], j: int) -> bool:
    """Whether "without" at ``j`` denies only the word after it: "without it, ...", "without
    clipping the run diverges" (not "without it exploding", "without clipping gradients")."""
    if j + 1 >= len(toks) or toks[j + 1].raw not in _WITHOUT_WHAT:
        return False
    after = toks[j + 2] if j + 2 < len(toks) else None
    return after is None or not (after.raw.endswith("ing") or after.canon == "gradient")


_MARKERS = _NEGATIONS | _CLAUSE_STARTS | _REACH_ENDS | frozenset(("instead", "rather"))


def meaningful(tok: Tok) -> bool:
    """A word that can say something: not a stop word, a negation or a clause marker."""
    return not tok.stop and tok.raw not in _MARKERS
