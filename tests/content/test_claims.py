"""Claims that run (DESIGN.md, Tests): what the lessons, the cheat sheet and the quiz say about
PyTorch, checked on torch itself. Preset stories and predict outcomes: test_claims_runs.py.

Each test's docstring quotes the file and the sentence it guards. Where the text quotes a
figure, the test first checks that the text still says it (``_says``), then measures it within
the tolerance the test names, so a change that makes a lesson wrong fails here.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm

from gradclip_core.clipping import NormHistory, _torch_rule_record, clip_gradients
from gradclip_core.lessons import load_lessons
from tests.content.grads import param_with_grad

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"


def _says(relpath: str, *phrases: str) -> None:
    """The file still states each phrase (whitespace and line breaks do not matter)."""
    text = " ".join((LESSONS / relpath).read_text(encoding="utf-8").split())
    for phrase in phrases:
        assert " ".join(phrase.split()) in text, f"{relpath} no longer says {phrase!r}"


def _blocks(slug: str) -> list[str]:
    lesson = next(x for x in load_lessons(LESSONS / "read") if x.slug == slug)
    return re.findall(r"```python\n(.*?)```", lesson.body, flags=re.S)


def _output(source: str) -> str:
    """Run a lesson's code block as a reader would, and return what it prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), torch.random.fork_rng():
        exec(compile(source, "<lesson>", "exec"), {"__name__": "__lesson__"})
    return out.getvalue()


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the output:\n{text}"
    return float(match[1])


@pytest.mark.parametrize(
    "slug",
    [x.slug for x in load_lessons(LESSONS / "read")],
)
def test_every_lesson_code_block_runs(slug):
    """Every ```python block of every lesson runs as printed (a reader copies them)."""
    for source in _blocks(slug):
        _output(source)


# ---- lesson 01 ------------------------------------------------------------------------------
def test_lesson01_new_length_is_a_hair_under_c():
    """01_what_is_clipping.md: "the length is c · N / (N + 10^-6) with N = ‖g‖: a hair under c",
    and its Try it: "only its length drops to 1 (from about 447)"."""
    _says("read/01_what_is_clipping.md", "a hair under $c$", "drops to 1 (from about 447)")
    out = _output(_blocks("what_is_clipping")[0])
    assert _number(r"length reported by clipping: ([\d.e+-]+)", out) == pytest.approx(447.21, 1e-4)
    assert _number(r"gradient after: .*length ([\d.e+-]+)", out) == pytest.approx(1.0, abs=1e-6)
    for n, c in [(447.2136, 1.0), (1.5, 1.0), (2e-6, 1e-6)]:
        p = param_with_grad([n])
        clip_grad_norm_([p], c)
        assert float(p.grad.norm()) == pytest.approx(c * n / (n + 1e-6), rel=1e-6)
        assert float(p.grad.norm()) <= c and c * n / (n + 1e-6) < c  # float32 may round to c


# ---- lesson 02 ------------------------------------------------------------------------------
def test_lesson02_try_it_entries_fit_but_the_norm_overflows():
    """02_exploding_gradients.md: "spectral radius near 3"; "At 40 steps every entry still fits
    in float32 (the largest is about 7.7e18), but the norm prints `inf` ... In float64 the norm
    is about 2.2e19." Tolerance: 2 % on each figure."""
    _says(
        "read/02_exploding_gradients.md",
        "the largest is about 7.7e18",
        "the norm is about 2.2e19",
        "largest about 3.4e38",
    )
    out = _output(_blocks("exploding_gradients")[0])
    assert _number(r"spectral radius: ([\d.]+)", out) == pytest.approx(3, abs=0.1)
    assert _number(r"40 steps back: largest ([\d.e+]+)", out) == pytest.approx(7.7e18, 0.02)
    assert re.search(r"40 steps back: .* norm inf", out)
    assert _number(r"in float64: ([\d.e+]+)", out) == pytest.approx(2.2e19, rel=0.02)
    assert torch.finfo(torch.float32).max == pytest.approx(3.4e38, rel=0.01)


