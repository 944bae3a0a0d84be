"""Predict, then run: commit to an outcome, then the engine trains the scenario on the spot."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from gradclip_core.budget import step_cost
from gradclip_core.config import ConfigError
from gradclip_core.device import DeviceError
from gradclip_core.presets import PresetError, get_preset
from gradclip_core.quiz import Bank, PredictScenario
from gradclip_core.trainer import Trainer
from ui.captions import fmt
from ui.learn import round as rnd
from ui.learn import state as state
from ui.learn.charts import predict_figure
from ui.learn.text import escape, rich
from ui.training_pool import run_in_pool

PREDICT = "predict"


@dataclass(frozen=True)
class RunOutcome:
    """What a scenario's run did: a few columns of its history and the verdict."""

    columns: dict  # "step", "loss", "grad_norm" -> (rows,) arrays
    mode: str
    steps: int
    baseline: float
    diverged_at: int | None
    reason: str  # the divergence's plain sentence, or ""

    def column(self, name: str) -> np.ndarray:
        return self.columns[name]

    @property
    def index(self) -> int:
        """The choice this outcome makes right: 0 (diverged) or 1 (stayed finite)."""
        return 0 if self.diverged_at is not None else 1

    @property
    def final_loss(self) -> float:
        loss = self.columns["loss"]
        finite = loss[np.isfinite(loss)]
        return float(finite[-1]) if len(finite) else math.nan


@st.cache_data(show_spinner=False, max_entries=64)
def run_scenario(preset: str, overrides: tuple, steps: int) -> RunOutcome:
    """Train a scenario (deterministic, so runs are shared between learners)."""
    config = get_preset(preset).config.replace(**dict(overrides))
    trainer = Trainer(config)
    # On the training pool, within the server's memory budget, like every live step.
    run_in_pool(trainer.run, steps, mb=step_cost(config).mb)
    history = trainer.history
    columns = {n: history.column(n).copy() for n in ("step", "loss", "grad_norm")}
    div = trainer.divergence
    return RunOutcome(
        columns=columns,
        mode=config.clip_mode,
        steps=steps,
        baseline=float(trainer.task.baseline),
        diverged_at=div.step if div is not None else None,
        reason=div.reason if div is not None else "",
    )


def _lock(item: PredictScenario) -> None:
    """Lock in the chosen outcome (once: the round keeps the first prediction)."""
    r = st.session_state.get(state.round_key(PREDICT))
    choice = st.session_state.get(f"learn_predict_choice_{item.id}")
    if r is not None and choice is not None:
        r.setdefault("locked", {}).setdefault(item.id, int(choice))


def render_predict(bank: Bank) -> None:
    """Scenario card, a locked-in prediction, then the real run next to it."""
    items = bank.items(PREDICT)
    r, item = rnd.start(PREDICT, items)
    rnd.render_position(PREDICT, r)
    if item is None:
        rnd.render_round_end(PREDICT, r, [i.id for i in items])
        return
    with st.container(border=True):
        st.markdown(rich(item.prompt))
        st.markdown(f"#### {rich(item.question)}")
    locked = r.get("locked", {}).get(item.id)
    st.radio(
        "Your prediction",
        list(range(len(item.choices))),
        index=None,
        key=f"learn_predict_choice_{item.id}",
        format_func=lambda i: escape(item.choices[i]),
        disabled=locked is not None,
    )
    if locked is None:
        st.button(
            "Lock in my prediction",
            key="learn_predict_lock",
            type="primary",
            icon=":material/lock:",
            on_click=_lock,
            args=(item,),
        )
        return
    if item.id not in r["answers"]:
        try:
            with st.spinner(f"Training for up to {item.steps} steps…"):
                outcome = run_scenario(
                    item.preset, tuple(sorted(item.overrides.items())), item.steps
                )
        except (PresetError, ConfigError, DeviceError) as err:
            render_broken_scenario(item, err)
            rnd.render_next(PREDICT, r)
            return
        state.answer(PREDICT, item.id, locked == outcome.index, outcome)
    render_outcome(item, locked, r["answers"][item.id])
    rnd.render_next(PREDICT, r)


def render_broken_scenario(item: PredictScenario, err: Exception) -> None:
    """Say why this scenario cannot run and what to fix; the other scenarios still work."""
    where = (
        f"preset file lessons/presets/{item.preset}.toml"
        if isinstance(err, PresetError)
        else f"`overrides` of scenario {item.id!r} in lessons/quiz/ (the predict file)"
    )
    st.warning(
        f"This scenario cannot run, so it is not scored: {escape(str(err))}. Fix the {where}; "
        "press Next for the other scenarios.",
        icon=":material/warning:",
    )


def render_outcome(item: PredictScenario, locked: int, outcome: RunOutcome) -> None:
    said, happened = item.choices[locked], item.choices[outcome.index]
    if locked == outcome.index:
        st.success(f"**You predicted “{escape(said)}”: correct!**", icon=":material/check:")
    else:
        st.error(
            f"**You predicted “{escape(said)}”, but the answer is “{escape(happened)}”.**",
            icon=":material/close:",
        )
    cols = st.columns(3)
    if outcome.diverged_at is not None:
        cols[0].metric("What happened: diverged at step", outcome.diverged_at)
    else:
        cols[0].metric("What happened: finite for", f"{outcome.steps} steps")
    cols[1].metric("Final finite loss", fmt(outcome.final_loss))
    cols[2].metric(
        "Baseline loss", fmt(outcome.baseline), help="The best constant guess scores this"
    )
    fig = predict_figure(
        outcome, baseline=outcome.baseline, mode=outcome.mode, diverged_at=outcome.diverged_at
    )
    st.plotly_chart(fig, key="learn_predict_chart", config={"displayModeBar": False})
    st.caption(outcome_sentence(outcome))
    st.info(rich(item.explanation), icon=":material/lightbulb:")


def outcome_sentence(outcome: RunOutcome) -> str:
    """One sentence with the numbers the chart shows."""
    norms = outcome.column("grad_norm")
    finite = norms[np.isfinite(norms)]
    largest = fmt(float(finite.max())) if len(finite) else "nan"
    if outcome.diverged_at is not None:
        return f"The run {outcome.reason}. Largest finite gradient norm: {largest}."
    loss = outcome.column("loss")
    return (
        f"Loss went from {fmt(float(loss[0]))} at step 1 to {fmt(outcome.final_loss)} at step "
        f"{outcome.steps} (baseline {fmt(outcome.baseline)}); the largest gradient norm was "
        f"{largest}."
    )
