"""Step inside: one step's stages as sentences, charts and highlighted code. No ``st.*`` here.

Every sentence is built from a :class:`~gradclip_core.step_inside.StepInside`: the numbers of
the learner's own run's step (tests/app/test_step_inside.py checks them against the engine).
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go

from gradclip_core.clipping import MODE_LABELS
from gradclip_core.step_code import CodeLine
from gradclip_core.step_inside import STAGE_SHORT, STAGES, StepInside
from ui.captions import fmt
from ui.charts import MODE_COLORS, RAW_COLOR, THRESHOLD_COLOR
from ui.live_chart import PLOTLY_CONFIG
from ui.playground.chart_layout import NUMBER_FORMAT, STEP_FORMAT

FLOAT32_MAX = 3.4028234663852886e38
STAGE_LABELS = {s: f"{i} {STAGE_SHORT[s]}" for i, s in enumerate(STAGES, start=1)}
CHART_CONFIG = PLOTLY_CONFIG  # the camera saves a PNG; nothing uploads anywhere


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


# ---- sentences ------------------------------------------------------------------------------


def stage_sentence(s: StepInside, stage: str) -> str:
    """What the stage did in this step, with its numbers (Markdown)."""
    return {
        "forward": _forward_sentence,
        "loss": _loss_sentence,
        "backward": _backward_sentence,
        "measure": _measure_sentence,
        "clip": _clip_sentence,
        "step": _step_sentence,
    }[stage](s)


def _forward_sentence(s: StepInside) -> str:
    bad = [n for n, ok in zip(s.forward_names, s.forward_finite, strict=True) if not ok]
    if bad:
        return (
            f"The batch goes in and comes out as inf or nan: the output of **{bad[0]}** "
            "overflowed float32 (past 3.4e38). The weights the last steps left are so large that "
            "the forward pass itself breaks, before any gradient exists."
        )
    if s.hidden_over_time is not None:
        t = int(np.argmax(s.hidden_over_time))
        return (
            f"The sequence goes through the recurrent layer one time step at a time "
            f"({len(s.hidden_over_time)} steps); the hidden state's size (its L2 norm, largest "
            f"over the batch) peaks at **{fmt(float(s.hidden_over_time[t]))}** at time step "
            f"{t + 1}. The readout turns the last hidden state into the prediction."
        )
    j = int(np.argmax(s.forward_sizes))
    return (
        f"The batch goes through {len(s.forward_names)} layers; the largest output is that of "
        f"**{s.forward_names[j]}** (L2 norm over the batch {fmt(float(s.forward_sizes[j]))})."
    )


def _loss_sentence(s: StepInside) -> str:
    if not math.isfinite(s.loss):
        return (
            f"The loss is **{fmt(s.loss)}**: nothing after this can be trusted. The trainer "
            "will skip the optimizer step, and the run stops here."
        )
    verdict = "below" if s.loss < s.baseline else "above"
    return (
        f"The loss on this batch is **{fmt(s.loss)}**, {verdict} the best constant guess "
        f"({fmt(s.baseline)})."
    )


def _backward_sentence(s: StepInside) -> str:
    if s.nonfinite.any():
        j = int(np.flatnonzero(s.nonfinite)[-1])
        text = (
            f"Backpropagation fills every `.grad`, and **{int(s.nonfinite.sum()):,}** entries come "
            f"out inf or nan, first (nearest the loss) in **{s.layer_names[j]}**."
        )
    else:
        j = int(np.argmax(s.grad_before))
        text = (
            f"Backpropagation fills every `.grad`. The largest layer gradient is "
            f"**{s.layer_names[j]}**'s (norm {fmt(float(s.grad_before[j]))}); the largest "
            f"single entry is {fmt(s.max_abs_grad)}."
        )
    g = s.grad_over_time
    if g is not None and np.isfinite(g).all() and g[-1] > 0 and g[0] > 0:
        ratio = float(g[0] / g[-1])
        if ratio >= 1:
            text += (
                f" Through time, the gradient reaching the first hidden state is "
                f"**{_times(ratio)}** the one at the last: it grows as it flows back."
            )
        else:
            text += (
                f" Through time, the gradient reaching the first hidden state is "
                f"{fmt(ratio)} of the one at the last: it fades as it flows back."
            )
    return text


def _measure_sentence(s: StepInside) -> str:
    if not math.isfinite(s.true_norm):
        return (
            f"torch's total norm is **{fmt(s.torch_norm)}**: a gradient with inf or nan entries "
            "has no size to measure."
        )
    text = f"torch's total L2 norm of the gradient (in float32) is **{fmt(s.torch_norm)}**."
    if s.norm_overflowed:
        text = (
            f"torch's total norm is **inf**, yet every entry is finite: the true size is "
            f"**{fmt(s.true_norm)}** (measured here in float64), and its square, "
            f"{fmt(s.true_norm**2)}, is past float32's largest number, 3.4e38. The sum of "
            "squares overflowed, not the gradient."
        )
    if s.mode == "none":
        return text + " No clipping: the norm is measured, and nothing is limited."
    if s.mode == "value":
        return text + (
            f" Clip by value ignores it: it compares each entry with {fmt(s.threshold)}; the "
            f"largest entry is {fmt(s.max_abs_grad)}."
        )
    if s.mode == "agc":
        return text + (
            f" AGC ignores the total: it compares each unit's gradient with λ = "
            f"{fmt(s.threshold)} times that unit's weight norm."
        )
    if s.mode == "layer-norm":
        return text + (
            f" Per-layer clipping compares each parameter tensor's own norm with "
            f"{fmt(s.threshold)}."
        )
    limit = f"the threshold {fmt(s.threshold)}"
    if s.mode == "autoclip":
        limit = (
            f"AutoClip's threshold, the {fmt(s.setting)}th percentile of the norms seen so far: "
            f"{fmt(s.threshold)}"
        )
    above = s.torch_norm > s.threshold
    return text + (
        f" It is **{'above' if above else 'below'}** {limit}, so clipping "
        f"{'will shrink it' if above else 'will leave it as it is'}."
    )


def _clip_sentence(s: StepInside) -> str:
    label = MODE_LABELS[s.mode]
    if s.mode == "none":
        return "No clipping: the optimizer gets the raw gradient."
    if s.norm_overflowed and s.mode in ("norm", "autoclip"):
        return (
            f"{label.capitalize()} multiplies every gradient by threshold / (inf + 1e-6) = "
            "**0**: the gradient is silently zeroed, and the step would move nothing. "
            "`clip_grad_norm_(..., error_if_nonfinite=True)` raises an error instead."
        )
    if not math.isfinite(s.true_norm):
        return (
            f"{label.capitalize()} cannot fix an inf or nan entry: the gradient stays non-finite."
        )
    if not s.clipped:
        return f"{label.capitalize()} leaves this gradient unchanged: it is within the limit."
    after = float(np.sqrt(np.square(s.grad_after).sum()))
    angle = (
        math.degrees(math.acos(max(-1.0, min(1.0, s.cosine))))
        if math.isfinite(s.cosine)
        else math.nan
    )
    direction = (
        "the direction is kept (cosine 1)"
        if math.isfinite(s.cosine) and s.cosine > 1 - 1e-6
        else f"the direction turns by {angle:.1f}° (cosine {s.cosine:.4f})"
    )
    return (
        f"{label.capitalize()} shrinks the gradient's norm from {fmt(s.true_norm)} to "
        f"**{fmt(after)}** (factor {fmt(s.coef)}); {direction}."
    )


def _step_sentence(s: StepInside) -> str:
    if s.skipped:
        return (
            "The loss or the norm is not finite, so gradclip's trainer skips this optimizer "
            "step and the run stops here: the weights stay as they were."
        )
    total = float(np.sqrt(np.square(s.update).sum()))
    weight = float(np.sqrt(np.square(s.weight).sum()))
    j = int(np.argmax(s.update / np.where(s.weight > 0, s.weight, np.inf)))
    ratio = float(s.update[j] / s.weight[j]) if s.weight[j] > 0 else math.nan
    opt = "Adam" if s.optimizer == "adam" else "SGD"
    return (
        f"{opt} (learning rate {fmt(s.lr)}) moves the weights by **{fmt(total)}** in all "
        f"(their norm is {fmt(weight)}); the largest change relative to its weights is "
        f"**{s.layer_names[j]}**'s, {fmt(ratio)} of its norm."
    )


# ---- charts ---------------------------------------------------------------------------------


def _positive(values: np.ndarray) -> list[float | None]:
    """Values for a log axis: 0, inf and nan have no place there (None: a gap)."""
    return [float(v) if math.isfinite(v) and v > 0 else None for v in values]


def _bars_layout(fig: go.Figure, title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 16}},
        height=320,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_yaxes(
        type="log", title=y_title, tickformat=NUMBER_FORMAT, hoverformat=NUMBER_FORMAT, nticks=5
    )
    return fig


def stage_figure(s: StepInside, stage: str) -> go.Figure | None:
    """The stage's chart, or ``None`` when its numbers say it all."""
    names = list(s.layer_names)
    color = MODE_COLORS[s.mode]
    if stage == "forward":
        if s.hidden_over_time is not None:
            fig = go.Figure(
                go.Scatter(
                    x=list(range(1, len(s.hidden_over_time) + 1)),
                    y=_positive(s.hidden_over_time),
                    mode="lines+markers",
                    name="hidden state size",
                    line={"color": RAW_COLOR},
                )
            )
            fig.update_xaxes(title="time step t", tickformat=STEP_FORMAT)
            return _bars_layout(fig, "Hidden state ‖h_t‖ through time", "L2 norm (log)")
        fig = go.Figure(
            go.Bar(
                x=list(s.forward_names),
                y=_positive(s.forward_sizes),
                marker_color=RAW_COLOR,
                name="output size",
            )
        )
        return _bars_layout(fig, "Each layer's output, L2 norm over the batch", "L2 norm (log)")
    if stage == "backward":
        if s.grad_over_time is not None:
            g = s.grad_over_time
            fig = go.Figure(
                go.Scatter(
                    x=list(range(1, len(g) + 1)),
                    y=_positive(g),
                    mode="lines+markers",
                    name="‖∂loss/∂h_t‖",
                    line={"color": RAW_COLOR},
                )
            )
            fig.update_xaxes(
                title="time step t (backpropagation runs from right to left)",
                tickformat=STEP_FORMAT,
            )
            return _bars_layout(fig, "The gradient reaching each hidden state", "L2 norm (log)")
        fig = go.Figure(
            go.Bar(
                x=names,
                y=_positive(s.grad_before),
                marker_color=RAW_COLOR,
                name="gradient before clipping",
            )
        )
        return _bars_layout(fig, "Each layer's gradient", "L2 norm (log)")
    if stage == "clip":
        fig = go.Figure(
            [
                go.Bar(
                    x=names,
                    y=_positive(s.grad_before),
                    name="before clipping",
                    marker_color=RAW_COLOR,
                ),
                go.Bar(
                    x=names, y=_positive(s.grad_after), name="after clipping", marker_color=color
                ),
            ]
        )
        if s.mode == "layer-norm" and math.isfinite(s.threshold):
            fig.add_hline(
                y=s.threshold,
                line_dash="dot",
                line_color=THRESHOLD_COLOR,
                annotation_text=f"threshold {fmt(s.threshold)}",
            )
        return _bars_layout(
            fig, "Each layer's gradient, before and after clipping", "L2 norm (log)"
        )
    if stage == "step":
        if s.skipped or not s.update.any():
            return None
        fig = go.Figure(
            go.Bar(x=names, y=_positive(s.update), marker_color=color, name="update ‖Δθ‖")
        )
        return _bars_layout(fig, "How far the step moves each layer's weights", "‖Δθ‖ (log)")
    return None