def test_lesson02_inf_turns_into_nan_and_nan_never_leaves_the_weights():
    """02_exploding_gradients.md: "`inf − inf` or `0 × inf` gives `nan`. Once `nan` reaches
    the weights, training will not recover by itself.\""""
    inf = torch.tensor(math.inf)
    assert (inf - inf).isnan() and (0 * inf).isnan()
    model = torch.nn.Linear(3, 1)
    with torch.no_grad():
        model.weight[0, 0] = math.nan
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.linspace(-1, 1, 24).reshape(8, 3)
    for _ in range(5):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), torch.zeros(8, 1)).backward()
        optimizer.step()
    assert model.weight.isnan().all()


def test_lesson02_a_singular_value_below_one_makes_the_product_shrink():
    """02_exploding_gradients.md: "The tanh' factors are at most 1, so if the largest singular
    value of W is below 1, the product must shrink." (That ρ(W) > 1 is necessary but not
    sufficient for a linear RNN is Pascanu et al. 2013's claim, cited as such.)"""
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(32, 32, generator=gen)
    w = 0.95 * w / torch.linalg.matrix_norm(w, 2)  # largest singular value 0.95
    x = torch.randn(32, generator=gen)
    start = float(x.norm())
    for _ in range(60):
        pre = torch.randn(32, generator=gen) * 3
        x = (1 - torch.tanh(pre) ** 2) * (w.T @ x)  # diag(tanh') W^T, one step back
    assert float(x.norm()) <= start * 0.95**60 * (1 + 1e-4)


# ---- lesson 03 and the overflow card --------------------------------------------------------
def test_an_inf_norm_silently_zeroes_every_gradient():
    """03_clipping_in_pytorch.md: "with the norm at `inf`, the factor max_norm / (inf + 1e-6) is
    0, so every gradient is silently set to 0 (a `nan` norm makes them all `nan`)"; flashcard
    fc-norm-overflow: "a .grad of [1e20, 1, 2] becomes [0, 0, 0] ... With error_if_nonfinite=True
    it raises instead"; cheat sheet: "the gradients are silently zeroed"."""
    _says("quiz/01_flashcards.toml", "a .grad of [1e20, 1, 2] becomes [0, 0, 0]")
    _says("cheatsheet.md", "the gradients are silently zeroed")
    p = param_with_grad([1e20, 1.0, 2.0])
    assert float(clip_grad_norm_([p], 1.0)) == math.inf
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
    p = param_with_grad([1e20, 1.0, 2.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p = param_with_grad([math.nan, 1.0, 2.0])
    clip_grad_norm_([p], 1.0)
    assert p.grad.isnan().all()


def test_one_entry_above_about_1_8e19_overflows_the_norm():
    """03_clipping_in_pytorch.md: "the sum of squares overflows float32 past 3.4e38 (one entry
    above about 1.8e19 is enough)"."""
    _says("read/03_clipping_in_pytorch.md", "one entry above about 1.8e19 is enough")
    assert math.isfinite(float(get_total_norm([torch.tensor([1.8e19, 0.0])])))
    assert float(get_total_norm([torch.tensor([1.9e19, 0.0])])) == math.inf
    many = torch.full((16,), 5e18)  # each square fits; their sum does not
    assert torch.isfinite(many.square()).all() and float(get_total_norm([many])) == math.inf


def test_clip_grad_norm_returns_the_norm_before_clipping_and_scales_by_its_factor():
    """03_clipping_in_pytorch.md: "`clip_grad_norm_` returns the total norm measured *before*
    clipping" and "multiplies every g_i by min(1, c / (N + 10^-6))"; quiz: fc-return-value,
    mc-return-value, tf-returns-before, tf-small-untouched, tf-in-place."""
    gen = torch.Generator().manual_seed(1)
    grads = [torch.randn(5, 3, generator=gen) * 4, torch.randn(7, generator=gen)]
    params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.clone()
    norm = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))
    returned = clip_grad_norm_(params, 1.0)
    assert torch.equal(returned, norm)
    factor = min(1.0, 1.0 / (float(norm) + 1e-6))
    for p, g in zip(params, grads, strict=True):
        torch.testing.assert_close(p.grad, g * factor)
    small = param_with_grad([0.1, 0.2])
    clip_grad_norm_([small], 1.0)
    assert small.grad.tolist() == pytest.approx([0.1, 0.2])  # under the threshold: untouched
    assert clip_grad_value_([small], 0.15) is None and small.grad.max() == pytest.approx(0.15)


