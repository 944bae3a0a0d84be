"""Quiz banks: loading and validating the TOML question files of ``lessons/quiz/``.

Pure Python (standard library only here): the app, the tests and a teacher's script can all use
it without torch or streamlit. The item types live in :mod:`gradclip_core.quiz.items`; the
package's ``__init__`` re-exports the public names of every module of the package.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from gradclip_core.lessons import ContentError, parse_toml, read_utf8, shown, sorted_prefixed
from gradclip_core.quiz.claims import explain_prompt
from gradclip_core.quiz.items import (
    BLANK,
    CLIP_MODES,
    LEVELS,
    MAX_PREDICT_STEPS,
    MODE_FILES,
    OVERRIDE_TYPES,
    SOURCES,
    Bank,
    FillCode,
    Flashcard,
    MultipleChoice,
    Option,
    PredictScenario,
    TrueFalse,
)
from gradclip_core.quiz.order import order_item
from gradclip_core.quiz.portable import lend_portable

# --- validation -------------------------------------------------------------------------------
# Per table: "field:kind" words; a trailing "?" marks an optional field. Kinds are checked by
# _value(); "options", "concepts" and "overrides" are nested tables checked on their own, and an
# order item's "order_steps" and "order_rules" are checked in quiz.order.
_SPECS = {
    "card": "id:id level:level front:str back:str source:source",
    "question": "id:id prompt:str source:source options:options",
    "prompt": "id:id question:str hint:str model_answer:str source:source concepts:concepts "
    "misconceptions:misconceptions? order:calls?",
    "statement": "id:id text:str answer:bool why:str source:source?",
    "fill": "id:id prompt:str code:code answers:strs explanation:str source:source? "
    "allow_short_names:bool?",
    "order": "id:id prompt:str steps:order_steps explanation:str source:source? rules:order_rules?",
    "scenario": "id:id prompt:str preset:str steps:int overrides:overrides? question:str "
    "choices:strs expected:int explanation:str source:source?",
    "options": "text:str correct:bool why:str",
    "concepts": "name:str hint:str claims:strs",
    "misconceptions": "claims:strs cancels:strs feedback:str portable:bool?",
    "calls": "first:str then:str feedback:str cancels:strs? listed:bool?",
}
# Examples for the "add `key = example`" fix text: by field name first, then by kind.
_EXAMPLES = {
    "order_steps": '[{ id = "backward", text = "loss.backward()" }, ...]',
    "level": '"beginner"',
    "source": '"original"',
    "preset": '"healthy"',
    "steps": "100",
    "expected": "0",
    "choices": '["It diverges", "It keeps training"]',
    "code": '"""...the code, with one ____ blank..."""',
    "options": "[[question.options]] tables",
    "concepts": "[[prompt.concepts]] tables",
    "misconceptions": "[[prompt.misconceptions]] tables",
    "calls": "[[prompt.order]] tables",
    "overrides": '{ clip_mode = "norm", threshold = 1.0 }',
    "id": '"my-item-id"',
    "str": '"some text"',
    "bool": "true",
    "int": "1",
    "strs": '["first", "second"]',
}


def _spec(table: str) -> dict[str, tuple[str, str, bool]]:
    """Field -> (kind, example, required) for one table kind."""
    spec = {}
    for word in _SPECS[table].split():
        name, kind = word.rstrip("?").split(":")
        key = kind if kind.startswith("order_") else name  # an order item's steps: no int
        example = _EXAMPLES.get(key, _EXAMPLES.get(kind, '"..."'))
        spec[name] = (kind, example, not word.endswith("?"))
    return spec


_ALLOWED = {"level": LEVELS, "source": SOURCES}
# An explain prompt's nested tables: (key, spec, label in messages); checked in quiz.claims.
_PROMPT_TABLES = (
    ("concepts", "concepts", "concept"),
    ("misconceptions", "misconceptions", "misconception"),
    ("order", "calls", "order rule"),
)


def _value(kind: str, value, name: str, example: str) -> str | None:
    """Return what is wrong with ``value`` for this kind, or None when it is fine."""
    if kind in ("id", "str", "code", "level", "source"):
        if not isinstance(value, str) or not value.strip():
            return f"`{name}` must be a non-empty string, e.g. `{name} = {example}`"
        if kind == "id" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
            return f"`{name}` {value!r} may use only letters, digits, '-', '_' and '.'"
        if kind == "code" and value.count(BLANK) != 1:
            return f"`code` must contain exactly one {BLANK} blank, found {value.count(BLANK)}"
        if kind in _ALLOWED and value not in _ALLOWED[kind]:
            allowed = ", ".join(_ALLOWED[kind])
            return f"`{name}` is {value!r}; use `{name} = {example}`; allowed: {allowed}"
    elif kind == "bool" and not isinstance(value, bool):
        return f"`{name}` must be true or false (no quotes), e.g. `{name} = {example}`"
    elif kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"`{name}` must be an integer, e.g. `{name} = {example}`"
    elif kind == "strs" and (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        return f"`{name}` must be a non-empty list of non-empty strings, e.g. `{name} = {example}`"
    elif kind in ("options", "concepts", "misconceptions", "calls") and (
        not isinstance(value, list) or not all(isinstance(v, dict) for v in value)
    ):
        return f"`{name}` must be written as {example}"
    elif kind == "overrides" and not isinstance(value, dict):
        return f"`{name}` must be an inline table, e.g. `{name} = {example}`"
    return None


def _checked(entry: dict, spec_key: str, where: str) -> dict:
    """Check one table against its spec; raise a ContentError naming ``where`` and the fix."""
    spec = _spec(spec_key)
    for name in entry:
        if name not in spec:
            raise ContentError(f"{where}: unknown key `{name}`; allowed keys: {', '.join(spec)}")
    for name, (kind, example, required) in spec.items():
        if name not in entry:
            if required:
                extra = f"; allowed: {', '.join(_ALLOWED[kind])}" if kind in _ALLOWED else ""
                raise ContentError(
                    f"{where}: missing key `{name}`; add `{name} = {example}`{extra}"
                )
            continue
        problem = _value(kind, entry[name], name, example)
        if problem:
            raise ContentError(f"{where}: {problem}")
    return entry


def _options(raw: list[dict], where: str) -> tuple[Option, ...]:
    options = tuple(
        Option(**_checked(o, "options", f"{where} option #{i}")) for i, o in enumerate(raw, 1)
    )
    right = sum(o.correct for o in options)
    if len(options) < 2 or right != 1:
        raise ContentError(
            f"{where}: needs at least 2 options with exactly one `correct = true`, found "
            f"{len(options)} options and {right} correct; mark one option true, the rest false"
        )
    return options


def _overrides(raw: dict, where: str) -> dict:
    for key, value in raw.items():
        types = OVERRIDE_TYPES.get(key)
        if types is None:
            allowed = ", ".join(OVERRIDE_TYPES)
            raise ContentError(f"{where}: unknown override `{key}`; allowed: {allowed}")
        if isinstance(value, bool) or not isinstance(value, types):
            raise ContentError(f"{where}: override `{key}` has the wrong type: {shown(value)}")
        if OVERRIDE_TYPES[key][0] is float and not _finite(value):
            raise ContentError(
                f"{where}: override `{key}` = {shown(value)} is not a finite number; "
                f"write e.g. `{key} = 1.0`"
            )
        if key == "clip_mode" and value not in CLIP_MODES:
            allowed = ", ".join(CLIP_MODES)
            raise ContentError(f"{where}: clip_mode {value!r} is unknown; allowed: {allowed}")
    return {k: float(v) if OVERRIDE_TYPES[k][0] is float else v for k, v in raw.items()}


def _finite(value: float | int) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int too large for a float
        return False


def _build(table: str, entry: dict, where: str):
    """Build the dataclass for one validated entry of ``table``."""
    e = dict(entry)
    if table == "card":
        return Flashcard(**e)
    if table == "question":
        return MultipleChoice(**{**e, "options": _options(e["options"], where)})
    if table == "prompt":
        for key, spec, label in _PROMPT_TABLES:
            e[key] = [
                _checked(t, spec, f"{where} {label} #{i}") for i, t in enumerate(e.get(key, ()), 1)
            ]
        return explain_prompt(e, where)
    if table == "statement":
        return TrueFalse(**e)
    if table == "fill":
        return FillCode(**{**e, "answers": tuple(e["answers"])})
    if table == "order":
        return order_item(e, where)
    return _scenario(e, where)


def _scenario(e: dict, where: str) -> PredictScenario:
    if len(e["choices"]) != 2:
        raise ContentError(f"{where}: `choices` must list exactly 2 answers")
    if e["expected"] not in (0, 1):
        raise ContentError(f"{where}: `expected` must be 0 or 1 (an index into choices)")
    if not 1 <= e["steps"] <= MAX_PREDICT_STEPS:
        raise ContentError(f"{where}: `steps` must be between 1 and {MAX_PREDICT_STEPS}")
    overrides = _overrides(e.get("overrides", {}), where)
    return PredictScenario(**{**e, "choices": tuple(e["choices"]), "overrides": overrides})


def _parse_file(path: Path, mode: str) -> tuple:
    """Parse and validate one quiz file of the given mode."""
    data = parse_toml(read_utf8(path, str(path)), str(path))
    key = MODE_FILES[mode]
    spec = {"fill_code": "fill", "order": "order"}.get(mode, key)
    extra = set(data) - {key}
    if extra or not isinstance(data.get(key), list):
        raise ContentError(
            f"{path}: a {mode} file holds only [[{key}]] tables; found keys "
            f"{sorted(data)}; write each entry under a [[{key}]] header"
        )
    items = []
    for n, entry in enumerate(data[key], 1):
        if not isinstance(entry, dict):
            raise ContentError(
                f"{path}: entry #{n} of `{key}` is {shown(entry)}, not a table; write each "
                f"entry under its own [[{key}]] header"
            )
        label = f"{key} {entry['id']!r}" if isinstance(entry.get("id"), str) else f"[[{key}]] #{n}"
        where = f"{path}: {label}"
        items.append(_build(spec, _checked(entry, spec, where), where))
    return tuple(items)


def load_bank(folder: str | Path) -> Bank:
    """Read and validate every ``NN_<mode>.toml`` quiz file in ``folder``.

    Args:
        folder: the quiz folder, normally ``lessons/quiz``.

    Returns:
        A :class:`Bank` with the items of each mode in file order.

    Raises:
        ContentError: a file is malformed (the message names the file, the entry and the fix),
            a file name is not a known mode, or two items share an id.
    """
    bank, errors = load_bank_report(folder)
    if errors:
        raise errors[0]
    return bank


def load_bank_report(folder: str | Path) -> tuple[Bank, list[ContentError]]:
    """The items of every good quiz file in ``folder``, and one error per broken file.

    A broken file costs only its own items: the other modes stay usable, and the page can
    say which file to fix.

    Args:
        folder: the quiz folder, normally ``lessons/quiz``.

    Returns:
        ``(bank, errors)``: a :class:`Bank` of the files that loaded (a broken file's mode is
        left out of ``bank.modes``); each error names its file (also in its ``path``) and the fix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        missing = f"{folder}: quiz folder not found; create it with NN_<mode>.toml files"
        return Bank(), [ContentError(missing, folder)]
    by_mode: dict[str, tuple] = {}
    claimed: set[str] = set()  # modes with a file, loaded or not: a second file is an error
    seen_ids: dict[str, str] = {}
    errors: list[ContentError] = []
    for path, mode in sorted_prefixed(folder, ".toml"):
        try:
            items = _file_items(path, mode, claimed, seen_ids)
        except ContentError as err:
            err.path = path
            errors.append(err)
            continue
        by_mode[mode] = items
    if "explain" in by_mode:  # every prompt borrows the others' portable misconceptions
        by_mode["explain"] = lend_portable(by_mode["explain"])
    return Bank(**by_mode, modes=tuple(by_mode)), errors


def _file_items(path: Path, mode: str, claimed: set[str], seen_ids: dict[str, str]) -> tuple:
    """The items of one quiz file, checked against the files before it (mode, ids)."""
    if mode not in MODE_FILES:
        raise ContentError(
            f"{path}: unknown quiz mode {mode!r} in the file name; "
            f"rename it to NN_<mode>.toml with mode one of: {', '.join(MODE_FILES)}"
        )
    if mode in claimed:
        raise ContentError(f"{path}: a second file for mode {mode!r}; merge the two files")
    claimed.add(mode)
    items = _parse_file(path, mode)
    mine: dict[str, str] = {}  # this file's ids join ``seen_ids`` only if the whole file loads
    for item in items:
        if item.id in seen_ids or item.id in mine:
            raise ContentError(
                f"{path}: {MODE_FILES[mode]} {item.id!r}: duplicate id, already used in "
                f"{seen_ids.get(item.id, path)}; give one of them another id"
            )
        mine[item.id] = str(path)
    seen_ids.update(mine)
    return items
