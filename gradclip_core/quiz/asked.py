"""Questions in answers: a sentence that ends with "?" asks, it asserts nothing.

"Why not just pick a small threshold to be safe? Because ..." names a choice the answer goes on
to reject, so a misconception must not be read in it, and it earns no concept either. Each
clause of a question is read as a supposition: it is led by "suppose", which
:mod:`.suppose` marks as the premise of its clause. A "no," / "yes," that answers the question
("does it always explode? no, tanh can damp it", "... no: the gradients are still scaled") is
dropped: it denies nothing in its own sentence. The point of a decimal ends no sentence: "next
step the norm is 0.3?" asks all of it.

A yes/no question answered at once is a statement, the answer's own ("Does that keep the
direction? Not necessarily: ..." says that it does not necessarily keep it; "Can that change
the direction? Yes: ..." says it can): such a question, led by its auxiliary ("does", "can",
"will", ...; not "is" / "should", whose "no" judges a way, nor one that asks about the
asker's own act, "can i ...?"; after "so" / "and" / "but" too), and its "yes" / "no" / "not
necessarily" / "not always" / "it does" / "it doesn't" (after "a:" too) become one clause, with
"not" after the auxiliary (or its pronoun) when the answer denies. So is a short "what" /
"when" / "which" question answered by the next sentence: "What does AGC compare? Each unit's
gradient norm with ..." says that AGC compares them, "When does it clip? When the ratio is
above λ" that it clips then, and "What's the usual start? 1.0" that the usual start is 1.0: the
question's subject and verb lead the answer's sentence (not when the answer opens with a
denial: "nothing", "no", ...).
Reads the lower-cased answer.
"""

from __future__ import annotations

import re

# its words, up to "?"; the point of a decimal ("is the norm 0.3?") or of a dotted name ("before
# loss.backward()?") ends no sentence
_QUESTION = re.compile(
    r"(?:(?<=[!?;:\n])|(?<=\.)(?!\w)|^)([ \t]*)((?:[^.!?;:\n]|(?<=\w)\.(?=\w))+)\?"
)
# "does it always explode? no, tanh can damp it": the "no" answers the question, it denies nothing
_ANSWERED = re.compile(r"(\?\s+)(?:no|nope|nah|yes|yep|yeah)\s*[,!:]\s*")
_AUX = r"(?:does|do|did|can|could|will|would)"  # not "is it enough ...? no": a judgement
_YESNO = re.compile(  # "does that keep the direction? not necessarily: ..."
    rf"(?:(?<=[!?;:\n])|(?<=\.)(?!\w)|^)([ \t]*(?:(?:so|and|but|then)\s+)?)({_AUX})\s+"
    r"((?:[^.!?;:\n]|(?<=\w)\.(?=\w))+)\?\s+(?:a\s*:\s*)?(?:(yes|yep|yeah|indeed|exactly"
    r"|(?:it|that|this|they)\s+(?:does|do|is|are|can|will)(?![\w'’]))"
    r"|(no|nope|not\s+necessarily|not\s+always|not\s+really|not\s+quite|never|not\s+at\s+all"
    r"|(?:it|that|this|they)\s+(?:(?:does|do|is|are|can|will)\s+not|cannot|(?:does|do|is|are|ca|wo)"
    r"n['’]t)))"
    r"\s*(?:[,!:;.—–]\s*|\s[-]\s*)"
)
_WH = re.compile(  # "what does agc compare? each unit's ..." -> "agc compare each unit's ..."
    r"(?:(?<=[!?;:\n])|(?<=\.)(?!\w)|^)([ \t]*(?:(?:so|and|then)\s+)?)(what|when|where|which\s+\w+)"
    r"(?:\s+(does|do|did|is|are)|['’](s))\s+((?:[^\s?.!,;:]+\s+){0,4}?[^\s?.!,;:]+?)(?:\s+(?:then|now))?\?\s+"
    r"(?:a\s*:\s*)?(?!(?:no|not|nothing|none|never|nope|neither|yes|why|how|what)\b)(?=\w)"
)
_PRONOUN = re.compile(r"(?:it|that|this|they|these|those|you|we|i)\s+")
CLAUSE = re.compile(r"(,\s*(?:(?:and|but|or|so)\s+)?|\s+(?:and|but|or|so|because|which)\s+)")
# a word that starts a clause of its own: "suppose" goes after it ("... and then suppose let ...")
_SO, _SO_LEADS = re.compile(r"\bso\s+$"), re.compile(r"^(\s*)so\s+")
_LED = re.compile(r"^\s*(?:then|but|because|since|which|when|while|though|although)\s+")


def _lead(part: str) -> str:
    """``part`` led by "suppose", after a word that starts a clause of its own."""
    m = _LED.match(part)
    return f"{m.group()}suppose {part[m.end() :]}" if m else f"suppose {part}"


def supposed(body: str, cuts: re.Pattern = CLAUSE) -> str:
    """``body`` with each of its clauses (split at ``cuts``, never inside brackets: the comma of
    "(6, 0)" splits nothing) led by "suppose"."""
    out, start = [], 0
    for cut in cuts.finditer(body):
        before = body[start : cut.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            out.append(f"{_lead(before)}{cut.group()}")
            start = cut.end()
    return f"{''.join(out)}{_lead(body[start:])}"


def _stated(m: re.Match) -> str:
    """A yes/no question and its answer as one statement: "does not that keep the direction"."""
    answer = m.group(5) or ""
    plain = answer in ("no", "nope") or answer.startswith(("it", "th"))  # "it doesn't"
    denied = "not" if plain else answer.replace("never", "not")
    body = m.group(3)
    asker = body.split()[0] in ("i", "we", "you")  # "can i make it tiny? no": a way rejected
    if len(body.split()) < 3 or (asker and denied):  # "does value clipping? yes": elliptic
        return m.group()
    if denied:  # after a pronoun that leads: "that not keep ...", where "that" would stop it
        lead = _PRONOUN.match(body)
        at = lead.end() if lead else 0
        body = f"{body[:at]}{denied} {body[at:]}"
    return f"{m.group(1)}{m.group(2)} {body}: "


def _led(m: re.Match) -> str:
    """A wh-question as the lead of its answer: "agc compare ", "a unit is ", "i pass "."""
    verb = " is" if m.group(4) else f" {m.group(3)}" if m.group(3) in ("is", "are") else ""
    if m.group(5).split()[0] in ("each", "every", "both", "all", "either", "neither"):
        return m.group()  # "what does each look at? norm: ..., value: ...": one answer per way
    what = m.group(2).split()[1:]  # "which parameters do i pass": "parameters" is the object
    return f"{m.group(1)}{m.group(5)}{verb} {' '.join(what)} ".replace("  ", " ")


def mark(text: str) -> str:
    """``text`` with each clause of a question led by "suppose"."""
    text = _WH.sub(_led, _YESNO.sub(_stated, text))

    def ask(m: re.Match) -> str:
        parts = CLAUSE.split(m.group(2))
        # a "so" in a question asks too: "so it clips ...?", "..., so clipping gives ...?" (dropped)
        parts = [_SO.sub("", p) if n % 2 else _SO_LEADS.sub(r"\1", p) for n, p in enumerate(parts)]
        said = "".join(p if n % 2 else _lead(p) for n, p in enumerate(parts))
        return f"{m.group(1)}{said}?"

    return _ANSWERED.sub(r"\1", _QUESTION.sub(ask, text))