def test_foreach_is_the_same_arithmetic_and_norm_type_inf_uses_the_absolute_largest():
    """03_clipping_in_pytorch.md: "`foreach=True` uses multi-tensor (foreach) kernels" (the same
    result, one call for many tensors) and "`float("inf")` uses the largest absolute entry"."""
    _says("read/03_clipping_in_pytorch.md", "the largest absolute entry")
    a, b = param_with_grad([3.0, -40.0, 2.0]), param_with_grad([3.0, -40.0, 2.0])
    clip_grad_norm_([a], 1.0, foreach=True)
    clip_grad_norm_([b], 1.0, foreach=False)
    assert torch.equal(a.grad, b.grad)
    p = param_with_grad([-5.0, 1.0, 2.0])
    assert float(clip_grad_norm_([p], 1.0, norm_type=math.inf)) == 5.0
    assert p.grad.tolist() == pytest.approx([-1.0, 0.2, 0.4], rel=1e-5)


def test_clipping_only_ever_shrinks_and_norm_clipping_keeps_the_direction():
    """fc-vanishing, tf-vanishing, cs-mc-main-problem: "Clipping only shrinks gradients ... it
    never enlarges small ones"; tf-keeps-direction: "Every gradient is multiplied by the same
    positive factor, so only the length changes"; fc-direction, 04_norm_vs_value.md."""
    gen = torch.Generator().manual_seed(2)
    for scale in (1e-4, 1.0, 1e3):
        raw = torch.randn(50, generator=gen) * scale
        for clip in (
            lambda p: clip_grad_norm_([p], 0.5),
            lambda p: clip_grad_value_([p], 0.05),
        ):
            p = param_with_grad(raw.tolist())
            clip(p)
            assert (p.grad.abs() <= raw.abs() * (1 + 1e-6)).all()
        p = param_with_grad(raw.tolist())
        clip_grad_norm_([p], 0.5)
        cosine = torch.nn.functional.cosine_similarity(p.grad, raw, dim=0)
        assert float(cosine) == pytest.approx(1.0, abs=1e-6)


# ---- the engine reports the overflow as torch handles it ------------------------------------
@pytest.mark.parametrize("on_host", [None, False])  # False: the accelerator's branch, on CPU
def test_the_engine_record_says_the_gradient_was_zeroed(on_host, monkeypatch):
    """clipping.py (ClipRecord): an overflowed norm "is reported as what torch did: ... clipped,
    norm_after 0, clip_coef 0 and cosine 0". The same gradients as torch, bit for bit."""
    import gradclip_core.clipping as clipping

    monkeypatch.setattr(
        clipping, "_torch_rule_record", lambda *a, **k: _torch_rule_record(*a, **k, on_host=on_host)
    )
    for mode, threshold in (("norm", 1.0), ("autoclip", 10.0)):
        ours = [param_with_grad([1e20, 1.0, 2.0]), param_with_grad([3.0, 4.0])]
        theirs = [param_with_grad([1e20, 1.0, 2.0]), param_with_grad([3.0, 4.0])]
        history = NormHistory()
        history.append(torch.tensor(5.0))  # a finite past, so AutoClip's threshold is finite
        record = clip_gradients(ours, mode, threshold, history=history)
        clip_grad_norm_(theirs, 1.0)
        for a, b in zip(ours, theirs, strict=True):
            assert torch.equal(a.grad, b.grad) and not a.grad.any()
        assert bool(record.clipped), mode
        assert float(record.norm_after) == 0 and float(record.clip_coef) == 0
        assert float(record.cosine) == 0 and "clipped=True" in repr(record)
    # an inf entry: torch makes it nan, not clipped
    broken = [param_with_grad([math.inf, 1.0, 2.0])]
    record = clip_gradients(broken, "norm", 1.0)
    assert not bool(record.clipped) and math.isnan(float(record.norm_after))


