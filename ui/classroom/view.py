"""The class page's parts: the questions a teacher can push, and the votes as a chart.

No ``st.*`` here: pure functions of the quiz bank and the store's records.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from gradclip_core.classroom import Question
from gradclip_core.quiz.items import Bank

KIND_LABELS = {
    "predict": "Predict the run",
    "multiple-choice": "Multiple choice",
    "true-false": "True or false",
}
RIGHT, WRONG, NEUTRAL = "#009E73", "#D55E00", "#0072B2"


@dataclass(frozen=True)
class Pushable:
    """A bank item as a class question."""

    kind: str
    item_id: str
    prompt: str
    options: tuple[str, ...]
    correct: tuple[str, ...]  # empty for a predict scenario: the run decides
    preset: str | None = None  # predict: the scenario's preset
    steps: int = 0
    overrides: tuple = ()

    @property
    def label(self) -> str:
        text = self.prompt if len(self.prompt) <= 90 else self.prompt[:89] + "…"
        return f"{KIND_LABELS[self.kind]}: {text}"

    def as_question(self) -> dict:
        return {
            "kind": self.kind,
            "item_id": self.item_id,
            "prompt": self.prompt,
            "options": list(self.options),
            "correct": list(self.correct),
        }


def catalogue(bank: Bank) -> dict[str, Pushable]:
    """Every predict scenario, multiple-choice and true-or-false item, by a unique key."""
    out: dict[str, Pushable] = {}
    for s in bank.predict:
        out[f"predict:{s.id}"] = Pushable(
            "predict",
            s.id,
            f"{s.prompt} {s.question}",
            tuple(s.choices),
            (),
            preset=s.preset,
            steps=s.steps,
            overrides=tuple(sorted(s.overrides.items())),
        )
    for m in bank.multiple_choice:
        out[f"mc:{m.id}"] = Pushable(
            "multiple-choice",
            m.id,
            m.prompt,
            tuple(o.text for o in m.options),
            tuple(o.text for o in m.options if o.correct),
        )
    for t in bank.true_false:
        out[f"tf:{t.id}"] = Pushable(
            "true-false", t.id, t.text, ("true", "false"), ("true" if t.answer else "false",)
        )
    return out


def distribution_figure(q: Question, counts: dict[str, int], show_right: bool) -> go.Figure:
    """Votes per answer, no names; the right answer green once it may be shown."""
    answers = list(counts)
    colors = [
        (RIGHT if a in q.correct else WRONG) if show_right and q.correct else NEUTRAL
        for a in answers
    ]
    labels = [a if len(a) <= 40 else a[:39] + "…" for a in answers]
    fig = go.Figure(
        go.Bar(
            x=[counts[a] for a in answers],
            y=labels,
            orientation="h",
            marker_color=colors,
            text=[str(counts[a]) for a in answers],
            textposition="outside",
            hovertext=answers,
            hoverinfo="text+x",
        )
    )
    fig.update_layout(
        height=90 + 56 * len(answers),
        margin=dict(l=10, r=30, t=10, b=30),
        xaxis=dict(
            title="votes",
            tickformat="d",
            rangemode="tozero",
            dtick=1 if max(counts.values(), default=0) <= 10 else None,
        ),
        yaxis=dict(autorange="reversed", tickfont=dict(size=16)),
        font=dict(size=15),
        plot_bgcolor="white",
    )
    return fig


def votes_sentence(counts: dict[str, int], members: int) -> str:
    total = sum(counts.values())
    return f"{total} of {members} students answered."