def stage_numbers(s: StepInside, stage: str) -> list[tuple[str, str]]:
    """The stage's headline numbers: (label, value) for metric tiles."""
    if stage == "loss":
        return [("Loss", fmt(s.loss)), ("Best constant guess", fmt(s.baseline))]
    if stage == "measure":
        tiles = [
            ("torch's norm (float32)", fmt(s.torch_norm)),
            ("True norm (float64)", fmt(s.true_norm)),
        ]
        if s.mode != "none":
            tiles.append(("Threshold", fmt(s.threshold)))
        return tiles
    if stage == "clip":
        return [
            ("Clip factor", fmt(s.coef)),
            ("Cosine raw vs clipped", "–" if math.isnan(s.cosine) else f"{s.cosine:.4f}"),
        ]
    if stage == "step":
        return [
            ("Update ‖Δθ‖", fmt(float(np.sqrt(np.square(s.update).sum())))),
            ("Step", "skipped" if s.skipped else "taken"),
        ]
    return []


# ---- code -----------------------------------------------------------------------------------

CODE_CSS = """
<style>
.gc-code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.8rem;
  line-height: 1.5; background: #f6f7f9; border-radius: 0.5rem; padding: 0.6rem 0;
  overflow-x: auto; margin: 0; }
.gc-code span { display: block; padding: 0 0.8rem; white-space: pre; color: #8a8f98; }
.gc-code span.gc-now { background: #fff3c4; color: #111; border-left: 4px solid #e69f00;
  padding-left: calc(0.8rem - 4px); font-weight: 600; }
.gc-code span.gc-done { color: #333; }
</style>
"""


def code_html(lines: list[CodeLine], stage: str) -> str:
    """The loop as HTML: this stage's lines highlighted, earlier stages' in full colour."""
    reached = STAGES.index(stage)
    out = []
    for line in lines:
        if line.stage == stage:
            cls = "gc-now"
        elif line.stage is None or STAGES.index(line.stage) < reached:
            cls = "gc-done"
        else:
            cls = ""
        mark = f' data-stage="{line.stage}"' if line.stage else ""
        out.append(f'<span class="{cls}"{mark}>{html.escape(line.text) or " "}</span>')
    return CODE_CSS + '<pre class="gc-code">' + "".join(out) + "</pre>"


def source_sentence(s: StepInside, preset: str | None, config) -> str:
    """Which step of which run this is."""
    what = f"preset {preset}" if preset else "your settings"
    model = config.model.upper() if config.model != "mlp" else "MLP"
    if s.diverged:
        return (
            f"Step **{s.step}** of your Playground run ({what}, {model}): the step where it "
            "diverged, taken again on a copy so you can see where the inf appears."
        )
    return (
        f"Step **{s.step}** of your Playground run ({what}, {model}): its next step, computed "
        "on a copy. The run itself does not move until you take the step."
    )
