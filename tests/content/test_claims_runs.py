"""Claims that run (DESIGN.md, Tests): what the lessons, presets, quiz explanations and the
divergence callout say about the app's own runs, checked on the engine. Torch facts:
test_claims.py.

Each test's docstring quotes the file and the sentence it guards; quoted figures are checked
within the tolerance the test names. Runs are on the CPU with one thread, as the app runs them
(app.py), and cached for the module: the file runs in well under a minute.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from gradclip_core.config import TrainConfig
from gradclip_core.presets import get_preset
from gradclip_core.quiz import load_bank
from gradclip_core.trainer import Trainer

torch.set_num_threads(1)  # as app.py and the CLI: the figures below are that run's
ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
BANK = load_bank(LESSONS / "quiz")


def _says(relpath: str, *phrases: str) -> None:
    """The file still states each phrase (whitespace and line breaks do not matter)."""
    text = " ".join((LESSONS / relpath).read_text(encoding="utf-8").split())
    for phrase in phrases:
        assert " ".join(phrase.split()) in text, f"{relpath} no longer says {phrase!r}"


@functools.cache
def _cached(name: str, steps: int, changes: tuple) -> Trainer:
    return Trainer(get_preset(name).config.replace(device="cpu", **dict(changes))).run(steps)


def run(name: str, steps: int | None = None, **changes) -> Trainer:
    """A preset trained for ``steps`` (default: its own), shared by the tests: do not step it."""
    steps = get_preset(name).steps if steps is None else steps
    return _cached(name, steps, tuple(sorted(changes.items())))


def frame(name: str, steps: int | None = None, **changes):
    return run(name, steps, **changes).to_frame()


def last20(name: str, **changes) -> float:
    return float(frame(name, **changes)["loss"].to_numpy()[-20:].mean())


# ---- every predict scenario -----------------------------------------------------------------
@pytest.mark.parametrize("item", BANK.predict, ids=lambda s: s.id)
def test_every_predict_outcome_is_what_the_engine_does(item):
    """07_predict.toml: each scenario's ``expected`` choice (0: it diverges, 1: it stays finite)
    is what the engine produces for that preset, overrides and number of steps."""
    trainer = run(item.preset, item.steps, **item.overrides)
    assert (0 if trainer.diverged else 1) == item.expected, trainer.divergence


# ---- the exploding RNN ----------------------------------------------------------------------
def test_exploding_rnn_entries_stay_finite_while_the_float32_norm_overflows():
    """02_exploding_gradients.md: "At step 34 every gradient entry is still finite (the largest
    about 2.4e18), but the float32 norm overflows to `inf` (true size about 1.9e19). The app stops
    the run before that update, so the weights never turn to `nan`." Also pr-rnn-noclip and
    presets/exploding-rnn.toml. Checked with torch alone, apart from the engine's diagnosis;
    tolerance 5 % on the sizes."""
    _says("read/02_exploding_gradients.md", "At step 34", "about 2.4e18", "about 1.9e19")
    _says("quiz/07_predict.toml", "At step 34 every gradient entry is still finite")
    _says("presets/exploding-rnn.toml", "overflows float32 at step 34 (every entry still finite)")
    trainer = run("exploding-rnn", 100)
    d = trainer.divergence
    assert d.step == 34 and d.cause == "norm" and math.isinf(d.grad_norm)
    assert all(torch.isfinite(p).all() for p in trainer.params)
    # Replay step 34 with plain torch on a copy of the weights it started from.
    twin = Trainer(get_preset("exploding-rnn").config.replace(device="cpu")).run(33)
    batch = twin.task.sample(33)
    twin.optimizer.zero_grad()
    twin.task.loss(twin.model(batch.x), batch).backward()
    grads = [p.grad for p in twin.params]
    assert all(torch.isfinite(g).all() for g in grads)
    assert float(torch.nn.utils.get_total_norm(grads)) == math.inf
    largest = max(float(g.abs().max()) for g in grads)
    true = math.sqrt(sum(float(g.double().square().sum()) for g in grads))
    assert largest == pytest.approx(2.4e18, rel=0.05) == d.max_abs_grad
    assert true == pytest.approx(1.9e19, rel=0.05) and true == pytest.approx(d.true_norm)
    assert true**2 > torch.finfo(torch.float32).max  # the callout's "passes 3.4e38"


def test_exploding_rnn_recurrent_gradient_explodes_first_then_tanh_saturates():
    """02_exploding_gradients.md: "(The recurrent gradient exploded first, about 1e18 at step 23;
    then `tanh` saturated and the readout ran away.)" Tolerance: a factor of 2 on 1e18."""
    _says("read/02_exploding_gradients.md", "about 1e18 at step 23")
    f = frame("exploding-rnn", 100).set_index("step")
    recurrent = f["grad_norm[hidden→hidden (recurrent)]"]
    assert 0.5e18 <= recurrent[23] <= 2e18 and recurrent[23] == recurrent[:33].max()
    assert (recurrent[24:33] == 0).all()  # saturated: no gradient flows into the RNN
    readout = f["grad_norm[readout]"]
    assert (np.diff(readout[24:33].to_numpy()) > 0).all()