# ---- lesson 04 ------------------------------------------------------------------------------
def test_lesson04_worked_example():
    """04_norm_vs_value.md: "(3, 4) ... Norm, threshold 1: (0.6, 0.8). Value, threshold 1:
    (1, 1). That points at 45°, while (3, 4) pointed at about 53°"; cheat sheet and quiz items
    fc-worked-example, mc-worked-example, tf-value-direction say the same."""
    _says("read/04_norm_vs_value.md", "pointed at about 53°")
    out = _output(_blocks("norm_vs_value")[0])
    assert "tensor([0.6000, 0.8000])" in out and "tensor([1., 1.])" in out
    assert math.degrees(math.atan2(4, 3)) == pytest.approx(53, abs=0.5)
    assert math.degrees(math.atan2(1, 1)) == 45
    assert _number(r"value-clipped: ([\d.]+)", out) < 1


# ---- lesson 05 ------------------------------------------------------------------------------
def test_lesson05_agc_caps_each_unit_at_lambda_and_the_app_clips_the_readout():
    """05_adaptive_clipping.md: a gradient large compared with its weight "is scaled back to
    that ratio"; "the app clips every layer, as timm's `adaptive_clip_grad` does when given all
    parameters"; its Try it prints ratios "after AGC (at most 0.01)"."""
    out = _output(_blocks("adaptive_clipping")[0])
    after = re.search(r"after AGC \(at most 0.01\): tensor\(\[([^\]]+)\]", out)[1]
    assert max(float(v) for v in after.split(",")) <= 0.01 * (1 + 1e-5)
    head = torch.nn.Linear(4, 2)  # a "readout": the engine clips it too
    head.weight.grad = torch.full_like(head.weight, 100.0)
    head.bias.grad = torch.zeros_like(head.bias)
    clip_gradients(list(head.parameters()), "agc", 0.01)
    ratio = head.weight.grad.norm(dim=1) / head.weight.detach().norm(dim=1).clamp(min=1e-3)
    assert ratio.max() <= 0.01 * (1 + 1e-5)


def test_lesson05_autoclip_keeps_the_last_10000_norms():
    """05_adaptive_clipping.md: "the app keeps the last 10,000"."""
    _says("read/05_adaptive_clipping.md", "the app keeps the last 10,000")
    history = NormHistory()
    assert history.capacity == 10_000
    for value in range(10_005):
        history.append(torch.tensor(float(value)))
    assert float(history.percentile(0.0)) == 5.0  # the first five have left the window


# ---- lesson 06 ------------------------------------------------------------------------------
def test_lesson06_loss_scale_arithmetic_and_scaler_skips_a_non_finite_step():
    """06_pitfalls.md: "With s = 65536, a perfectly healthy ‖g‖ = 0.01 reads as 655, so clipping
    to 1 would shrink it 655-fold" and "`scaler.step` ... skips the step when they contain `inf`
    or `nan`"; tf-amp-unscale: clipping "at max_norm times the current scale" also works."""
    _says("read/06_pitfalls.md", "$s = 65536$", "reads as $655$")
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0
    g = torch.full((4,), 0.005)  # norm 0.01
    scaled, plain = param_with_grad((g * 65536).tolist()), param_with_grad(g.tolist())
    assert float(clip_grad_norm_([scaled], 1.0)) == pytest.approx(655.36, rel=1e-5)
    assert float((g * 65536).norm() / scaled.grad.norm()) == pytest.approx(655.36, rel=1e-5)
    assert float(plain.grad.norm()) == pytest.approx(0.01, rel=1e-5)
    at_scale = param_with_grad((g * 65536).tolist())
    clip_grad_norm_([at_scale], 65536.0)  # max_norm times the scale: nothing is clipped
    assert torch.equal(at_scale.grad, g * 65536)
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler.scale(model(torch.ones(1, 2)).sum()).backward()
    model.weight.grad[0, 0] = math.inf
    before = model.weight.detach().clone()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    assert torch.equal(model.weight.detach(), before)


