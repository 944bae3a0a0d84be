"""After class: one row per question (votes, % right, the most common wrong answer, the
misconceptions explain answers showed) and the same as CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable

from .records import Question, SummaryRow

CSV_COLUMNS = (
    "question",
    "item_id",
    "kind",
    "prompt",
    "votes",
    "right",
    "percent_right",
    "most_common_wrong",
    "most_common_wrong_votes",
    "misconceptions",
)


def summarize(
    questions: Iterable[Question], votes: Iterable[tuple[int, str, str | None]]
) -> list[SummaryRow]:
    """Summarise a class.

    Args:
        questions: the class's questions, in order.
        votes: ``(question_id, answer, detail JSON or None)`` for every vote of the class.

    Returns:
        One :class:`SummaryRow` per question. ``percent_right`` is ``None`` when the question
        has no known correct answer (a predict question whose run is not recorded yet) or no
        votes; ties for the most common wrong answer go to the earlier option, then A-Z.
    """
    answers: dict[int, Counter] = {}
    misconceptions: dict[int, Counter] = {}
    for question_id, answer, detail in votes:
        answers.setdefault(question_id, Counter())[answer] += 1
        names = _misconceptions(detail)
        misconceptions.setdefault(question_id, Counter()).update(names)
    return [
        _row(q, answers.get(q.id, Counter()), misconceptions.get(q.id, Counter()))
        for q in questions
    ]


def _row(q: Question, answers: Counter, named: Counter) -> SummaryRow:
    total = sum(answers.values())
    right = sum(answers[c] for c in q.correct) if q.correct else None
    percent = None if right is None or total == 0 else round(100 * right / total, 1)
    rank = {o: i for i, o in enumerate(q.options)}
    wrong = sorted(
        ((a, n) for a, n in answers.items() if a not in q.correct),
        key=lambda an: (-an[1], rank.get(an[0], len(rank)), an[0]),
    )
    top, top_votes = wrong[0] if wrong and q.correct else (None, 0)
    return SummaryRow(
        position=q.position,
        item_id=q.item_id,
        kind=q.kind,
        prompt=q.prompt,
        votes=total,
        right=right,
        percent_right=percent,
        top_wrong=top,
        top_wrong_votes=top_votes,
        misconceptions=dict(sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _misconceptions(detail: str | None) -> list[str]:
    """The misconception names a vote's detail records (``{"misconceptions": [...]}``)."""
    if detail is None:
        return []
    names = json.loads(detail).get("misconceptions")
    if not isinstance(names, list):
        return []
    return list(dict.fromkeys(n[:200] for n in names if isinstance(n, str) and n.strip()))


def to_csv(rows: Iterable[SummaryRow]) -> bytes:
    """The summary as CSV bytes (UTF-8 with a BOM). Text cells that a spreadsheet would run as
    a formula (starting with ``= + - @``) get a leading apostrophe: answers come from students."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        named = "; ".join(f"{name} ({n})" for name, n in r.misconceptions.items())
        writer.writerow(
            [
                r.position,
                _cell(r.item_id),
                r.kind,
                _cell(r.prompt),
                r.votes,
                "" if r.right is None else r.right,
                "" if r.percent_right is None else f"{r.percent_right:.1f}",
                _cell(r.top_wrong or ""),
                r.top_wrong_votes,
                _cell(named),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