def test_exploding_rnn_with_another_seed_only_shifts_the_moment():
    """07_predict.toml pr-rnn-seed: "another seed only shifts the moment it blows up (step 40
    with seed 1, step 34 with seed 0)"."""
    _says("quiz/07_predict.toml", "step 40 with seed 1, step 34 with seed 0")
    assert run("exploding-rnn", 150, clip_mode="none", seed=1).divergence.step == 40
    assert run("exploding-rnn", 100).divergence.step == 34


def test_exploding_rnn_clipped_by_norm_takes_bounded_steps_and_learns():
    """07_predict.toml pr-rnn-norm: "no update can be longer than lr × 1.0 = 0.05 ... the raw
    gradient norm never again reaches its step-1 value of about 28 ... loss about 0.017 at the
    end, 5 × below the 0.083 baseline"; 01_what_is_clipping.md: "with plain SGD the step is at
    most learning rate × limit". Tolerance: 1e-6 on the bound, 10 % on the loss."""
    _says("quiz/07_predict.toml", "step-1 value of about 28", "loss about 0.017 at the end")
    trainer = run("exploding-rnn", 300, clip_mode="norm", threshold=1.0)
    f = trainer.to_frame()
    assert not trainer.diverged
    assert f["update_norm"].max() <= 0.05 * (1 + 1e-6)
    norms = f["grad_norm"].to_numpy()
    assert norms[0] == pytest.approx(28, abs=0.5) and (norms[1:] < norms[0]).all()
    loss = last20("exploding-rnn", clip_mode="norm", threshold=1.0)
    assert loss == pytest.approx(0.017, rel=0.1)
    assert trainer.task.baseline == pytest.approx(0.083, abs=5e-4)
    assert trainer.task.baseline / loss == pytest.approx(5, abs=0.5)


def test_exploding_rnn_clipped_by_value_stays_finite_with_a_bent_direction():
    """07_predict.toml pr-rnn-value: "here it never exceeds about 0.3 ... cosine with the raw
    gradient down to about 0.73". Tolerance: 0.01 on each."""
    _says("quiz/07_predict.toml", "never exceeds about 0.3", "down to about 0.73")
    f = frame("exploding-rnn", 300, clip_mode="value", threshold=0.1)
    assert f["update_norm"].max() == pytest.approx(0.3, abs=0.01)
    assert f["cosine"].min() == pytest.approx(0.73, abs=0.01)


def test_small_gain_starts_with_every_singular_value_at_0_9():
    """07_predict.toml pr-rnn-small-gain: "every singular value of the recurrent matrix starts
    at 0.9"; 02_exploding_gradients.md: below 1 "the product must shrink"."""
    trainer = Trainer(get_preset("exploding-rnn").config.replace(device="cpu", init_scale=0.9))
    sv = torch.linalg.svdvals(trainer.model.recurrent_weight.detach())
    torch.testing.assert_close(sv, torch.full_like(sv, 0.9))
    assert not run("exploding-rnn", 300, clip_mode="none", init_scale=0.9).diverged


# ---- the deep MLP ---------------------------------------------------------------------------
def test_deep_mlp_first_gradient_is_moderate_then_the_forward_pass_overflows():
    """07_predict.toml pr-mlp-noclip: "The first gradient is not huge (norm about 49) ... After
    one SGD step the gradient norm is about 1.7e5 ... at step 3 the forward pass overflows and
    the loss is nan"; presets/deep-mlp-nan.toml. Tolerance: 2 % on the norms."""
    _says("quiz/07_predict.toml", "norm about 49", "about 1.7e5", "at step 3 the forward pass")
    _says("presets/deep-mlp-nan.toml", "from 49 to 1.7e5, and at step 3 the forward pass")
    trainer = run("deep-mlp-nan", 50)
    norms = trainer.to_frame()["grad_norm"].to_numpy()
    assert norms[0] == pytest.approx(49, rel=0.02) and norms[1] == pytest.approx(1.7e5, rel=0.02)
    d = trainer.divergence
    assert d.step == 3 and d.cause == "forward" and math.isnan(d.loss)