def test_lesson06_clipping_each_partial_sum_caps_the_total_but_bends_it():
    """06_pitfalls.md: "Clipping after every backward() does cap the total (the last clip sees
    the whole sum), but it bends the direction ... (second example below: cosine 0.31)" and
    "Both end at norm 1.000"; mc-accumulation and tf-accumulate-each say the same.
    Tolerance: the printed figures, to the digits shown."""
    _says("read/06_pitfalls.md", "cosine 0.31", "Both end at norm 1.000")
    _says("quiz/02_multiple_choice.toml", "The last clip does cap the sum")
    out = _output(_blocks("pitfalls")[1])
    assert "total norm before clipping: 111" in out
    assert "norm after: once 1.000, each 1.000" in out
    assert "cosine between the two: 0.31" in out
    # Early micro-batches count less: clipped after each, the first one's share of the result
    # is shrunk by every later clip.
    grads = [torch.tensor([1.0, 0.0]) * 30, torch.tensor([0.0, 1.0]) * 5]
    w = torch.nn.Parameter(torch.zeros(2))
    for g in grads:
        (w * g).sum().backward()
        clip_grad_norm_([w], 1.0)
    assert w.grad[0] < w.grad[1]  # the first gradient was 6 times the second


def test_lesson06_clipping_after_step_changes_nothing_and_zero_grad_sets_none():
    """06_pitfalls.md: "The clipped values are then dropped by `zero_grad()` (it sets `.grad` to
    `None` by default): the line does nothing"; tf-after-step, cs-mc-when."""
    weights = []
    for clip_after in (False, True):
        model = torch.nn.Linear(3, 1)
        with torch.no_grad():
            model.weight.fill_(0.5)
            model.bias.zero_()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        model(torch.full((4, 3), 10.0)).sum().backward()
        optimizer.step()
        if clip_after:
            clip_grad_norm_(model.parameters(), 1e-3)
        optimizer.zero_grad()
        assert model.weight.grad is None
        weights.append(model.weight.detach().clone())
    assert torch.equal(*weights)


# ---- lesson 07 ------------------------------------------------------------------------------
def test_lesson07_measure_with_get_total_norm_not_max_norm_inf():
    """07_choosing_a_threshold.md: "`get_total_norm` measures without clipping.
    (`clip_grad_norm_` with `max_norm=float("inf")` ... multiplies every gradient by inf / inf =
    `nan`.)\""""
    p = param_with_grad([1e20, 1.0, 2.0])
    assert float(get_total_norm([p.grad])) == math.inf
    assert torch.equal(p.grad, torch.tensor([1e20, 1.0, 2.0]))  # measured, untouched
    clip_grad_norm_([p], float("inf"))
    assert p.grad.isnan().all()
    q = param_with_grad([3.0, 4.0])  # a finite norm: max_norm=inf measures without clipping
    assert float(clip_grad_norm_([q], float("inf"))) == 5.0 and q.grad.tolist() == [3.0, 4.0]


def test_lesson07_half_the_steps_clip_at_the_median_one_in_ten_at_p90():
    """07_choosing_a_threshold.md: "At the median, half the steps get clipped; at the 90th
    percentile, one step in ten"; cheat sheet "median (half the steps clipped) and p90 (one in
    ten)"; fc-threshold-default. Measured on norms the lesson's own way (1 % tolerance)."""
    _says("cheatsheet.md", "median (half the steps clipped)", "p90 (one in ten)")
    norms = np.random.default_rng(0).lognormal(size=10_000)
    for q, share in ((0.5, 0.5), (0.9, 0.1)):
        assert (norms > np.quantile(norms, q)).mean() == pytest.approx(share, abs=0.01)
