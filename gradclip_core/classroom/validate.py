"""What a class accepts: join codes, keys, nicknames, questions, answers. Standard library only.

Every check raises :class:`ClassroomError` (a ``ValueError``) whose message says what is
allowed, so a page can show it as it is.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Mapping

# No look-alikes: 0/O and 1/I/L are left out, and U (read as V), as in Crockford's base32.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 5  # 30**5 = 24.3 million codes
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe(n) for n in 12..48
MAX_NICKNAME = 24  # characters, after trimming and folding runs of spaces
KINDS = ("predict", "multiple-choice", "true-false", "explain")
MAX_OPTIONS = 12
MAX_TEXT = 200  # an option, an item id, a free answer
MAX_PROMPT = 2_000
MAX_JSON = 8_000  # bytes of a vote's detail or a predict run's outcome, as JSON


class ClassroomError(ValueError):
    """A class action cannot be done; the message says why and what to do instead."""


def new_key() -> str:
    """A fresh random key for a teacher, a student or a learner (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def check_key(key: object, what: str = "key") -> str:
    """Return ``key`` if it is a URL-safe token of 16 to 64 characters, else raise."""
    if isinstance(key, str) and KEY_PATTERN.fullmatch(key):
        return key
    raise ClassroomError(
        f"a {what} is 16 to 64 characters from A-Z, a-z, 0-9, '-' and '_' (make one with "
        f"secrets.token_urlsafe(24)); got {_shown(key)}"
    )


def new_code() -> str:
    """A random join code such as ``"K7QX2"``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: object) -> str:
    """A join code as typed (any case, spaces or dashes) in canonical form, or raise."""
    if isinstance(code, str):
        canon = re.sub(r"[\s-]", "", code).upper()
        if len(canon) == CODE_LENGTH and all(c in CODE_ALPHABET for c in canon):
            return canon
    raise ClassroomError(
        f"a class code is {CODE_LENGTH} letters and digits, like 'K7QX2' (there is no 0, O, "
        f"1, I, L or U in a code); got {_shown(code)}. Check the code on the teacher's screen."
    )


def clean_nickname(nickname: object) -> str:
    """The nickname to store: trimmed, runs of spaces folded to one, Unicode NFC.

    Raises:
        ClassroomError: unless it is 1 to 24 printable characters (letters, digits,
            punctuation, symbols, emoji, spaces; no control or invisible characters).
    """
    rule = (
        f"a nickname is 1 to {MAX_NICKNAME} characters: letters, digits, punctuation, symbols, "
        "emoji and spaces (no control or invisible characters)"
    )
    if not isinstance(nickname, str):
        raise ClassroomError(f"{rule}; got {_shown(nickname)}")
    nick = " ".join(unicodedata.normalize("NFC", nickname).split())
    if not nick:
        raise ClassroomError(f"{rule}; this one is empty. Type a name your class will know.")
    if len(nick) > MAX_NICKNAME:
        raise ClassroomError(f"{rule}; this one has {len(nick)}. Shorten it.")
    bad = next((c for c in nick if not c.isprintable()), None)
    if bad is not None:
        raise ClassroomError(f"{rule}; this one contains {_char_name(bad)}. Remove it.")
    return nick


def nickname_key(nickname: str) -> str:
    """What makes two nicknames the same: case and width folded ("sam" = "SAM" = "ＳＡＭ")."""
    return unicodedata.normalize("NFKC", nickname).casefold()


def check_text(value: object, what: str, limit: int = MAX_TEXT) -> str:
    """A short text (an item id, an option, a free answer): 1..limit printable characters."""
    if isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= limit and all(c.isprintable() or c in "\n\t" for c in text):
            return text
    raise ClassroomError(
        f"{what} must be text of 1 to {limit} printable characters; got {_shown(value)}"
    )


def check_question(question: object) -> dict:
    """A question pushed to a class, validated and normalised.

    Args:
        question: a mapping with ``kind`` (one of ``KINDS``), ``item_id``, ``prompt``,
            ``options`` (a list of distinct answer texts; for true-false it defaults to
            ``["true", "false"]``; empty means free answers) and ``correct`` (the right
            answer or a list of them, each one of the options; may be left out for a predict
            question and set later by :meth:`ClassStore.record_outcome`).

    Returns:
        ``{"kind", "item_id", "prompt", "options": [...], "correct": [...]}``.
    """
    if not isinstance(question, Mapping):
        raise ClassroomError(
            f"a question is a dict with kind, item_id, prompt; got {_shown(question)}"
        )
    unknown = set(question) - {"kind", "item_id", "prompt", "options", "correct"}
    if unknown:
        raise ClassroomError(
            f"unknown question field(s) {sorted(map(str, unknown))}; "
            "allowed: kind, item_id, prompt, options, correct"
        )
    kind = question.get("kind")
    if kind not in KINDS:
        raise ClassroomError(f"a question's kind is one of {', '.join(KINDS)}; got {_shown(kind)}")
    default = ["true", "false"] if kind == "true-false" else []
    options = _check_options(question.get("options", default), kind)
    return {
        "kind": kind,
        "item_id": check_text(question.get("item_id"), "a question's item_id"),
        "prompt": check_text(question.get("prompt"), "a question's prompt", MAX_PROMPT),
        "options": options,
        "correct": check_correct(question.get("correct", []), options),
    }


def _check_options(options: object, kind: str) -> list[str]:
    if not isinstance(options, list | tuple) or len(options) > MAX_OPTIONS:
        raise ClassroomError(
            f"a question's options are a list of at most {MAX_OPTIONS} texts; got {_shown(options)}"
        )
    clean = [check_text(o, "an option") for o in options]
    if len(set(clean)) != len(clean):
        raise ClassroomError(f"a question's options must differ from each other; got {clean}")
    if kind in ("multiple-choice", "true-false") and len(clean) < 2:
        raise ClassroomError(f"a {kind} question needs at least 2 options; got {clean}")
    return clean


def check_correct(correct: object, options: list[str]) -> list[str]:
    """The right answer(s): a text or a list of texts, each one of ``options`` if any."""
    items = [correct] if isinstance(correct, str) else correct
    if not isinstance(items, list | tuple) or len(items) > MAX_OPTIONS:
        raise ClassroomError(f"correct is an answer or a list of answers; got {_shown(correct)}")
    clean = list(dict.fromkeys(check_text(c, "a correct answer") for c in items))
    stray = [c for c in clean if options and c not in options]
    if stray:
        raise ClassroomError(f"correct answer(s) {stray} are not among the options {options}")
    return clean


def check_answer(answer: object, options: list[str]) -> str:
    """A student's answer: one of ``options``, or a free text when there are none."""
    if options:
        if isinstance(answer, str) and answer.strip() in options:
            return answer.strip()
        raise ClassroomError(f"choose one of {', '.join(map(repr, options))}; got {_shown(answer)}")
    return check_text(answer, "an answer")


def dump_json(value: object, what: str, limit: int = MAX_JSON) -> str:
    """``value`` (a dict of JSON values) as compact JSON of at most ``limit`` bytes, or raise."""
    if not isinstance(value, Mapping):
        raise ClassroomError(f"{what} must be a dict; got {_shown(value)}")
    try:
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ClassroomError(
            f"{what} must hold only JSON values (dicts with text keys, lists, text, finite "
            f"numbers, true/false, null): {exc}"
        ) from None
    if len(text) > limit:
        raise ClassroomError(f"{what} is {len(text):,} bytes as JSON; the limit is {limit:,}")
    return text


def _char_name(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _shown(value: object) -> str:
    """A short, safe rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