def test_deep_mlp_clipped_by_norm_or_agc_takes_bounded_steps():
    """07_predict.toml pr-mlp-norm: "each update is at most 0.05 × 1.0 long ... the network
    learns"; pr-mlp-agc: "no layer's update is more than about 0.05 × 0.01 = 0.05 % of its
    weights' size"; 05_adaptive_clipping.md: "Try `agc`: it trains through all 300 steps".
    Tolerance: 1e-6 on the norm bound, 0.1 % on AGC's (the ratio is read after the update)."""
    norm = run("deep-mlp-nan", 300, clip_mode="norm", threshold=1.0)
    assert not norm.diverged and norm.to_frame()["update_norm"].max() <= 0.05 * (1 + 1e-6)
    assert last20("deep-mlp-nan", clip_mode="norm", threshold=1.0) < norm.task.baseline
    agc = run("deep-mlp-nan", 300, clip_mode="agc")
    f = agc.to_frame()
    ratios = f[[c for c in f.columns if c.startswith("update_ratio[")]].to_numpy()
    assert not agc.diverged and ratios.max() <= 0.05 * 0.01 * (1 + 1e-3)


def test_autoclip_cannot_save_the_deep_mlp():
    """05_adaptive_clipping.md: "try `autoclip`: it still diverges at step 3 ... (the step 2
    threshold is already about 1.7e4)". Tolerance: 2 %."""
    _says("read/05_adaptive_clipping.md", "still diverges at step 3", "about 1.7e4")
    trainer = run("deep-mlp-nan", 300, clip_mode="autoclip")
    assert trainer.divergence.step == 3
    assert trainer.to_frame()["threshold"].iloc[1] == pytest.approx(1.7e4, rel=0.02)


# ---- healthy, AutoClip, tiny threshold, Adam ------------------------------------------------
def test_healthy_run_clips_9_of_300_steps_and_differs_from_unclipped_from_step_105():
    """01_what_is_clipping.md: "clipping acts on 9 of its 300 steps"; presets/healthy.toml;
    07_predict.toml pr-healthy: "median norm about 0.7 ... only 9 of the 300 steps";
    pr-healthy-noclip: "the first at step 105 ... identical up to step 105 ... loss about 0.116
    over the last 20 steps, against 0.076 clipped". Tolerance: 0.005 on the losses."""
    _says("read/01_what_is_clipping.md", "clipping acts on 9 of its 300 steps")
    _says("presets/healthy.toml", "fires on 9 of 300 steps")
    _says("quiz/07_predict.toml", "median norm about 0.7", "only 9 of the 300 steps")
    _says("quiz/07_predict.toml", "identical up to step 105", "0.116", "against 0.076 clipped")
    clipped, unclipped = frame("healthy"), frame("healthy", clip_mode="none")
    assert int(clipped["clipped"].sum()) == 9
    first = int(clipped["step"][clipped["clipped"].astype(bool)].min())
    assert first == 105
    same = clipped["loss"].to_numpy()[:first] == unclipped["loss"].to_numpy()[:first]
    assert same.all() and clipped["loss"].iloc[first] != unclipped["loss"].iloc[first]
    assert clipped["grad_norm"].median() == pytest.approx(0.7, abs=0.05)
    assert last20("healthy") == pytest.approx(0.076, abs=0.005)
    assert last20("healthy", clip_mode="none") == pytest.approx(0.116, abs=0.005)


def test_autoclip_at_p10_clips_most_steps():
    """05_adaptive_clipping.md: "At p = 10 most steps are above it, so most steps are clipped:
    in the app, 92 % of the steps of the healthy run and 77 % of the exploding RNN's"; cheat
    sheet, fc-autoclip, tf-autoclip-fixed. Tolerance: 1.5 percentage points."""
    _says("read/05_adaptive_clipping.md", "92 % of the steps of the healthy run", "77 %")
    healthy = frame("healthy", clip_mode="autoclip", threshold=10.0)["clipped"].mean()
    rnn = frame("exploding-rnn", clip_mode="autoclip", threshold=10.0)["clipped"].mean()
    assert healthy == pytest.approx(0.92, abs=0.015)
    assert rnn == pytest.approx(0.77, abs=0.015)


def test_tiny_threshold_with_sgd_shrinks_every_step():
    """07_choosing_a_threshold.md: "plain SGD: every step has length learning rate × threshold";
    "SGD with momentum 0.9: ... steps reach up to 10 × that (about 7 × in the tiny-threshold
    preset)"; pr-tiny: "about 7 × lr × 0.01 (at most 10 ×), over 20 times shorter than in the
    healthy run ... about 0.82 after 300 steps, against 0.076"; presets/tiny-threshold.toml:
    "every gradient is shrunk, and with SGD (momentum 0.9) every step too". Tolerance: 10 % on
    7 ×, 0.01 on the losses, 1e-4 on plain SGD's step."""
    _says("read/07_choosing_a_threshold.md", "about 7 × in the tiny-threshold preset")
    _says("quiz/07_predict.toml", "about 7 × lr × 0.01 (at most 10 ×)", "about 0.82")
    _says("presets/tiny-threshold.toml", "every gradient is shrunk")
    assert frame("tiny-threshold")["clipped"].all()
    eta_c = 0.05 * 0.01
    plain = frame("tiny-threshold", momentum=0.0)["update_norm"].to_numpy()
    np.testing.assert_allclose(plain, eta_c, rtol=1e-4)
    tiny = frame("tiny-threshold")["update_norm"].to_numpy()
    assert np.median(tiny) / eta_c == pytest.approx(7, rel=0.1)
    assert tiny.max() <= 10 * eta_c * (1 + 1e-4)  # eta c / (1 - mu)
    assert np.median(frame("healthy")["update_norm"]) / np.median(tiny) > 20
    assert last20("tiny-threshold") == pytest.approx(0.82, abs=0.01)
    assert not run("tiny-threshold").diverged


def test_adam_cancels_a_tight_threshold():
    """07_choosing_a_threshold.md: "The tiny-threshold run switched to Adam takes steps about as
    large clipped at 0.01 or 0.0001 as unclipped (median 0.45 and 0.48 against 0.40)"; cheat
    sheet, fc-too-tight, mc-too-tight, tf-tiny-threshold. Tolerance: 0.01 on each median."""
    _says("read/07_choosing_a_threshold.md", "median 0.45 and 0.48 against 0.40")
    medians = [
        float(np.median(frame("tiny-threshold", optimizer="adam", **extra)["update_norm"]))
        for extra in ({"threshold": 0.01}, {"threshold": 1e-4}, {"clip_mode": "none"})
    ]
    assert medians == pytest.approx([0.45, 0.48, 0.40], abs=0.01)


def test_spiky_rnn_norm_jumps_tenfold_27_times_yet_stays_finite():
    """presets/spiky-tanh-rnn.toml: "the gradient norm jumps tenfold or more from one step to the
    next (27 times in 300 steps, up to about 60-fold), yet stays finite"; pr-spiky. Tolerance:
    the count exactly, 10 % on 60."""
    _says("presets/spiky-tanh-rnn.toml", "27 times in 300 steps, up to about 60-fold")
    trainer = run("spiky-tanh-rnn")
    jumps = np.abs(np.diff(np.log10(trainer.to_frame()["grad_norm"].to_numpy())))
    assert not trainer.diverged and int((jumps >= 1).sum()) == 27
    assert 10 ** jumps.max() == pytest.approx(60, rel=0.1)


# ---- the callout and the history row say what happened --------------------------------------
def _callout_app(name: str, steps: int) -> None:
    from gradclip_core.presets import get_preset
    from ui.live import LiveRun
    from ui.playground.callout import render_callout

    run = LiveRun(get_preset(name).config.replace(device="cpu"))
    render_callout(run, run.trainer.run(steps))


@pytest.mark.parametrize("name", ["exploding-rnn", "deep-mlp-nan"])
def test_the_callout_names_the_case_and_the_true_size(name):
    """ui/playground/callout.py: the norm case says "every gradient entry is still a finite
    number (the largest is 2.39e+18), but the gradient's length is 1.92e+19 ... reads `inf`" and
    what `clip_grad_norm_` does with it; the forward case says the loss became nan."""
    d = run(name, 100).divergence
    at = AppTest.from_function(_callout_app, args=(name, 100), default_timeout=60).run()
    assert not at.exception and f"exploded at step {d.step}" in at.error[0].value
    text = " ".join(m.value for m in at.markdown)
    if name == "exploding-rnn":
        assert "every gradient entry is still a finite number" in text
        assert f"the largest is {d.max_abs_grad:.3g}" in text and f"{d.true_norm:.3g}" in text
        assert "max_norm / inf = 0" in text and "error_if_nonfinite=True" in text
    else:
        assert "forward pass overflowed in **layer 19**" in text and "became nan" in text


def test_the_history_row_records_a_zeroed_gradient_when_the_norm_overflows():
    """clipping.py and trainer.py: with clip by norm on, an overflowed norm (finite entries) is
    recorded as torch handled it: clipped, factor 0, clipped norm 0, cosine 0."""
    config = TrainConfig(model="mlp", task="regression", depth=2, width=8, device="cpu")
    trainer = Trainer(config.replace(clip_mode="norm", threshold=1.0))
    with torch.no_grad():
        trainer.model.head.weight.mul_(1e17)  # finite entries, an overflowing norm
    trainer.step()
    row = trainer.to_frame().iloc[-1]
    assert math.isinf(row["grad_norm"]) and trainer.divergence.cause == "norm"
    assert row["clipped"] and row["clip_coef"] == 0
    assert row["clipped_grad_norm"] == 0 and row["cosine"] == 0
