"""What the explain grader's feedback states (``lessons/quiz/03_explain.toml``), run on torch.

Each misconception's feedback tells the learner what is right; every number or behaviour it
quotes is checked here, so a sentence the grader says cannot drift from what torch 2.13 does.
Each test names the feedback it backs and checks that the bank still says it.
"""

from __future__ import annotations

import inspect
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.content.grads import param_with_grad

EXPLAIN = Path(__file__).resolve().parents[2] / "lessons" / "quiz" / "03_explain.toml"
FEEDBACK = "\n".join(
    m.get("feedback", "")
    for prompt in tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    for m in prompt.get("misconceptions", [])
)


def _said(*phrases: str) -> None:
    for phrase in phrases:
        assert phrase in FEEDBACK, f"the bank no longer says {phrase!r}: update this test"


def test_float16_tops_out_at_65504_float32_and_bfloat16_near_3_4e38():
    _said("65504 is the largest float16", "reach about 3.4e38")
    assert torch.finfo(torch.float16).max == 65504.0
    for dtype in (torch.float32, torch.bfloat16):
        assert torch.finfo(dtype).max == pytest.approx(3.4e38, rel=0.01)
    assert torch.isinf(torch.tensor(65504.0 * 2, dtype=torch.float16))
    assert torch.isfinite(torch.tensor(65504.0 * 2, dtype=torch.bfloat16))


def test_norm_clipping_scales_to_max_norm_it_does_not_divide_by_it():
    _said("a gradient of norm 10 with a threshold of 5 ends up with norm 5")
    p = param_with_grad([6.0, 8.0])  # norm 10
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    assert p.grad.norm().item() == pytest.approx(5.0, rel=1e-6)
    assert torch.allclose(p.grad, torch.tensor([3.0, 4.0]))  # the same direction


def test_value_clipping_never_gives_a_shorter_vector_than_norm_clipping():
    _said("(3, 4) with a limit of 1 becomes (1, 1), of norm 1.41")
    by_value, by_norm = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    assert by_value.grad.norm().item() == pytest.approx(1.41, abs=0.005)
    assert by_norm.grad.norm().item() == pytest.approx(1.0, rel=1e-6)
    g = torch.Generator().manual_seed(0)
    _said("clipping by value never leaves a shorter gradient than clipping by norm")
    for _ in range(200):  # any vector, an entry over the limit or not
        raw = torch.randn(5, generator=g) * 3 * torch.rand(1, generator=g)
        v, n = param_with_grad(raw.tolist()), param_with_grad(raw.tolist())
        torch.nn.utils.clip_grad_value_([v], clip_value=1.0)
        torch.nn.utils.clip_grad_norm_([n], max_norm=1.0)
        assert v.grad.norm() >= n.grad.norm() - 1e-6
        assert n.grad.norm() <= 1.0 + 1e-6
        assert v.grad.equal(raw) or v.grad.abs().max() == 1.0


def test_the_norm_of_6_6_is_sqrt_72():
    _said("(6, 6) has norm √72 ≈ 8.49")
    assert torch.tensor([6.0, 6.0]).norm().item() == pytest.approx(math.sqrt(72))
    assert math.sqrt(72) == pytest.approx(8.49, abs=0.005)


def test_max_norm_has_no_default():
    _said("max_norm has no default", "raises a TypeError")
    p = param_with_grad([1.0, 2.0])
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([p])  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_value_([p])  # type: ignore[call-arg]


def test_norm_type_1_is_the_sum_of_absolute_values():
    _said("norm_type=1 is the L1 norm", "norm_type=float('inf') takes the largest absolute")
    grads = [torch.tensor([3.0, -4.0])]
    l1 = torch.nn.utils.get_total_norm(grads, norm_type=1.0)
    assert l1.item() == 7.0 and l1.item() > torch.nn.utils.get_total_norm(grads).item()
    assert torch.nn.utils.get_total_norm(grads, norm_type=math.inf).item() == 4.0


def test_sigmoid_derivative_peaks_at_a_quarter_tanh_at_one():
    _said("the sigmoid's derivative is at most 0.25 (at 0), tanh's at most 1 (at 0)")
    x = torch.linspace(-8, 8, 16001, requires_grad=True)
    (ds,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    (dt,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    assert ds.max().item() == pytest.approx(0.25) and abs(x[ds.argmax()].item()) < 1e-3
    assert dt.max().item() == pytest.approx(1.0) and abs(x[dt.argmax()].item()) < 1e-3


def test_a_matrix_and_its_transpose_share_eigenvalues():
    _said("A matrix and its transpose have the same eigenvalues")
    w = torch.randn(6, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ev = np.sort_complex(torch.linalg.eigvals(w).numpy())
    ev_t = np.sort_complex(torch.linalg.eigvals(w.T).numpy())
    np.testing.assert_allclose(ev, ev_t, atol=1e-9)
    np.testing.assert_allclose(torch.linalg.svdvals(w), torch.linalg.svdvals(w.T), atol=1e-9)


def test_one_eigenvalue_above_one_is_enough_for_the_product_to_grow():
    _said("one eigenvalue above 1 is enough")
    w = torch.diag(torch.tensor([1.2, 0.5, 0.1], dtype=torch.float64))
    v = torch.ones(3, dtype=torch.float64)
    for _ in range(50):
        v = w.T @ v
    assert v.norm().item() > 1.2**50 * 0.99  # 9100: grows, whatever the small eigenvalues


def test_grad_scaler_starts_at_2_16_halves_on_inf_doubles_after_2000_good_steps():
    _said("GradScaler's default init_scale is 65536 (2**16)", "doubles it after 2000 good ones")
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0 == 2.0**16
    assert scaler.get_backoff_factor() == 0.5 and scaler.get_growth_factor() == 2.0
    assert scaler.get_growth_interval() == 2000


def test_unscale_divides_in_place_and_cannot_bring_back_an_underflowed_gradient():
    _said("unscale_ only divides them back by the scale; it cannot recover a value that")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(p.sum())  # the scaled backward's first step: the scale is set
    p.grad = torch.tensor([8.0, 0.0])  # the second entry underflowed to 0 before unscaling
    grad = p.grad
    scaler.unscale_(opt)
    assert p.grad is grad  # in place: the same tensor, no copy
    assert torch.equal(p.grad, torch.tensor([2.0, 0.0]))  # divided by 4; the 0 stays 0
    assert torch.tensor(1e-8, dtype=torch.float16).item() == 0.0  # fp16 underflows there


def test_compounding_examples_in_the_feedback_are_right():
    _said("1.1^50 ≈ 117, 1.1^100 ≈ 13,781, 1.2^30 ≈ 237")
    powers = torch.tensor([1.1, 1.1, 1.2], dtype=torch.float64) ** torch.tensor([50, 100, 30])
    assert [round(x) for x in powers.tolist()] == [117, 13781, 237]


def test_the_trace_can_be_small_while_the_product_explodes():
    _said("The trace does not decide it: it is the sum of the eigenvalues")
    w = torch.diag(torch.tensor([2.0, -1.5], dtype=torch.float64))  # trace 0.5
    v = torch.ones(2, dtype=torch.float64)
    for _ in range(30):
        v = w.T @ v
    assert torch.trace(w).item() == 0.5 and v.norm().item() > 1e9  # 2^30: it explodes


def test_value_clipping_does_not_bound_the_total_norm():
    _said("so with n entries the norm can be up to √n times the limit", "of norm 1.41. Only")
    p = param_with_grad([3.0, 4.0, -5.0, 6.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert p.grad.norm().item() == pytest.approx(math.sqrt(4))  # √n times the limit, n = 4
    q = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([q], clip_value=1.0)
    assert q.grad.norm().item() == pytest.approx(1.41, abs=0.005)


def test_clip_grad_value_takes_clip_value_not_max_norm():
    _said("clip_grad_value_ has no max_norm", "passing max_norm= raises a TypeError")
    p = param_with_grad([3.0, -4.0])
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_value_([p], max_norm=1.0)  # type: ignore[call-arg]
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, -1.0]))


def test_grad_scaler_has_no_max_norm_and_never_clips():
    _said("its constructor takes only device, init_scale, growth_factor, backoff_factor")
    params = list(inspect.signature(torch.amp.GradScaler.__init__).parameters)[1:]
    assert params == [
        "device",
        "init_scale",
        "growth_factor",
        "backoff_factor",
        "growth_interval",
        "enabled",
    ]
    with pytest.raises(TypeError):
        torch.amp.GradScaler("cpu", max_norm=1.0)  # type: ignore[call-arg]
    w = torch.nn.Parameter(torch.tensor([0.0]))
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum() * 100.0).backward()  # a gradient of 100, however large max_norm is
    scaler.step(torch.optim.SGD([w], lr=1.0))
    assert w.item() == pytest.approx(-100.0)  # unscaled, not clipped


def test_step_does_not_divide_gradients_unscale_has_already_unscaled():
    _said("so scaler.step(optimizer) does not divide them again")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum()).backward()
    assert w.grad.item() == 1024.0
    scaler.unscale_(opt)
    scaler.step(opt)
    assert w.grad.item() == 1.0 and w.item() == -1.0  # divided once, by 1024, not twice


def test_max_norm_zero_wipes_the_gradients_get_total_norm_only_measures():
    _said("which sets them all to zero", "call torch.nn.utils.get_total_norm on the gradients")
    _said("once it overflows to inf, inf / inf turns every gradient into nan")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=0).item() == 5.0
    assert torch.equal(p.grad, torch.zeros(2))
    q = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.get_total_norm([q.grad]).item() == 5.0
    assert torch.equal(q.grad, torch.tensor([3.0, 4.0]))
    r = param_with_grad([3.0, 4.0])  # max_norm=inf: untouched while the norm is finite
    assert torch.nn.utils.clip_grad_norm_([r], max_norm=math.inf).item() == 5.0
    assert torch.equal(r.grad, torch.tensor([3.0, 4.0]))
    huge = param_with_grad([3e38, 3e38])  # finite entries, but the float32 norm overflows
    assert math.isinf(torch.nn.utils.clip_grad_norm_([huge], max_norm=math.inf).item())
    assert torch.isnan(huge.grad).all()


def test_norm_clipping_keeps_proportions_it_does_not_take_signs():
    _said("(that is signSGD, a different method)", "becomes (0.6, 0.8), not (1, 1)), and a")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    assert not torch.equal(p.grad, torch.sign(torch.tensor([3.0, 4.0])))
    small = param_with_grad([0.3, 0.4])  # under the threshold: left as it is
    torch.nn.utils.clip_grad_norm_([small], max_norm=1.0)
    assert torch.equal(small.grad, torch.tensor([0.3, 0.4]))


def test_the_default_norm_is_euclidean_l1_is_the_sum_of_absolute_values():
    _said("by default (norm_type=2.0): (3, 4) has norm 5", "(7 for (3, 4))")
    default = inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["norm_type"].default
    assert default == 2.0
    assert torch.nn.utils.clip_grad_norm_([param_with_grad([3.0, 4.0])], 100.0).item() == 5.0
    l1 = torch.nn.utils.clip_grad_norm_([param_with_grad([3.0, 4.0])], 100.0, norm_type=1)
    assert l1.item() == 7.0


def test_norm_type_inf_still_scales_by_one_factor():
    _said("so (3, 4) with max_norm 1 becomes (0.75, 1), not (1, 1)")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, norm_type=math.inf)
    assert torch.allclose(p.grad, torch.tensor([0.75, 1.0]), atol=1e-5)


def test_tanh_activations_stay_bounded_while_the_gradient_explodes():
    _said("With tanh the activations stay between -1 and 1 whatever the weights, yet the")
    w = 1.5 * torch.eye(4, dtype=torch.float64)  # spectral radius 1.5
    h0 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    h, states = h0, []
    for _ in range(50):
        h = torch.tanh(w @ h)
        states.append(h)
    (grad,) = torch.autograd.grad(h.sum(), h0)
    assert max(s.abs().max().item() for s in states) <= 1.0
    assert grad.norm().item() > 1.5**50  # 1.5^50 * 2: it explodes


def test_the_scaler_multiplies_and_unscale_divides():
    _said("scaler.scale(loss) multiplies the loss, and so every gradient, by the loss scale")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    loss = w.sum() * 3.0
    assert scaler.scale(loss).item() == 3.0 * 65536  # the loss, multiplied by the scale
    scaler.scale(loss).backward()
    assert w.grad.item() == 3.0 * 65536
    scaler.unscale_(opt)
    assert w.grad.item() == 3.0  # divided by the scale, back to its true size


def test_unscale_twice_before_update_raises():
    _said("a second call before scaler.update() raises a RuntimeError")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)  # once per step again after update(): fine


def test_a_clipped_step_keeps_its_direction_and_a_threshold_over_every_norm_never_clips():
    _said("shortens the gradient to norm max_norm and keeps its direction", "never clips, so")
    p = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=2.0)
    assert p.grad.norm().item() == pytest.approx(2.0, rel=1e-5)
    assert torch.allclose(p.grad / p.grad.norm(), torch.tensor([0.6, 0.8]))
    norms = [3.0, 5.0, 10.0]  # the norms logged
    for n in norms:
        q = param_with_grad([n, 0.0])
        torch.nn.utils.clip_grad_norm_([q], max_norm=max(norms) + 1)
        assert torch.equal(q.grad, torch.tensor([n, 0.0]))


def test_clipping_each_micro_batch_scales_the_first_by_f_to_the_n():
    _said("that is 1/16 for the first and 1/2 for the last")
    grads = torch.eye(4)  # four micro-batches, each its own direction, to tell them apart
    running = torch.zeros(4)
    for g in grads:
        running = (running + g) * 0.5  # each clip halves the running sum
    assert torch.equal(running, torch.tensor([1 / 16, 1 / 8, 1 / 4, 1 / 2]))


# --- feedback added when tuning on explain_answers_blind18.toml -------------------------------
def test_the_api_checker_knows_every_keyword_torch_takes():
    """gradclip_core.quiz.api marks a keyword a call does not take; its lists must be torch's."""
    from gradclip_core.quiz.api import KEYWORDS

    calls = {
        "clip_grad_norm_": torch.nn.utils.clip_grad_norm_,
        "clip_grad_value_": torch.nn.utils.clip_grad_value_,
        "unscale_": torch.amp.GradScaler.unscale_,
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
    }
    for name, call in calls.items():
        own = set(inspect.signature(call).parameters) - {"self"}
        assert set(KEYWORDS[name]) == own, name


def test_unknown_keywords_raise_and_optimizers_take_no_clipping_argument():
    _said(
        "clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, "
        "foreach=None), clip_grad_value_(parameters, clip_value, foreach=None)",
        "AdamW has no max_grad_norm",
        "An unknown keyword raises a TypeError",
    )
    p = param_with_grad([3.0, 4.0])
    with pytest.raises(TypeError):
        torch.optim.AdamW([p], lr=1e-3, max_grad_norm=1.0)
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, scaler=None)
    params = inspect.signature(torch.nn.utils.clip_grad_norm_).parameters
    assert params["norm_type"].default == 2.0 and params["error_if_nonfinite"].default is False


def test_optimizers_never_clip_by_themselves():
    _said("torch.optim's optimizers never clip by themselves and take no clipping argument")
    p = param_with_grad([30.0, 40.0])  # norm 50
    torch.optim.SGD([p], lr=1.0).step()
    assert torch.equal(p.detach(), torch.tensor([-30.0, -40.0]))  # the whole raw gradient


def test_unscale_and_clip_grad_value_return_none_clip_grad_norm_the_norm_before():
    _said(
        "scaler.unscale_(optimizer) and clip_grad_value_ return None",
        "which returns the total norm before clipping",
        "clip_grad_value_ returns None: only clip_grad_norm_ returns something",
        "clip_grad_value_ clamps the .grad tensors in place, like clip_grad_norm_",
        "scaler.unscale_(optimizer) returns None: it divides",
    )
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_value_([p], clip_value=1.0) is None
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))  # in place
    q = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([q], max_norm=1.0).item() == pytest.approx(5.0)
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    assert scaler.unscale_(opt) is None and w.grad.item() == 1.0
    assert "scaler" not in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters


def test_the_default_norm_type_is_2_and_inf_takes_the_largest_entry():
    _said("norm_type defaults to 2.0", "norm_type=float('inf') is the one that takes the largest")
    assert inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["norm_type"].default == 2
    p, q = param_with_grad([3.0, -4.0]), param_with_grad([3.0, -4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    assert torch.nn.utils.clip_grad_norm_([q], 100.0, norm_type=math.inf).item() == 4.0


def test_clipping_subtracts_nothing_and_scales_large_and_small_entries_alike():
    _said(
        "a gradient (6, 8), of norm 10, with a threshold of 5 becomes (3, 4)",
        "large and small components shrink in the same proportion",
        "((6, 8) with a threshold of 5 becomes (3, 4))",
        "multiplies every entry, large or small, by the same factor max_norm / norm",
    )
    p = param_with_grad([6.0, 8.0, 0.5])
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    factor = 5.0 / math.sqrt(36 + 64 + 0.25)
    assert torch.allclose(p.grad, torch.tensor([6.0, 8.0, 0.5]) * factor)
    q = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([q], max_norm=5.0)
    assert torch.allclose(q.grad, torch.tensor([3.0, 4.0]))


def test_clipping_rescales_all_layers_by_one_factor_after_backward():
    _said("backward() first computes every gradient in full, then clip_grad_norm_ takes one norm")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    (model(torch.randn(5, 3)) * 100).sum().backward()
    raw = [p.grad.clone() for p in model.parameters()]
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
    assert total.item() > 0.1
    for before, p in zip(raw, model.parameters(), strict=True):
        assert torch.allclose(p.grad, before * (0.1 / total), rtol=1e-4, atol=1e-7)


def test_clipping_cannot_repair_a_nan_gradient():
    _said("leaves the entries nan", "error_if_nonfinite=True")
    p = param_with_grad([float("nan"), 1.0])
    assert torch.isnan(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0))
    assert torch.isnan(p.grad).all()
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0, error_if_nonfinite=True)


def test_the_threshold_is_compared_with_the_gradient_norm_not_the_loss():
    _said("clip_grad_norm_(parameters, max_norm) only reads the .grad tensors")
    assert "loss" not in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters
    for loss_scale in (1.0, 1000.0):  # the same gradient, any loss: the same clip
        w = torch.nn.Parameter(torch.tensor([2.0]))
        (w * 3.0 + loss_scale).sum().backward()
        torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        assert w.grad.item() == pytest.approx(1.0)


def test_entries_below_one_can_still_give_a_spectral_radius_above_one():
    _said("[[0.9, 0.9], [0.9, 0.9]] has every entry below 1 but a spectral radius of 1.8")
    w = torch.tensor([[0.9, 0.9], [0.9, 0.9]], dtype=torch.float64)
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(1.8)
    v = torch.tensor([1.0, 1.0], dtype=torch.float64)
    assert torch.linalg.matrix_power(w, 20) @ v == pytest.approx((1.8**20 * v).tolist())
    big = torch.tensor([[3.0, 0.0], [0.0, 0.1]], dtype=torch.float64)  # a large entry
    assert (
        torch.linalg.matrix_power(big, 20) @ torch.tensor([0.0, 1.0], dtype=torch.float64)
    ).norm() < 1e-19


def test_repeated_factors_grow_exponentially_not_like_t_squared():
    _said("with a factor of 1.1, 100 steps give about 13,781, whereas 100² is only 10,000")
    _said("1000 steps give about 2.5e41")
    assert round(1.1**100) == 13781 and 100**2 == 10_000
    assert abs(1.1**1000 / 2.5e41 - 1) < 0.02


def test_tanh_hidden_states_stay_between_minus_one_and_one():
    _said("tanh keeps every activation between -1 and 1")
    x = torch.linspace(-1e4, 1e4, 10001, dtype=torch.float64)
    assert torch.tanh(x).abs().max().item() <= 1.0


def test_unscale_may_run_once_per_step():
    _said("may run only once per optimizer per step", "raises a RuntimeError")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    scaler.unscale_(opt)
    scaler.scale(w.sum()).backward()  # another micro-batch
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)


def test_dividing_the_loss_by_n_makes_the_sum_the_mean_and_backward_leaves_adam_alone():
    _said("makes the accumulated .grad the mean of the micro-batch gradients")
    _said("Adam's moment estimates change only inside optimizer.step()")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.Adam([w], lr=0.1)
    micro = [torch.tensor([3.0, 0.0]), torch.tensor([1.0, 4.0])]
    for g in micro:
        ((w * g).sum() / len(micro)).backward()
        assert opt.state[w] == {}  # backward() never touches the optimizer's state
    assert torch.allclose(w.grad, sum(micro) / len(micro))
    opt.step()
    assert "exp_avg" in opt.state[w]


def test_a_far_too_tight_threshold_gives_small_steps_not_wild_ones():
    _said("every step is clipped to a gradient of norm max_norm, so steps are small, not wild")
    for raw in ([30.0, 40.0], [0.3, -0.4], [100.0, 1.0]):
        p = param_with_grad(raw)
        torch.nn.utils.clip_grad_norm_([p], max_norm=0.01)
        assert p.grad.norm().item() == pytest.approx(0.01, rel=1e-4)


def test_the_median_of_the_example_norms_and_the_share_a_percentile_clips():
    _said("for norms 0.5, 0.6, 0.7, 0.8 and 12 it is 0.7 (the mean is 2.92)")
    _said("A threshold at the 90th percentile clips about 10 % of the steps, not 90 %")
    norms = [0.5, 0.6, 0.7, 0.8, 12.0]
    assert np.median(norms) == 0.7 and np.mean(norms) == pytest.approx(2.92)
    logged = np.random.default_rng(0).lognormal(size=10_000)
    assert np.mean(logged > np.percentile(logged, 90)) == pytest.approx(0.10, abs=0.001)


def test_clip_grad_norm_returns_the_total_norm_and_backward_normalises_nothing():
    _said("clip_grad_norm_ returns the total norm of all the gradients together")
    _said("backward() does not normalise anything")
    a, b = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([a, b], max_norm=100.0).item() == pytest.approx(5.0)
    for scale in (0.01, 100.0):
        w = torch.nn.Parameter(torch.ones(3))
        (w.sum() * scale).backward()
        assert w.grad.norm().item() == pytest.approx(scale * math.sqrt(3))


def test_agc_uses_a_fixed_lambda_plain_norms_and_leaves_the_weights():
    _said("λ is a fixed hyperparameter you choose (e.g. 0.01)", "max(‖W_i‖, 1e-3)")
    _said("AGC compares plain norms, not squared ones", "AGC never touches the weights")
    from gradclip_core.clipping import AGC_EPS, _agc_

    assert AGC_EPS == 1e-3
    w = torch.nn.Parameter(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))  # row norms 5 and 0
    w.grad = torch.tensor([[30.0, 40.0], [1.0, 0.0]])
    before = w.detach().clone()
    _agc_([w], clip_factor=0.01)
    assert torch.equal(w.detach(), before)
    assert w.grad[0].norm().item() == pytest.approx(0.01 * 5.0, rel=1e-5)  # ‖G‖ / ‖W‖ = λ
    assert w.grad[1].norm().item() == pytest.approx(0.01 * 1e-3, rel=1e-4)  # the eps floor


def test_clipping_after_the_step_changes_nothing_in_that_update():
    _said("once it has run the update has already used the raw ones")
    clipped_late, unclipped = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.optim.SGD([clipped_late], lr=0.1).step()
    torch.nn.utils.clip_grad_norm_([clipped_late], max_norm=1.0)  # after the step
    torch.optim.SGD([unclipped], lr=0.1).step()
    assert torch.equal(clipped_late.data, unclipped.data)
    assert torch.allclose(clipped_late.data, torch.tensor([-0.3, -0.4]))


def test_clipping_never_stretches_a_short_gradient():
    _said("Clipping never stretches a short gradient", "clip_grad_norm_ never scales a gradient up")
    short = param_with_grad([0.3, 0.4])  # norm 0.5, under max_norm
    torch.nn.utils.clip_grad_norm_([short], max_norm=1.0)
    assert torch.equal(short.grad, torch.tensor([0.3, 0.4]))


def test_backprop_through_time_multiplies_by_the_transpose_not_the_inverse():
    _said("by the transpose of the recurrent matrix (times the activation's derivative)")
    torch.manual_seed(0)
    w = torch.randn(3, 3, dtype=torch.float64)
    h0 = torch.randn(3, dtype=torch.float64, requires_grad=True)
    h1 = torch.tanh(w @ h0)
    upstream = torch.randn(3, dtype=torch.float64)
    (grad,) = torch.autograd.grad(h1, h0, upstream)
    expected = w.T @ ((1 - h1.detach() ** 2) * upstream)
    assert torch.allclose(grad, expected)
    assert not torch.allclose(grad, torch.linalg.inv(w) @ upstream)


def test_a_tanh_rnn_still_explodes_with_a_large_recurrent_matrix():
    _said("a tanh RNN can still have exploding gradients when the recurrent matrix's spectral")
    w = 1.5 * torch.eye(4, dtype=torch.float64)  # spectral radius 1.5, tanh' at 0 is 1
    h0 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    h = h0
    for _ in range(40):
        h = torch.tanh(w @ h)
    (grad,) = torch.autograd.grad(h.sum(), h0)
    assert grad.norm().item() > 1e6


def test_the_scaled_norm_is_the_true_norm_times_the_loss_scale():
    _said("a norm of 0.5 with scale 65536 gives 0.5 × 65536 = 32768")
    assert 0.5 * 65536 == 32768
    w = torch.zeros(2, requires_grad=True)
    loss = (w * torch.tensor([0.3, 0.4])).sum()  # true gradient (0.3, 0.4), norm 0.5
    (loss * 65536).backward()
    assert w.grad.norm().item() == pytest.approx(32768.0)


def test_a_threshold_below_the_median_clips_more_than_half_the_steps():
    _said("A threshold below the median clips more than half of the steps")
    norms = np.random.default_rng(0).lognormal(size=1001)
    median = np.median(norms)
    for threshold in (0.9 * median, 0.5 * median, 0.1 * median):
        assert (norms > threshold).mean() > 0.5
    assert (norms > median).mean() == pytest.approx(0.5, abs=0.001)


def test_clip_grad_norm_takes_one_total_norm_not_one_per_tensor():
    _said("does not compare each parameter tensor's (or layer's) norm with max_norm")
    small, large = param_with_grad([0.3, 0.4]), param_with_grad([6.0, 8.0])  # norms 0.5, 10
    total = torch.nn.utils.clip_grad_norm_([small, large], max_norm=1.0)
    assert total.item() == pytest.approx(math.hypot(0.5, 10.0), rel=1e-6)
    factor = 1.0 / total.item()
    assert torch.allclose(small.grad, torch.tensor([0.3, 0.4]) * factor, rtol=1e-5)
    assert torch.allclose(large.grad, torch.tensor([6.0, 8.0]) * factor, rtol=1e-5)


def test_norm_clipping_keeps_the_direction_of_a_tight_clip():
    _said("Norm clipping does not change the direction")
    p = param_with_grad([2.0, -5.0, 1.0])
    raw = p.grad.clone()
    torch.nn.utils.clip_grad_norm_([p], max_norm=0.01)
    cosine = torch.nn.functional.cosine_similarity(p.grad, raw, dim=0)
    assert cosine.item() == pytest.approx(1.0, abs=1e-6)
    assert p.grad.norm().item() == pytest.approx(0.01, rel=1e-4)


def test_the_defaults_checker_and_its_feedback_match_torch_signatures():
    """gradclip_core.quiz.defaults marks a false stated default; its table must be torch's."""
    from gradclip_core.quiz.defaults import DEFAULTS, REQUIRED

    _said(
        "clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, "
        "foreach=None) has no default max_norm",
        "clip_grad_value_(parameters, clip_value, foreach=None) has no default clip_value",
        "GradScaler starts at init_scale=65536.0 (2^16) with growth_factor=2.0, "
        "backoff_factor=0.5 and growth_interval=2000",
    )
    params = {
        **inspect.signature(torch.nn.utils.clip_grad_norm_).parameters,
        **inspect.signature(torch.nn.utils.clip_grad_value_).parameters,
        **inspect.signature(torch.amp.GradScaler).parameters,
    }
    for name in REQUIRED:
        assert params[name].default is inspect.Parameter.empty, name
    for name, spellings in DEFAULTS.items():
        real = params[name].default
        assert str(real).lower() in spellings or float(real) == spellings[0], name
    assert 2.0**16 == 65536.0


def test_a_nan_total_norm_raises_only_with_error_if_nonfinite():
    _said("raises on a nan or inf total norm only if you pass error_if_nonfinite=True")
    p = param_with_grad([float("nan"), 1.0])
    assert torch.isnan(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0))
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(
            [param_with_grad([float("inf")])], 1.0, error_if_nonfinite=True
        )


def test_a_total_norm_of_50_under_max_norm_1_is_scaled_by_a_fiftieth():
    _said("gradients of total norm 50 with max_norm=1.0 are multiplied by 1/50 = 0.02")
    p = param_with_grad([30.0, 40.0])  # norm 50
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([30.0, 40.0]) * 0.02, atol=1e-6)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_returns_a_tensor_of_the_norm_before_and_clips_grad_in_place():
    _said("returns the total norm of the gradients before clipping, as a tensor, not the clipped")
    p = param_with_grad([3.0, 4.0])
    grad = p.grad
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(total, torch.Tensor) and total.item() == pytest.approx(5.0)
    assert p.grad is grad and torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    torch.optim.SGD([p], lr=1.0).step()
    assert torch.allclose(p.detach(), torch.tensor([-0.6, -0.8]))  # the step reads clipped .grad


def test_the_learning_rate_changes_the_step_not_the_backpropagated_gradient():
    _said("lowering it shrinks the step but not the gradient")
    grads, steps = [], []
    for lr in (1.0, 0.001):
        torch.manual_seed(0)
        rnn = torch.nn.RNN(3, 3)
        opt = torch.optim.SGD(rnn.parameters(), lr=lr)
        rnn(torch.randn(20, 1, 3))[0].sum().backward()
        grads.append(rnn.weight_hh_l0.grad.clone())
        before = rnn.weight_hh_l0.detach().clone()
        opt.step()
        steps.append((rnn.weight_hh_l0.detach() - before).norm().item())
    assert torch.equal(grads[0], grads[1])
    assert steps[1] == pytest.approx(steps[0] * 0.001, rel=1e-3)


def test_the_sigmoid_damps_more_than_tanh():
    _said("The sigmoid's derivative is at most 0.25 and tanh's at most 1")
    x = torch.linspace(-6, 6, 1201, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    sig = x.grad.clone()
    x.grad = None
    torch.tanh(x).sum().backward()
    assert sig.max().item() == pytest.approx(0.25) and x.grad.max().item() == pytest.approx(1.0)
    assert sig.max() * 4 <= x.grad.max()  # the best factor a sigmoid layer can pass on


def test_an_inf_step_is_skipped_and_the_scale_halves():
    _said(
        "scaler.step(optimizer) skips optimizer.step() for that iteration",
        "weight decay included) are left exactly as they were",
        "scaler.update() halves the scale (backoff_factor=0.5)",
    )
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((w * torch.tensor([float("inf"), 1.0])).sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert torch.equal(w.detach(), torch.tensor([1.0, 2.0])) and not opt.state
    assert scaler.get_scale() == 32768.0


def test_the_scale_doubles_only_after_growth_interval_good_steps():
    _said("doubles the scale only after growth_interval=2000 consecutive steps without inf")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", growth_interval=3)
    scales = []
    for _ in range(3):
        opt.zero_grad()
        scaler.scale(w.sum()).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [65536.0, 65536.0, 131072.0]
    assert torch.amp.GradScaler("cpu").get_growth_interval() == 2000


def test_unscale_is_documented_for_clipping_and_not_deprecated():
    _said("scaler.unscale_(optimizer) before clipping is not deprecated", "its docstring says so")
    doc = torch.amp.GradScaler.unscale_.__doc__.lower()
    assert "clipping" in doc and "deprecat" not in doc


def test_a_second_unscale_names_the_update_and_micro_batches_share_one_scale():
    _said("unscale_() has already been called on this optimizer since the last update()")
    _said("since they all carry the same scale")
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu")
    for g in (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])):  # two micro-batches
        scaler.scale((w * g).sum()).backward()
    scaler.unscale_(opt)
    assert torch.allclose(w.grad, torch.tensor([1.0, 2.0]))  # the true sum
    with pytest.raises(RuntimeError, match=r"already been called on this optimizer since the"):
        scaler.unscale_(opt)


def test_clip_grad_norm_has_no_adaptive_mode():
    _said("has no adaptive or unit-wise mode: an unknown keyword raises a TypeError")
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([param_with_grad([1.0])], max_norm=0.01, adaptive=True)


def test_norm_clipping_scales_small_entries_too_it_does_not_cap_them():
    _said("so (3, 0.5) with max_norm 1 becomes about (0.99, 0.16), not (1, 0.5)")
    by_norm, by_value = param_with_grad([3.0, 0.5]), param_with_grad([3.0, 0.5])
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_norm.grad, torch.tensor([0.99, 0.16]), atol=0.005)
    assert torch.equal(by_value.grad, torch.tensor([1.0, 0.5]))  # the entry-by-entry cap


def test_torch_has_no_other_clipping_function_and_unscale_takes_the_optimizer():
    _said(
        "torch.nn.utils has clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_ and "
        "get_total_norm (and the deprecated clip_grad_norm) and no other clipping function",
        "given the loss it raises an AttributeError",
    )
    names = {n for n in dir(torch.nn.utils) if "clip" in n or "total_norm" in n}
    assert names == {
        "clip_grad",  # the module that holds them
        "clip_grad_norm",
        "clip_grad_norm_",
        "clip_grad_value_",
        "clip_grads_with_norm_",
        "get_total_norm",
    }
    w = torch.nn.Parameter(torch.ones(2))
    scaler = torch.amp.GradScaler("cpu")
    loss = scaler.scale(w.sum())
    loss.backward()
    with pytest.raises(AttributeError):
        scaler.unscale_(loss)


def test_backward_adds_into_grad_it_does_not_reset_it():
    _said("backward() does not reset or overwrite .grad: it adds the new gradients")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (3 * w).sum().backward()
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # clipped before the next backward
    (3 * w).sum().backward()
    clipped = torch.tensor([3.0, 3.0]) / math.hypot(3.0, 3.0)
    assert torch.allclose(w.grad, clipped + 3.0)  # the fresh gradient added on top


def test_a_nan_or_inf_gradient_stays_nan_through_clipping():
    _said("A nan or inf gradient gives clip_grad_norm_ a nan or inf total norm")
    _said("scaling by max_norm / norm leaves the entries nan")
    for bad in (float("nan"), float("inf")):
        p = param_with_grad([bad, 1.0])
        total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
        assert not math.isfinite(total.item())
        assert torch.isnan(p.grad[0])


def test_a_batch_gradient_is_the_mean_of_the_examples_gradients():
    _said("the batch gradient is their mean (or sum), so a bigger batch compounds nothing")
    w = torch.nn.Parameter(torch.tensor([0.5, -1.0]))
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]])
    ((x @ w) ** 2).mean().backward()
    one_by_one = [torch.autograd.grad((row @ w) ** 2, w)[0] for row in x]
    assert torch.allclose(w.grad, torch.stack(one_by_one).mean(0))


def test_activation_slopes_relu_0_or_1_tanh_at_most_1_sigmoid_at_most_a_quarter():
    _said("ReLU's derivative is 0 or 1 (1 for every positive input), tanh's is at most 1")
    _said("and the sigmoid's at most 0.25")
    x = torch.linspace(-6, 6, 12001, requires_grad=True)
    slopes = {f: torch.autograd.grad(f(x).sum(), x)[0] for f in (torch.relu, torch.tanh)}
    slopes[torch.sigmoid] = torch.autograd.grad(torch.sigmoid(x).sum(), x)[0]
    assert set(slopes[torch.relu].tolist()) == {0.0, 1.0}
    assert slopes[torch.relu][x > 0].eq(1.0).all()
    assert slopes[torch.tanh].max().item() == pytest.approx(1.0)
    assert slopes[torch.sigmoid].max().item() == pytest.approx(0.25)


def test_unscale_keeps_an_inf_gradient_and_the_step_is_skipped():
    _said(
        "scaler.unscale_(optimizer) does not replace inf or nan gradients",
        "The non-finite values stay; scaler.step(optimizer) then skips optimizer.step()",
    )
    w = torch.nn.Parameter(torch.tensor([1.0, 1.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum()).backward()
    w.grad[1] = float("inf")
    scaler.unscale_(opt)
    assert w.grad[0].item() == 1.0 and math.isinf(w.grad[1].item())
    scaler.step(opt)
    scaler.update()
    assert torch.equal(w.detach(), torch.tensor([1.0, 1.0])) and scaler.get_scale() == 512.0


def test_adam_cancels_a_uniform_rescale_but_not_clipping():
    _said("one uniform rescale of every gradient would mostly cancel, but clipping shrinks only")
    g = torch.Generator().manual_seed(0)
    grads = [torch.randn(3, generator=g) * s for s in (1.0, 1.0, 8.0, 1.0, 1.0)]  # one spike

    def adam_path(scale) -> torch.Tensor:
        w = torch.nn.Parameter(torch.zeros(3))
        opt = torch.optim.Adam([w], lr=0.1)
        for grad in grads:
            w.grad = grad.clone()
            scale(w)
            opt.step()
        return w.detach().clone()

    plain = adam_path(lambda w: None)
    uniform = adam_path(lambda w: w.grad.mul_(0.1))
    clipped = adam_path(lambda w: torch.nn.utils.clip_grad_norm_([w], max_norm=1.0))
    assert torch.allclose(plain, uniform, atol=1e-5)  # a uniform shrink cancels
    assert not torch.allclose(plain, clipped, atol=1e-2)  # clipping changes the path


def test_the_median_is_not_the_mean_and_90_percent_lie_below_the_90th_percentile():
    _said("the median is the middle of the sorted norms (half the steps lie below it), not")
    _said("the 90th percentile is the value 90 % of the steps stay below")
    norms = np.array([1.0, 1.1, 0.9, 1.2, 1.0, 0.95, 1.05, 1.15, 0.85, 40.0])  # one spike
    assert np.median(norms) == pytest.approx(1.025)
    assert norms.mean() > 4 * np.median(norms)  # a spike drags the mean up
    many = np.random.default_rng(0).lognormal(size=10_000)
    assert (many < np.percentile(many, 90)).mean() == pytest.approx(0.9, abs=0.001)


def test_max_norm_0_zeroes_every_gradient_and_inf_leaves_them():
    _said(
        "max_norm=0 does not turn clipping off: clip_grad_norm_ multiplies every gradient by "
        "0 / (norm + 1e-6), so all the gradients become zero",
        "pass max_norm=float('inf'), which leaves the gradients as they are",
        "call torch.nn.utils.get_total_norm on the gradients",
    )
    zeroed, kept = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([zeroed], max_norm=0).item() == 5.0
    assert torch.equal(zeroed.grad, torch.zeros(2))
    torch.nn.utils.clip_grad_norm_([kept], max_norm=float("inf"))
    assert torch.equal(kept.grad, torch.tensor([3.0, 4.0]))
    assert torch.nn.utils.get_total_norm([kept.grad]).item() == 5.0


def test_norm_clipping_scales_by_the_ratio_not_its_square():
    _said("not by its square", "scales the norm by that same factor", "scaled by 1/10 = 0.1")
    g = torch.tensor([6.0, 8.0])  # norm 10
    assert torch.linalg.vector_norm(0.1 * g).item() == pytest.approx(0.1 * 10.0)
    p = param_with_grad(g.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, g / 10, atol=1e-5)
    assert torch.linalg.vector_norm(p.grad).item() == pytest.approx(1.0, abs=1e-5)


def test_a_nan_gradient_stays_nan_after_clipping_without_an_error():
    _said("A nan or inf gradient gives clip_grad_norm_ a nan or inf total norm")
    p = param_with_grad([float("nan"), 1.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.isnan(total) and torch.isnan(p.grad).any()
    q = param_with_grad([float("inf"), 1.0])
    assert torch.isinf(torch.nn.utils.clip_grad_norm_([q], max_norm=1.0))
    assert not torch.isfinite(q.grad).all()


def test_clip_grad_norm_returns_the_norm_before_clipping_3_4_gives_5():
    _said("make it return 5 while .grad is rescaled to (0.6, 0.8), of norm 1")
    _said("gradients (3, 4) with max_norm=1 make it return 5 while .grad is rescaled to (0.6, 0.8)")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))


def test_backward_adds_to_grad_rather_than_resetting_it():
    _said("backward() does not reset or overwrite .grad: it adds the new gradients")
    _said("backward() does not average: it adds each micro-batch's gradient to .grad")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    (2 * w).sum().backward()
    (3 * w).sum().backward()
    assert w.grad.item() == 5.0  # the sum, not 3 (reset) or 2.5 (mean)


def test_clipping_runs_under_no_grad_so_it_records_nothing():
    _said("clip_grad_norm_ and clip_grad_value_ already run under no_grad")
    src = inspect.getsource(torch.nn.utils.clip_grad)
    for name in ("clip_grad_norm_", "clip_grad_value_"):
        at = src.index(f"def {name}(")
        assert "@_no_grad" in src[src.rindex("\n\n\n", 0, at) : at]
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    p.grad = torch.tensor([3.0, 4.0], requires_grad=True) * 1.0  # a grad inside a graph
    with torch.enable_grad():
        total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert not total.requires_grad


def test_norm_clipping_never_enlarges_a_small_gradient():
    _said("one whose norm is under the threshold passes unchanged")
    p = param_with_grad([0.12, 0.16])  # norm 0.2
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.12, 0.16]))


def test_clip_grad_norm_uses_l2_by_default_inf_and_l1_on_request():
    _said("uses the L2 norm by default (norm_type=2.0), so (3, 4) has norm 5")
    _said("(the largest absolute entry, 4) or the L1 norm (7)")
    sig = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert sig.parameters["norm_type"].default == 2.0
    for norm_type, want in ((2.0, 5.0), (float("inf"), 4.0), (1.0, 7.0)):
        p = param_with_grad([3.0, -4.0])
        got = torch.nn.utils.clip_grad_norm_([p], max_norm=100.0, norm_type=norm_type)
        assert got.item() == pytest.approx(want)


def test_tanh_and_sigmoid_derivative_maxima_and_a_tanh_rnn_can_explode():
    _said("tanh's derivative is at most 1 (at 0) and the sigmoid's at most 0.25 (at 0)")
    _said("3^20 ≈ 3.5e9 times larger over 20 steps")
    x = torch.linspace(-4, 4, 80001, dtype=torch.float64, requires_grad=True)
    torch.tanh(x).sum().backward()
    assert x.grad.max().item() == pytest.approx(1.0)
    x.grad = None
    torch.sigmoid(x).sum().backward()
    assert x.grad.max().item() == pytest.approx(0.25)
    h0 = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    w, h = 3.0 * torch.eye(2, dtype=torch.float64), h0
    for _ in range(20):
        h = torch.tanh(w @ h)  # h stays at 0, where tanh' = 1
    h.sum().backward()
    assert h0.grad[0].item() == pytest.approx(3.0**20)
    assert pytest.approx(3.5e9, rel=0.01) == 3.0**20


def test_loss_scale_multiplies_the_norm_by_s_not_s_squared():
    _said("the L2 norm grows by s, not s²", "0.5 × 65,536 = 32,768")
    w = torch.nn.Parameter(torch.tensor([0.3, 0.4]))  # gradient (0.3, 0.4): norm 0.5
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0
    scaler.scale((w * w.detach()).sum()).backward()
    assert torch.linalg.vector_norm(w.grad).item() == pytest.approx(0.5 * 65536)
    assert 0.5 * 65536 == 32768


def test_unscale_keeps_inf_and_the_step_is_skipped_and_scale_halved():
    _said("it divides the .grad tensors by the scale in place and only records whether any entry")
    _said("skips optimizer.step() for that iteration and scaler.update() lowers the scale")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((w * torch.tensor([float("inf"), 2.0])).sum()).backward()
    scaler.unscale_(opt)
    assert torch.isinf(w.grad[0]) and w.grad[1].item() == 2.0
    before = w.detach().clone()
    scaler.step(opt)
    assert torch.equal(before, w.detach())
    scaler.update()
    assert scaler.get_scale() == 2.0


def test_the_scaled_gradients_look_larger_not_smaller():
    _said("before unscale_ their norm looks far too large, not too small")
    w = torch.nn.Parameter(torch.tensor([0.3, 0.4]))
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * w.detach()).sum()).backward()
    assert torch.linalg.vector_norm(w.grad).item() == pytest.approx(1024 * 0.5)


def test_clip_grad_norm_before_backward_sees_no_gradient_and_returns_0():
    orders = tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    said = "\n".join(r["feedback"] for p in orders for r in p.get("order", []))
    assert "(or none after zero_grad(), and returns 0)" in said  # an order rule's feedback
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(1, 2)).sum().backward()
    opt.zero_grad()  # sets .grad to None by default
    assert torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item() == 0.0


def test_gradient_norm_grows_like_the_square_root_of_the_count():
    _said("twice the parameters, about 1.41 times the norm")
    gen = torch.Generator().manual_seed(0)
    small = torch.linalg.vector_norm(torch.randn(100_000, generator=gen))
    large = torch.linalg.vector_norm(torch.randn(200_000, generator=gen))
    assert (large / small).item() == pytest.approx(math.sqrt(2), rel=0.02)


def test_max_norm_acts_through_max_norm_over_total_norm():
    _said("multiplies the gradients by max_norm / total_norm when the total norm is over max_norm")
    for max_norm, want in ((1.0, [0.6, 0.8]), (2.0, [1.2, 1.6])):
        p = param_with_grad([3.0, 4.0])
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
        assert torch.allclose(p.grad, torch.tensor(want), atol=1e-5)


def test_agc_floor_is_a_max_not_a_sum_and_a_unit_is_a_row():
    _said("it takes max(‖W_i‖, 1e-3), a floor", "an AGC unit is a row")
    w, g = torch.tensor(0.5), torch.tensor(0.02)
    assert g / torch.clamp(w, min=1e-3) == g / w  # the floor leaves ‖W‖ >= 1e-3 alone
    assert g / (w + 1e-3) != g / w
    lin = torch.nn.Linear(3, 2)
    assert tuple(lin.weight.shape) == (2, 3)  # (out_features, in_features)
    x = torch.randn(3)
    assert torch.allclose(lin(x)[1], lin.weight[1] @ x + lin.bias[1])  # row 1 feeds output 1


def test_clip_grad_norm_does_not_reset_grad_and_backward_adds_to_it():
    _said("clip_grad_norm_ does not reset .grad: it only rescales it in place")
    _said("backward() adds to whatever .grad holds, so the loop still needs optimizer.zero_grad()")
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))  # rescaled, not cleared
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    assert torch.allclose(p.grad, torch.tensor([3.6, 4.8]))  # added on top


def test_a_second_unscale_before_update_raises_it_is_not_skipped():
    _said("a second call before scaler.update() raises a RuntimeError")
    _said("it is not silently skipped")
    p = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((p * p).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"already been called on this optimizer since the"):
        scaler.unscale_(opt)


def test_one_spike_drags_the_mean_not_the_median():
    _said("for norms 0.5, 0.6, 0.7, 0.8 and 12 the mean is 2.92, the median 0.7")
    norms = torch.tensor([0.5, 0.6, 0.7, 0.8, 12.0])
    assert norms.mean().item() == pytest.approx(2.92)
    assert norms.median().item() == pytest.approx(0.7)


# --- blind27 / round24 --------------------------------------------------------------------------
def test_each_clip_acts_on_that_steps_gradients_nothing_carries_over():
    _said("clip_grad_norm_ measures the norm of that step's gradients", "Nothing carries over")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    p.grad = torch.tensor([30.0, 40.0])  # the next step's gradients, not clipped by the last call
    assert p.grad.norm().item() == pytest.approx(50.0)
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def test_a_float32_product_of_large_factors_blows_up_too():
    _said("a float32 gradient can blow up just as well")
    g = torch.ones(4, dtype=torch.float32)
    for _ in range(300):
        g = 1.5 * g
    assert torch.isinf(g).all()


def test_value_clipping_changes_the_length_too():
    _said("(1, 1), whose norm is about 1.41 instead of 5")
    p = param_with_grad([3.0, 4.0])
    assert p.grad.norm().item() == pytest.approx(5.0)
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))
    assert p.grad.norm().item() == pytest.approx(1.41, abs=0.005)


def test_norm_clipping_fires_on_the_norm_not_on_one_entry():
    _said("(0.8, 0.8) with max_norm = 1 has no entry over 1 but a norm of about 1.13")
    p = param_with_grad([0.8, 0.8])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(1.13, abs=0.005)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def test_norm_clipping_shrinks_big_and_small_entries_in_the_same_proportion():
    _said("big and small entries shrink in the same proportion")
    raw = torch.tensor([0.1, 2.0, 30.0])
    p = param_with_grad(raw.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    ratios = p.grad / raw
    assert torch.allclose(ratios, ratios[0].expand(3))


def test_feed_forward_layers_each_have_their_own_matrix():
    _said("The layers of a feed-forward network each have their own weight matrix")
    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))
    assert net[0].weight.data_ptr() != net[1].weight.data_ptr()


def test_distant_time_steps_get_the_most_factors():
    _said("goes through k factors of the recurrent matrix", "the most recent ones hardly at all")
    w = torch.tensor([[1.2, 0.0], [0.0, 1.2]], requires_grad=True)
    h0 = torch.ones(2, requires_grad=True)
    hs = [h0]
    for _ in range(10):
        hs.append(w @ hs[-1])
        hs[-1].retain_grad()
    for h in hs:
        h.retain_grad()
    hs[-1].sum().backward()
    norms = [h.grad.norm().item() for h in hs]
    assert norms[0] == pytest.approx(math.sqrt(2) * 1.2**10, rel=1e-5)  # 10 factors back
    assert norms[-2] == pytest.approx(math.sqrt(2) * 1.2, rel=1e-5)  # one factor back


def test_scaler_step_updates_the_weights_update_only_the_scale():
    _said("scaler.step(optimizer) is the call that updates the weights")
    _said("scaler.update() changes no weight; it only adjusts the loss scale")
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((p**2).sum()).backward()
    before = p.detach().clone()
    scaler.step(opt)
    after_step = p.detach().clone()
    assert not torch.equal(before, after_step)
    scaler.update()
    assert torch.equal(p.detach(), after_step)


def test_a_clipped_finite_step_is_not_skipped_by_the_scaler():
    _said("skips the update only when the gradients hold inf or NaN")
    _said("a clipped, finite step is applied as usual")
    p = torch.nn.Parameter(torch.tensor([10.0, 20.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((p**2).sum()).backward()
    scaler.unscale_(opt)
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() > 1.0  # it was clipped
    before = p.detach().clone()
    scaler.step(opt)
    assert not torch.equal(p.detach(), before)


def test_bfloat16_has_float32s_exponent_fp16_ends_at_65504():
    _said("bfloat16 has the same 8-bit exponent as float32, so it reaches about 3.4e38")
    _said("whose range ends at 65504")
    assert torch.finfo(torch.bfloat16).max == pytest.approx(3.4e38, rel=0.01)
    assert torch.finfo(torch.bfloat16).tiny == torch.finfo(torch.float32).tiny
    assert torch.finfo(torch.float16).max == 65504.0


def test_backward_adds_each_micro_batch_into_grad():
    _said("backward() does not overwrite .grad: it adds each micro-batch's gradient")
    w = torch.nn.Parameter(torch.tensor([1.0, 1.0]))
    (2 * w).sum().backward()
    (3 * w).sum().backward()
    assert torch.equal(w.grad, torch.tensor([5.0, 5.0]))


def test_the_norm_of_a_sum_is_at_most_the_sum_of_the_norms():
    _said("4 micro-batch gradients of norm 0.5 add up to a norm of 2.0 only when they all point")
    _said("(1.0 if they are orthogonal)")
    aligned = sum([torch.tensor([0.5, 0.0, 0.0, 0.0])] * 4)
    orthogonal = sum(0.5 * torch.eye(4))
    assert aligned.norm().item() == pytest.approx(2.0)
    assert orthogonal.norm().item() == pytest.approx(1.0)


def test_a_bigger_batch_does_not_grow_the_gradient_norm():
    _said("a bigger batch gives a less noisy gradient of similar or smaller norm")
    g = torch.Generator().manual_seed(0)
    x, noise = torch.randn(4096, 8, generator=g), torch.randn(4096, generator=g)
    y = x @ torch.ones(8) + 3 * noise

    def norm(n: int) -> float:
        w = torch.zeros(8, requires_grad=True)
        torch.nn.functional.mse_loss(x[:n] @ w, y[:n]).backward()
        return w.grad.norm().item()

    assert norm(4096) <= norm(16) * 1.1


def test_clip_grad_norm_with_infinite_max_norm_only_measures():
    _said("with max_norm=float('inf') it only measures and clips nothing")
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=float("inf"))
    assert total.item() == pytest.approx(5.0)
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))


def test_the_agc_floor_lifts_only_small_weight_norms():
    _said("max(‖W‖, 1e-3) only lifts a weight norm below 1e-3 up to 1e-3")
    _said("AGC's floor is ε = 1e-3")
    norms = torch.tensor([0.0, 1e-4, 0.5, 40.0])
    floored = torch.clamp(norms, min=1e-3)
    assert torch.equal(floored, torch.tensor([1e-3, 1e-3, 0.5, 40.0]))


# --- blind25 / round23 --------------------------------------------------------------------------
def test_the_clipping_factor_is_max_norm_over_norm_below_1_not_its_inverse():
    _said("every gradient is multiplied by max_norm / norm, which is below 1, so the norm comes")
    _said("Multiplied by norm / max_norm, it would grow.")
    p = param_with_grad([3.0, 4.0])  # norm 5
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([3.0, 4.0]) * (1.0 / 5.0))
    assert p.grad.norm().item() == pytest.approx(1.0)
    assert (torch.tensor([3.0, 4.0]) * (5.0 / 1.0)).norm().item() == pytest.approx(25.0)


def test_norm_clipping_keeps_the_direction():
    _said("Clipping by norm keeps the direction: it multiplies every entry by the same factor")
    raw = torch.tensor([3.0, -4.0, 12.0])
    p = param_with_grad(raw.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    cos = torch.nn.functional.cosine_similarity(p.grad, raw, dim=0)
    assert cos.item() == pytest.approx(1.0)
    assert p.grad.norm().item() == pytest.approx(1.0)


def _agc(w: torch.Tensor, g: torch.Tensor, lam: float, floor: float) -> torch.Tensor:
    """One AGC unit (Brock et al., 2021): g scaled so ‖g‖ / max(‖w‖, floor) is at most lam."""
    ratio = g.norm() / torch.clamp(w.norm(), min=floor)
    return g * (lam / ratio) if ratio > lam else g


def test_agc_multiplies_by_lambda_over_ratio_and_floors_at_1e_3():
    _said("AGC multiplies the unit's gradient by λ / ratio, not ratio / λ")
    _said("may still take a gradient of norm up to λ × 1e-3, a thousand times more than a floor")
    w, g, lam = torch.tensor([3.0, 4.0]), torch.tensor([1.0, 0.0]), 0.01  # ratio 0.2
    clipped = _agc(w, g, lam, 1e-3)
    assert (clipped.norm() / w.norm()).item() == pytest.approx(lam)  # brought down to λ
    assert (g * (0.2 / lam)).norm().item() > g.norm().item()  # ratio / λ would enlarge it
    zero = torch.zeros(2)
    big = torch.tensor([5.0, 0.0])
    at_3 = _agc(zero, big, lam, 1e-3).norm().item()
    at_6 = _agc(zero, big, lam, 1e-6).norm().item()
    assert at_3 == pytest.approx(lam * 1e-3)
    assert at_3 / at_6 == pytest.approx(1000.0, rel=1e-4)


def test_scaler_step_unscales_by_itself_and_unscale_leaves_the_scale():
    _said("scaler.step(optimizer) does unscale the gradients itself when unscale_ was not called")
    _said("unscale_ only divides the optimizer's gradients by the current scale")
    _said("backoff_factor=0.5 after a step with inf or nan, and by growth_factor=2.0 after")
    _said("growth_interval=2000 clean steps")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * torch.tensor([0.5, 0.25])).sum()).backward()
    scaler.step(opt)  # no unscale_ before: the step unscales itself
    assert torch.allclose(w.detach(), torch.tensor([0.5, 1.75]))
    w2 = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt2 = torch.optim.SGD([w2], lr=1.0)
    scaler2 = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler2.scale((w2 * torch.tensor([0.5, 0.25])).sum()).backward()
    scaler2.unscale_(opt2)
    assert torch.allclose(w2.grad, torch.tensor([0.5, 0.25]))
    assert scaler2.get_scale() == 1024.0  # the scale itself is untouched
    sig = inspect.signature(torch.amp.GradScaler.__init__).parameters
    assert sig["backoff_factor"].default == 0.5
    assert sig["growth_factor"].default == 2.0
    assert sig["growth_interval"].default == 2000


def test_accumulated_grad_is_the_sum_and_clipping_each_micro_batch_turns_it():
    _said("after several backward() calls that is the sum of all the micro-batches' gradients")
    _said("so the early micro-batches are shrunk again and again and count less than the late ones")
    p = torch.nn.Parameter(torch.zeros(2))
    micro = [torch.tensor([6.0, 0.0]), torch.tensor([0.0, 6.0])]
    for g in micro:
        (p * g).sum().backward()
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(torch.stack(micro).sum(0).norm().item())  # the sum
    q = torch.nn.Parameter(torch.zeros(2))
    for g in micro:
        (q * g).sum().backward()
        torch.nn.utils.clip_grad_norm_([q], max_norm=1.0)
    assert q.grad[0].item() < q.grad[1].item()  # the first micro-batch counts less
    once = p.grad / p.grad.norm()
    each = q.grad / q.grad.norm()
    assert torch.nn.functional.cosine_similarity(once, each, dim=0).item() < 0.99  # turned


def test_clip_grad_norm_returns_the_norm_not_its_square_and_it_grows_with_size():
    _said("clip_grad_norm_ returns the total norm itself, measured before clipping, not its square")
    _said("with the default norm_type=2.0 that is the square root of the sum of the squared")
    _said("so the typical norm depends on the model and grows with its size")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
    small = param_with_grad([1.0] * 100)
    large = param_with_grad([1.0] * 10_000)
    assert torch.nn.utils.clip_grad_norm_([small], max_norm=1e9).item() == pytest.approx(10.0)
    assert torch.nn.utils.clip_grad_norm_([large], max_norm=1e9).item() == pytest.approx(100.0)


def test_sgd_steps_by_lr_times_the_gradient_length_and_all():
    _said("Plain SGD uses the gradient's length as well as its direction")
    _said("the step is lr × gradient")
    for scale in (1.0, 0.1):
        w = torch.nn.Parameter(torch.zeros(2))
        w.grad = torch.tensor([3.0, 4.0]) * scale
        torch.optim.SGD([w], lr=0.5).step()
        assert w.detach().norm().item() == pytest.approx(0.5 * 5.0 * scale)


# --- blind24 / round22 --------------------------------------------------------------------------
def test_norm_clipping_keeps_the_direction_of_3_4():
    _said("(3, 4) with a limit of 1 becomes (0.6, 0.8), pointing the same way, only shorter")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    assert torch.cosine_similarity(p.grad, torch.tensor([3.0, 4.0]), dim=0) == pytest.approx(1.0)


def test_clipping_before_backward_leaves_the_new_gradients_raw():
    _said("You put clipping before loss.backward(): at that point .grad holds nothing yet")
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    assert p.grad is None
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # nothing to clip yet
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))  # the new gradients were never clipped


def test_max_norm_is_a_limit_on_the_norm_not_a_fraction():
    _said("max_norm is not a fraction or a multiplier", "norm 5 with max_norm=0.5 ends up at 0.5")
    big, small = param_with_grad([3.0, 4.0]), param_with_grad([0.18, 0.24])  # norms 5 and 0.3
    torch.nn.utils.clip_grad_norm_([big], max_norm=0.5)
    torch.nn.utils.clip_grad_norm_([small], max_norm=0.5)
    assert big.grad.norm().item() == pytest.approx(0.5, rel=1e-5)  # not 5 * 0.5 = 2.5
    assert torch.equal(small.grad, torch.tensor([0.18, 0.24]))  # under it: unchanged


def test_value_clipping_clamps_an_entry_to_the_limit_it_does_not_zero_it():
    _said("so with a limit of 1, (3, 0.5) becomes (1, 0.5), not (0, 0.5)")
    p, n = param_with_grad([3.0, 0.5]), param_with_grad([-3.0, 0.5])
    torch.nn.utils.clip_grad_value_([p, n], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 0.5]))
    assert torch.equal(n.grad, torch.tensor([-1.0, 0.5]))  # the sign is kept


def test_a_lower_max_norm_clips_more_steps_and_one_above_all_never_clips():
    _said("the lower max_norm is, the more steps have a norm above it and the harder they are cut")
    _said("one above every norm you logged never clips")
    norms = [0.5, 0.8, 1.2, 2.0, 9.0]

    def clipped(max_norm: float) -> list[float]:
        out = []
        for norm in norms:
            p = param_with_grad([norm, 0.0])
            torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
            out.append(p.grad.norm().item())
        return out

    low, high, top = clipped(0.6), clipped(1.5), clipped(10.0)
    assert sum(a < n - 1e-6 for a, n in zip(low, norms, strict=True)) > sum(
        a < n - 1e-6 for a, n in zip(high, norms, strict=True)
    )
    assert all(a <= b + 1e-6 for a, b in zip(low, high, strict=True))  # cut harder
    assert top == pytest.approx(norms)


def test_max_norm_has_no_upper_limit():
    _said("clip_grad_norm_ takes any positive float (50.0 works as well as 0.5)")
    for max_norm, expected in ((50.0, 10.0), (0.5, 0.5)):
        p = param_with_grad([6.0, 8.0])  # norm 10
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
        assert p.grad.norm().item() == pytest.approx(expected, rel=1e-5)


# --- blind28 / round26 --------------------------------------------------------------------------
def test_norm_clipping_keeps_every_sign_and_shrinks_all_entries_by_one_total_factor():
    _said("a positive factor below 1, so the gradient only gets shorter and points the same way")
    _said("((6, 8) with a threshold of 5 becomes (3, 4))")
    _said("Clipping by norm takes one norm over all the gradients together, not one per entry")
    p = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=5.0)
    assert torch.allclose(p.grad, torch.tensor([3.0, 4.0]))
    g = torch.Generator().manual_seed(1)
    for _ in range(100):
        raw = [torch.randn(4, generator=g) * 5, torch.randn(3, generator=g) * 5]
        ps = [param_with_grad(r.tolist()) for r in raw]
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm=1.0).item()
        factor = min(1.0, 1.0 / (total + 1e-6))
        for q, r in zip(ps, raw, strict=True):
            assert torch.equal(torch.sign(q.grad), torch.sign(r))  # no sign flips
            assert torch.allclose(q.grad, r * factor, atol=1e-6)  # small entries shrink too


def test_the_largest_eigenvalue_decides_growth_not_the_smallest():
    _said("the largest eigenvalue in magnitude of the recurrent matrix (its spectral radius)")
    w = torch.diag(torch.tensor([1.5, 0.5], dtype=torch.float64))  # smallest eigenvalue < 1
    g = torch.tensor([1.0, 1.0], dtype=torch.float64)
    for _ in range(40):
        g = w.T @ g
    assert g.norm().item() > 1.5**40 * 0.99  # explodes along the largest one


def test_a_loss_scaled_by_s_gives_gradients_and_norm_s_times_too_large():
    _said("multiplies every gradient, and so their norm, by s itself, not by its square root")
    _said("with the initial scale of 65536 the norm you would clip is 65536 times the true one")
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0
    w = torch.nn.Parameter(torch.tensor([0.3, -0.2, 0.5]))
    x = torch.tensor([1.0, 2.0, 3.0])
    (w * x).sum().pow(2).backward()
    true = w.grad.norm().item()
    w.grad = None
    scaler.scale((w * x).sum().pow(2)).backward()
    assert w.grad.norm().item() == pytest.approx(65536.0 * true, rel=1e-5)
    optimizer = torch.optim.SGD([w], lr=0.1)
    scaler.unscale_(optimizer)
    assert w.grad.norm().item() == pytest.approx(true, rel=1e-5)


def test_clip_grad_norm_can_run_again_without_error_and_leaves_clipped_grads():
    _said("clip_grad_norm_ can be called as often as you like")
    _said("so a second call raises no error (it just finds the norm already at most max_norm")
    p = torch.nn.Parameter(torch.zeros(2))
    for g in (torch.tensor([6.0, 0.0]), torch.tensor([0.0, 6.0])):
        (p * g).sum().backward()
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # after every backward: no error
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    before = p.grad.clone()
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() <= 1.0 + 1e-6
    assert torch.equal(p.grad, before)  # left as it was


def test_clipping_each_micro_batch_shrinks_the_early_ones_most_often():
    _said("so the early micro-batches are shrunk most often and count less")
    _said("while the last one is shrunk only once")
    p = torch.nn.Parameter(torch.zeros(3))
    micro = torch.eye(3) * 2.0  # three micro-batches of norm 2, one axis each
    for g in micro:
        (p * g).sum().backward()
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    first, second, last = p.grad.tolist()
    assert first < second < last  # the first is shrunk three times, the last once


# --- blind26 / round25 --------------------------------------------------------------------------
def test_clipping_rescales_grad_in_place_and_the_step_reads_it():
    _said("clip_grad_norm_ rescales the .grad tensors in place")
    w = param_with_grad([3.0, 4.0])
    grad = w.grad
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert w.grad is grad and torch.allclose(grad, torch.tensor([0.6, 0.8]))
    before = w.detach().clone()
    torch.optim.SGD([w], lr=1.0).step()
    assert torch.allclose(before - w.detach(), torch.tensor([0.6, 0.8]))


def test_clipping_the_loss_clips_nothing_and_the_model_is_no_list_of_tensors():
    _said("clip_grad_norm_(loss, ...) clips nothing (it returns a norm of 0)")
    _said("the model itself is not a list of tensors (nn.Linear raises a TypeError)")
    model = torch.nn.Linear(2, 1)
    loss = model(torch.ones(1, 2)).sum() * 100
    loss.backward()
    grad = model.weight.grad.clone()
    with pytest.warns(UserWarning):
        assert torch.nn.utils.clip_grad_norm_(loss, 1.0).item() == 0.0
    assert torch.equal(model.weight.grad, grad)
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_(model, 1.0)


def test_the_spectral_radius_is_no_sum_nor_largest_entry():
    _said("[[0.6, 0.6], [0.6, 0.6]] has no entry above 1 and a spectral radius of 1.2")
    _said("[[0, 2], [0, 0]] has an entry of 2 and a spectral radius of 0")
    small = torch.tensor([[0.6, 0.6], [0.6, 0.6]])
    nilpotent = torch.tensor([[0.0, 2.0], [0.0, 0.0]])
    assert torch.linalg.eigvals(small).abs().max().item() == pytest.approx(1.2)
    assert torch.linalg.eigvals(nilpotent).abs().max().item() == pytest.approx(0.0)


def test_longer_sequences_compound_more():
    _said("(1.1^10 ≈ 2.6, 1.1^100 ≈ 14,000)")
    assert round(1.1**10, 1) == 2.6 and round(1.1**100, -3) == 14_000


def test_the_scaler_skips_a_step_with_inf_gradients():
    _said("scaler.step skips the update when the gradients hold inf or NaN")
    w = param_with_grad([float("inf"), 1.0])
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0)
    scaler.scale(torch.zeros((), requires_grad=True))  # starts the scaler
    before = w.detach().clone()
    scaler.step(torch.optim.SGD([w], lr=1.0))
    assert torch.equal(w.detach(), before)


# --- blind30 / round28 --------------------------------------------------------------------------
def test_agc_adds_nothing_to_the_weight_norm_plus_1_allows_11_times_more():
    _said("AGC adds nothing to the weight norm: it divides by max(‖W_i‖, 1e-3)")
    _said("a unit whose weights have norm 0.1 may take a gradient 11 times larger than λ × 0.1")
    w, g, lam = torch.tensor([0.06, 0.08]), torch.tensor([30.0, 40.0]), 0.01  # ‖w‖ = 0.1
    by_max = _agc(w, g, lam, 1e-3).norm().item()
    assert by_max == pytest.approx(lam * 0.1, rel=1e-5)
    padded = g * (lam * (w.norm() + 1.0) / g.norm())  # the limit if ‖w‖ + 1 were the divisor
    assert padded.norm().item() / by_max == pytest.approx(11.0, rel=1e-5)


def test_clipping_leaves_backprop_whole_it_rescales_what_backward_computed():
    _said("backward() still runs through every layer and every time step")
    w = torch.tensor(1.5, requires_grad=True)
    h = torch.tensor(1.0)
    for _ in range(20):  # 20 time steps of the same weight
        h = h * w
    h.backward()
    full = w.grad.clone()
    assert full.item() == pytest.approx(20 * 1.5**19, rel=1e-5)  # every step contributed
    total = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert total.item() == pytest.approx(full.item(), rel=1e-6)  # it saw the full gradient
    assert w.grad.item() == pytest.approx(1.0, rel=1e-5)  # then scaled it down


def test_a_threshold_scaled_up_after_unscale_counts_the_scale_twice():
    _said("Multiplying the threshold by the scale as well counts the scale twice")
    _said("with the initial scale of 65536, a gradient norm 65536 times over max_norm would pass")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(p.sum()).backward()  # scaled gradients: 65536 each
    assert scaler.get_scale() == 65536.0
    scaler.unscale_(opt)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0]))  # true size again
    max_norm = 1.0
    p.grad = torch.tensor([0.6, 0.8]) * 65536 * max_norm * 0.999  # just under max_norm * scale
    total = torch.nn.utils.clip_grad_norm_([p], max_norm * scaler.get_scale())
    assert total.item() > 65000 * max_norm  # tens of thousands of times over max_norm ...
    assert p.grad.norm().item() == pytest.approx(total.item())  # ... and left unclipped


# --- round 29: formulas checked by evaluating them, and claims made in symbols -----------------
def test_norm_clipping_formula_min_1_max_norm_over_norm():
    _said("g ← g · min(1, max_norm / ‖g‖), so a gradient of norm 10 with max_norm 2 ends up")
    _said("one under the limit passes unchanged", "an entry inside keeps its value")
    big, small = param_with_grad([6.0, 8.0]), param_with_grad([0.6, 0.8])  # norms 10 and 1
    torch.nn.utils.clip_grad_norm_([big], max_norm=2.0)
    torch.nn.utils.clip_grad_norm_([small], max_norm=2.0)
    assert big.grad.norm().item() == pytest.approx(2.0, rel=1e-5)
    assert torch.allclose(big.grad, torch.tensor([6.0, 8.0]) * min(1.0, 2.0 / 10.0))
    assert torch.equal(small.grad, torch.tensor([0.6, 0.8]))
    by_value = param_with_grad([3.0, 0.2])
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_value.grad, torch.tensor([1.0, 0.2]))  # inside: kept


def test_norm_and_value_formulas_on_3_4_and_3_0_2():
    _said("(3, 4) with a limit of 1 becomes (0.6, 0.8), of norm 1, and a gradient under")
    _said("with a limit of 1, (3, 0.2) becomes (1, 0.2).")
    by_norm, by_value = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 0.2])
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_norm.grad, torch.tensor([0.6, 0.8]))
    assert by_norm.grad.norm().item() == pytest.approx(1.0, rel=1e-5)
    assert torch.allclose(by_value.grad, torch.tensor([1.0, 0.2]))


def test_agc_formula_brings_the_ratio_down_to_exactly_lambda():
    _said("G_i ← G_i · λ · max(‖W_i‖, 1e-3) / ‖G_i‖, which brings the ratio down to exactly λ")
    from gradclip_core.clipping import _agc_

    w = torch.nn.Parameter(torch.tensor([[6.0, 8.0]]))  # weight norm 10
    w.grad = torch.tensor([[3.0, 4.0]])  # gradient norm 5: ratio 0.5 > λ = 0.1
    _agc_([w], clip_factor=0.1)
    assert w.grad.norm().item() / 10.0 == pytest.approx(0.1, rel=1e-4)
    assert torch.allclose(w.grad, torch.tensor([[3.0, 4.0]]) * 0.1 * 10.0 / 5.0, rtol=1e-4)


def test_repeated_factors_give_a_power_not_a_product_with_t():
    _said("T steps give ρ^T, a power of T, not T·ρ")
    _said("1.1^100 ≈ 13,781, while 100 × 1.1 is only 110")
    w = torch.tensor(1.1, requires_grad=True)
    h = torch.tensor(1.0)
    for _ in range(100):
        h = h * w  # the same factor every step
    assert h.item() == pytest.approx(13781, rel=1e-3)
    assert pytest.approx(110) == 100 * 1.1


def test_relu_slope_is_0_or_1_the_quarter_is_sigmoid():
    _said("ReLU's derivative is 0 or 1, not at most 0.25: the 0.25 bound belongs to the sigmoid")
    x = torch.linspace(-4, 4, 801, requires_grad=True)
    relu = torch.autograd.grad(torch.relu(x).sum(), x)[0]
    sigmoid = torch.autograd.grad(torch.sigmoid(x).sum(), x)[0]
    assert set(relu.tolist()) == {0.0, 1.0}
    assert sigmoid.max().item() == pytest.approx(0.25, abs=1e-6)


def test_unscale_divides_by_the_scale_65536_at_the_start():
    _said("scaler.unscale_(optimizer) divides the gradients by the loss scale")
    _said("it does not multiply them")
    _said("(65536 at the start)")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((p * torch.tensor([3.0, 4.0])).sum()).backward()
    assert scaler.get_scale() == 65536.0
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]) * 65536)  # multiplied by backward
    scaler.unscale_(opt)
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))  # divided by unscale_


def test_clipping_every_micro_batch_changes_the_direction():
    _said("Clipping after every micro-batch changes the direction of the update, not only its")
    g1, g2 = torch.tensor([10.0, 0.0]), torch.tensor([0.0, 1.0])
    p = param_with_grad(g1.tolist())
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # after micro-batch 1
    p.grad += g2  # micro-batch 2 is not scaled by the first clip
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    once = (g1 + g2) / (g1 + g2).norm()
    twice = p.grad / p.grad.norm()
    assert torch.dot(once, twice).item() < 0.99  # another direction


def test_a_tight_threshold_acts_like_a_smaller_learning_rate():
    _said("η · max_norm / ‖g‖, and slows learning")
    clipped, plain = param_with_grad([6.0, 8.0]), param_with_grad([6.0, 8.0])  # norm 10
    torch.nn.utils.clip_grad_norm_([clipped], max_norm=2.0)
    torch.optim.SGD([clipped], lr=0.1).step()
    torch.optim.SGD([plain], lr=0.1 * 2.0 / 10.0).step()  # η · max_norm / ‖g‖
    assert torch.allclose(clipped.data, plain.data, atol=1e-6)
    assert clipped.data.norm().item() < (0.1 * 10.0)  # a shorter step than unclipped SGD


def test_a_plain_rnn_explodes_when_its_recurrent_factors_are_above_one():
    _said("A plain RNN gets exploding gradients too", "(a spectral radius above 1)")
    norms = {}
    for radius in (1.5, 0.5):
        rnn = torch.nn.RNN(4, 4, nonlinearity="relu", bias=False)
        with torch.no_grad():
            rnn.weight_ih_l0.zero_()
            rnn.weight_hh_l0.copy_(radius * torch.eye(4))  # spectral radius = radius
        h0 = torch.ones(1, 1, 4, requires_grad=True)
        out, _ = rnn(torch.zeros(30, 1, 4), h0)  # 30 time steps, relu' = 1 on positive states
        out[-1].sum().backward()
        norms[radius] = h0.grad.norm().item()
    assert norms[1.5] == pytest.approx(2 * 1.5**30, rel=1e-4)  # compounds: about 3.8e5
    assert norms[0.5] < 1e-8  # below 1 the same product vanishes


def test_clipping_after_the_step_leaves_the_update_unclipped():
    orders = [
        r["feedback"]
        for prompt in tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
        for r in prompt.get("order", [])
    ]
    assert any("by then the update has already used the raw gradient" in f for f in orders)
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    p.grad = torch.tensor([3.0, 4.0])  # norm 5
    opt.step()
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # too late: the step is taken
    assert torch.allclose(p.detach(), torch.tensor([-3.0, -4.0]))


# --- blind29 / round27 --------------------------------------------------------------------------
def test_zeroing_between_micro_batches_leaves_only_the_last_one():
    _said("Zeroed in between, .grad would hold only the last micro-batch")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    for g in (torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])):
        opt.zero_grad()
        (p * g).sum().backward()
    assert torch.equal(p.grad, torch.tensor([0.0, 2.0]))


def test_clip_grad_norm_keeps_no_history_of_earlier_norms():
    _said("clip_grad_norm_ keeps no history: each call compares the current total norm")
    calm, fresh = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    for _ in range(50):  # many small norms first: nothing carries over
        calm.grad = torch.tensor([0.01, 0.0])
        torch.nn.utils.clip_grad_norm_([calm], max_norm=1.0)
    calm.grad = torch.tensor([3.0, 4.0])
    for p in (calm, fresh):
        assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
        assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))


def test_the_clipped_norm_is_the_l2_norm_not_the_mean_size():
    _said("(3, 4) has norm 5, while its mean absolute entry is 3.5")
    p = param_with_grad([3.0, 4.0])
    assert p.grad.abs().mean().item() == 3.5
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=4.0).item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(4.0)  # clipped: the mean 3.5 is under 4


def test_a_spike_fills_adams_moments_and_damps_the_steps_after_it():
    _said("a spike that reaches Adam enters its momentum at full size")
    _said("so the steps after it are damped for a long time")
    runs = []
    for clip in (False, True):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([p], lr=0.1)
        moves, momentum = [], 0.0
        for k in range(30):
            p.grad = torch.tensor([1000.0 if k == 20 else 0.1])
            if clip:
                torch.nn.utils.clip_grad_norm_([p], max_norm=0.1)
            before = p.item()
            opt.step()
            moves.append(abs(p.item() - before))
            momentum = opt.state[p]["exp_avg"].item() if k == 20 else momentum
        runs.append((moves, momentum, opt.state[p]["exp_avg_sq"].item()))
    (raw, raw_m, raw_sq), (clipped, clipped_m, clipped_sq) = runs
    assert raw_m > 1000 * clipped_m and raw_sq > 1000 * clipped_sq
    assert raw[29] < 0.5 * clipped[29]  # nine steps on, the unclipped run still crawls


def test_a_clip_does_not_stick_the_next_backward_is_unclipped():
    _said("the next backward() writes fresh, unclipped gradients")
    p = torch.nn.Parameter(torch.zeros(2))
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    p.grad = None
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    assert p.grad.norm().item() == pytest.approx(5.0)


def test_an_rnn_has_the_same_parameters_for_any_sequence_length():
    _said("Unrolling adds no parameters: an RNN uses the same weight matrices at every time step")
    rnn = torch.nn.RNN(3, 4)
    count = sum(p.numel() for p in rnn.parameters())
    for steps in (2, 50):
        rnn.zero_grad()
        rnn(torch.randn(steps, 1, 3))[0].sum().backward()
        assert sum(p.numel() for p in rnn.parameters()) == count
        assert rnn.weight_hh_l0.grad.shape == (4, 4)


def test_unscale_records_inf_and_does_not_raise_a_second_call_does():
    _said("scaler.unscale_(optimizer) does not raise on inf or nan gradients")
    _said("only a second unscale_() before update() raises")
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale((w * torch.tensor([1.0, 1.0])).sum()).backward()
    w.grad[0] = float("inf")
    scaler.unscale_(opt)  # no error
    with pytest.raises(RuntimeError):
        scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert torch.equal(w.detach(), torch.zeros(2)) and scaler.get_scale() == 2.0


def test_spikes_move_the_mean_not_the_median():
    _said("lifts the mean of 100 logged norms to about twice the typical value")
    norms = np.array([1.0] * 99 + [100.0])
    assert norms.mean() == pytest.approx(1.99) and np.median(norms) == 1.0


def test_clipping_is_no_weight_decay():
    _said("nothing pulls the weights towards zero")
    w = torch.nn.Parameter(torch.tensor([2.0, -3.0]))
    w.grad = torch.zeros(2)
    torch.nn.utils.clip_grad_norm_([w], max_norm=1e-3)
    torch.optim.SGD([w], lr=0.1).step()
    assert torch.equal(w.detach(), torch.tensor([2.0, -3.0]))
    decayed = torch.nn.Parameter(torch.tensor([2.0, -3.0]))
    decayed.grad = torch.zeros(2)
    torch.optim.SGD([decayed], lr=0.1, weight_decay=0.1).step()
    assert decayed.detach().abs().lt(torch.tensor([2.0, 3.0])).all()


def test_torch_itself_never_clips_a_huge_gradient():
    # The Trainer's default is cited from the Transformers documentation (not a dependency here);
    # what the feedback says of torch runs: an optimizer step uses the gradient as it is.
    _said("its documentation gives TrainingArguments max_grad_norm=1.0")
    _said("torch itself never clips unless you call clip_grad_norm_ or clip_grad_value_")
    p = param_with_grad([3e6, 4e6])  # starts at zero; norm 5e6
    torch.optim.SGD([p], lr=0.1).step()
    assert torch.allclose(p.detach(), torch.tensor([-3e5, -4e5]))


# --- round 31 (long answers): the feedback added for blind32 ------------------------------------
def test_clip_grad_value_clamps_entries_and_computes_no_norm():
    _said("clip_grad_value_ clamps each entry to [-clip_value, clip_value] on its own")
    by_value, by_norm = param_with_grad([3.0, 0.5]), param_with_grad([3.0, 0.5])
    assert torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0) is None  # no norm
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    assert torch.equal(by_value.grad, torch.tensor([1.0, 0.5]))  # the small entry untouched
    assert torch.allclose(by_norm.grad, torch.tensor([3.0, 0.5]) / math.hypot(3.0, 0.5))


def test_norm_clipping_neither_divides_by_the_norm_nor_by_the_largest_entry():
    _said("becomes (0.6, 0.8), not (0.75, 1))", "so the result has norm exactly max_norm")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    q = param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([q], max_norm=2.0)  # not a unit vector: norm max_norm
    assert q.grad.norm().item() == pytest.approx(2.0, rel=1e-6)


def test_unscale_divides_by_the_loss_scale_not_by_the_threshold():
    _said("divides the gradients by the loss scale (scaler.get_scale(), 65536 at the start)")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    assert scaler.get_scale() == 65536.0
    scaler.scale((w * torch.tensor([3.0, 4.0])).sum()).backward()
    assert torch.allclose(w.grad, torch.tensor([3.0, 4.0]) * 65536.0)
    scaler.unscale_(opt)
    assert torch.allclose(w.grad, torch.tensor([3.0, 4.0]))


def test_clip_grad_norm_does_not_raise_on_overflow_unless_asked():
    _said("error_if_nonfinite is False by default: it returns an inf or nan norm instead")
    p = param_with_grad([float("inf"), 1.0])
    assert math.isinf(torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item())
    assert (
        inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["error_if_nonfinite"].default
        is False
    )
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(
            [param_with_grad([float("inf")])], 1.0, error_if_nonfinite=True
        )


def test_a_clipped_sgd_step_is_at_most_lr_times_max_norm():
    _said("the step's length is at most lr * max_norm")
    w = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([w], lr=0.1)
    w.grad = torch.tensor([30.0, 40.0, 0.0])
    torch.nn.utils.clip_grad_norm_([w], max_norm=2.0)
    opt.step()
    assert w.detach().norm().item() == pytest.approx(0.1 * 2.0, rel=1e-6)


# --- round 34 (practitioners' answers): the feedback added for blind39 ---------------------------
def test_clip_grad_norm_rescales_only_over_max_norm_never_to_it_from_below():
    _said("a gradient whose norm is under it passes unchanged, so the steps do not all have")
    small, large = param_with_grad([0.3, 0.4]), param_with_grad([6.0, 8.0])
    torch.nn.utils.clip_grad_norm_([small], max_norm=1.0)
    torch.nn.utils.clip_grad_norm_([large], max_norm=1.0)
    assert torch.equal(small.grad, torch.tensor([0.3, 0.4]))  # norm 0.5: untouched
    assert large.grad.norm().item() == pytest.approx(1.0, rel=1e-6)


def test_clip_grad_norm_zeroes_no_parameter_it_scales_them_all_by_one_factor():
    _said("clip_grad_norm_ never zeroes a gradient or skips a parameter")
    big, small = param_with_grad([30.0, 40.0]), param_with_grad([0.0, 0.5])
    total = torch.nn.utils.clip_grad_norm_([big, small], max_norm=1.0)
    factor = 1.0 / total.item()
    assert torch.allclose(big.grad, torch.tensor([30.0, 40.0]) * factor)
    assert torch.allclose(small.grad, torch.tensor([0.0, 0.5]) * factor)
    assert big.grad.abs().sum() > 0 and small.grad.abs().sum() > 0


def test_the_norm_clip_grad_norm_uses_is_l2_not_the_plain_sum():
    _said("(3, 4) has norm 5, not 7")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    assert torch.tensor([3.0, 4.0]).sum().item() == 7.0


def _scaled_grads(values):
    w = torch.nn.Parameter(torch.zeros(len(values)))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((w * torch.tensor(values)).sum()).backward()
    return w, opt, scaler


def test_value_clipping_needs_the_unscale_too():
    _said("clip_grad_value_ needs the unscale too", "(65536 at the start), so nearly every entry")
    w, _, scaler = _scaled_grads([0.01, 0.2, -0.05])
    assert scaler.get_scale() == 65536.0
    torch.nn.utils.clip_grad_value_([w], clip_value=1.0)  # still scaled: every entry clamped
    assert torch.equal(w.grad, torch.tensor([1.0, 1.0, -1.0]))
    v, opt, scaler = _scaled_grads([0.01, 0.2, -0.05])
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_value_([v], clip_value=1.0)  # true sizes: nothing clamped
    assert torch.allclose(v.grad, torch.tensor([0.01, 0.2, -0.05]))


def test_norm_clipping_is_not_scale_invariant():
    _said("Norm clipping is not scale-invariant", "multiplies their norm by it")
    w, opt, scaler = _scaled_grads([0.3, 0.4])  # true norm 0.5, under max_norm 1.0
    assert w.grad.norm().item() == pytest.approx(0.5 * 65536.0)
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # clipped while scaled
    scaler.unscale_(opt)
    assert w.grad.norm().item() == pytest.approx(1.0 / 65536.0, rel=1e-4)  # far too much cut
    v, opt, scaler = _scaled_grads([0.3, 0.4])
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_([v], max_norm=1.0)
    assert torch.allclose(v.grad, torch.tensor([0.3, 0.4]))  # unscaled first: left as is


def test_clip_grad_norm_clips_only_the_layer_it_is_given():
    _said("given one layer's parameters, such as model.fc.parameters(), it takes the norm of")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    (model(torch.randn(8, 4)) * 1000).sum().backward()
    first = [p.grad.clone() for p in model[0].parameters()]
    last = torch.cat([p.grad.flatten() for p in model[1].parameters()])
    total = torch.nn.utils.clip_grad_norm_(model[1].parameters(), max_norm=1.0)
    assert total.item() == pytest.approx(last.norm().item(), rel=1e-5)  # that layer's norm alone
    assert all(torch.equal(p.grad, g) for p, g in zip(model[0].parameters(), first, strict=True))
    assert torch.cat([p.grad.flatten() for p in model[0].parameters()]).norm() > 1.0  # unclipped


def test_no_optimizer_clips_by_default_or_takes_a_clipping_argument():
    _said("no optimizer clips by default or takes a clipping argument")
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        assert not {"max_norm", "clip_value", "max_grad_norm"} & set(
            inspect.signature(make).parameters
        )
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor([300.0, 400.0])
    torch.optim.SGD([w], lr=0.1).step()
    assert torch.allclose(w.detach(), torch.tensor([-30.0, -40.0]))  # .grad used as it was


def test_clipping_each_micro_batch_shrinks_the_early_ones_and_turns_the_update():
    _said("the early micro-batches are shrunk again and again and count less than the late ones")
    micro = [torch.tensor([6.0, 0.0]), torch.tensor([0.0, 6.0]), torch.tensor([0.0, 0.0])]
    each = param_with_grad([0.0, 0.0])
    for g in micro:
        each.grad += g
        torch.nn.utils.clip_grad_norm_([each], max_norm=1.0)
    total = sum(micro)  # (6, 6): the full sum points at 45 degrees
    assert each.grad[0] < each.grad[1]  # the first micro-batch now counts less
    assert torch.cosine_similarity(each.grad, total, dim=0) < 0.99  # points elsewhere


def test_a_wider_hidden_state_adds_no_factor_to_the_product():
    _said("A wider hidden state adds no factor to the product.")
    for width in (4, 64):  # W = 1.5 I: a spectral radius of 1.5 at either width
        w = 1.5 * torch.eye(width)
        h0 = torch.ones(width, requires_grad=True)
        h = h0
        for _ in range(10):  # one factor W per time step, however wide h is
            h = w @ h
        h.sum().backward()
        assert torch.allclose(h0.grad, torch.full((width,), 1.5**10))


def test_update_sets_the_scale_from_inf_or_nan_only_not_from_clipping():
    _said(
        "scaler.update() takes no notice of clipping: it halves the scale (backoff_factor=0.5)",
        "doubles it (growth_factor=2.0) after growth_interval=2000 steps without them",
    )
    scales = []
    for clipped in (False, True):
        w = torch.nn.Parameter(torch.tensor([0.0, 0.0]))
        opt = torch.optim.SGD([w], lr=0.1)
        scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
        scaler.scale((w * torch.tensor([30.0, 40.0])).sum()).backward()
        scaler.unscale_(opt)
        if clipped:
            assert torch.nn.utils.clip_grad_norm_([w], max_norm=1.0).item() == 50.0
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [1024.0, 1024.0]  # a clip, like no clip, leaves the scale alone
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    assert scaler.get_backoff_factor() == 0.5 and scaler.get_growth_factor() == 2.0
    assert scaler.get_growth_interval() == 2000
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler.scale(w.sum() * float("inf")).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 512.0  # halved after a step with inf


def test_norm_clipping_multiplies_by_max_norm_over_norm_not_by_one_over_norm_squared():
    _said("(3, 4) (norm 5) with max_norm 1 becomes (0.6, 0.8), of norm exactly 1, not (0.12, 0.16)")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-6)
    assert torch.allclose(torch.tensor([3.0, 4.0]) / 25, torch.tensor([0.12, 0.16]))


def test_the_grad_scaler_multiplies_the_gradients_and_unscale_divides_them_back():
    _said("with a scale of 1024, a gradient entry of 0.3 becomes 307.2, not 1024.3")
    w = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((0.3 * w).sum()).backward()
    assert w.grad.item() == pytest.approx(307.2, rel=1e-6)
    scaler.unscale_(opt)
    assert w.grad.item() == pytest.approx(0.3, rel=1e-6)


def test_the_median_of_a_list_with_a_spike_is_far_below_its_mean():
    _said("for 1, 2, 2, 3, 3, 4, 4, 5, 6, 70 it is 3.5, while the mean, 10, is dragged up")
    norms = torch.tensor([1.0, 2, 2, 3, 3, 4, 4, 5, 6, 70])
    assert torch.quantile(norms, 0.5).item() == pytest.approx(3.5)
    assert norms.mean().item() == pytest.approx(10.0)


def test_clip_grad_value_clamps_the_gradient_and_leaves_the_weights_alone():
    _said("clip_grad_value_(model.parameters(), 1.0) clamps every .grad entry and leaves the")
    p = torch.nn.Parameter(torch.tensor([3.0, -0.5]))
    p.grad = torch.tensor([5.0, -4.0])
    torch.nn.utils.clip_grad_value_([p], 1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, -1.0]))
    assert torch.equal(p.detach(), torch.tensor([3.0, -0.5]))


def test_a_clip_before_backward_leaves_the_new_gradients_unclipped():
    orders = tomllib.loads(EXPLAIN.read_text(encoding="utf-8"))["prompt"]
    said = [r["feedback"] for p in orders for r in p.get("order", [])]
    assert any("the backward() after the clip writes them unclipped" in f for f in said)
    w = torch.nn.Parameter(torch.zeros(2))
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # nothing to clip yet
    (w * torch.tensor([30.0, 40.0])).sum().backward()
    assert torch.equal(w.grad, torch.tensor([30.0, 40.0]))


def test_named_parameters_given_to_a_clip_raise_an_attribute_error():
    _said("Not model.named_parameters() either: its (name, tensor) pairs have no .grad")
    for clip in (torch.nn.utils.clip_grad_norm_, torch.nn.utils.clip_grad_value_):
        net = torch.nn.Linear(3, 2)
        net(torch.randn(4, 3)).sum().backward()
        with pytest.raises(AttributeError):
            clip(net.named_parameters(), 1.0)


def test_lstm_and_gru_gates_are_sigmoids_between_zero_and_one():
    _said("LSTM and GRU gates are sigmoids, with values between 0 and 1")
    gates = torch.sigmoid(torch.tensor([-1e4, -5.0, 0.0, 5.0, 1e4]))
    assert gates.min().item() >= 0.0 and gates.max().item() <= 1.0
    lstm = torch.nn.LSTMCell(1, 1, bias=False)  # forget gate: row 1 of the 4 gate blocks
    with torch.no_grad():
        lstm.weight_ih.fill_(50.0)
        lstm.weight_hh.zero_()
    h, c = lstm(torch.ones(1, 1), (torch.zeros(1, 1), torch.full((1, 1), 2.0)))
    # c' = f * c + i * g with f, i at most 1 and |g| at most 1: never more than c + 1
    assert c.item() <= 2.0 + 1.0 + 1e-6


def test_the_scaler_step_skips_a_step_with_inf_gradients_without_raising():
    _said("scaler.step(optimizer) does not raise on inf or nan gradients: it skips")
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(w.sum() * float("inf")).backward()
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_([w], 1.0)
    scaler.step(opt)  # no exception
    scaler.update()
    assert w.item() == 1.0
    assert scaler.get_scale() == 512.0


def test_unscale_after_a_plain_backward_raises_or_divides_true_gradients_by_the_scale():
    _said("raises an error if the scaler has never scaled anything, and otherwise divides them")
    _said("by the scale anyway (65536 at the start)")
    w = torch.nn.Parameter(torch.tensor([0.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    (3.0 * w).sum().backward()  # no scaler.scale(loss)
    with pytest.raises(AssertionError):
        scaler.unscale_(opt)
    scaler.scale(torch.tensor(1.0))  # a scaler that has scaled before (an earlier iteration)
    assert scaler.get_scale() == 65536.0
    scaler.unscale_(opt)
    assert w.grad.item() == pytest.approx(3.0 / 65536)


def test_zero_grad_sets_gradients_to_none_by_default():
    _said("optimizer.zero_grad() sets every .grad to None by default (set_to_none=True)")
    _said("Only zero_grad(set_to_none=False) fills them with zeros")
    assert inspect.signature(torch.optim.Optimizer.zero_grad).parameters["set_to_none"].default
    w = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    assert w.grad is None
    w.sum().backward()
    opt.zero_grad(set_to_none=False)
    assert torch.equal(w.grad, torch.zeros(2))


def test_the_norm_returned_after_accumulation_is_that_of_the_whole_sum():
    _said("the norm it returns is the norm of the whole accumulated gradient")
    w = torch.nn.Parameter(torch.zeros(2))
    (w * torch.tensor([3.0, 0.0])).sum().backward()
    (w * torch.tensor([0.0, 4.0])).sum().backward()  # the last micro-batch: norm 4
    total = torch.nn.utils.clip_grad_norm_([w], max_norm=float("inf"))
    assert total.item() == pytest.approx(5.0)


def test_a_max_norm_between_the_median_and_the_90th_percentile_lies_in_that_range():
    _said("with a median of 0.8 and a 90th percentile of 1.6 that is a value from 0.8 to 1.6")
    norms = np.array([0.5, 0.7, 0.8, 0.8, 0.8, 0.9, 1.2, 1.4, 1.6, 3.0])
    median, p90 = np.median(norms), np.percentile(norms, 90, method="lower")
    assert median == pytest.approx(0.85) and p90 == 1.6
    assert p90 < 5.0 and median > 0.5 and median <= 1.2 <= p90


def test_clipping_before_the_last_backward_leaves_the_sum_unclipped():
    _said("the last backward() adds its gradient to .grad after the clip")
    w = torch.nn.Parameter(torch.zeros(2))
    for k, target in enumerate((torch.tensor([3.0, 4.0]), torch.tensor([3.0, 4.0]))):
        (-(w * target).sum()).backward()  # each micro-batch adds a gradient of norm 5
        if k == 0:
            torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # before the last backward
    assert w.grad.norm().item() == pytest.approx(6.0, rel=1e-5)  # 1 + 5: over max_norm


def test_each_iteration_computes_a_fresh_gradient_nothing_compounds_across_steps():
    _said("each iteration's backward() computes a fresh gradient from the current weights")
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 4, batch_first=True)
    x = torch.randn(2, 20, 3)
    grads = []
    for _ in range(3):  # three iterations on the same weights, no optimizer step
        rnn.zero_grad()
        rnn(x)[0].sum().backward()
        grads.append(rnn.weight_hh_l0.grad.clone())
    assert all(torch.allclose(grads[0], g) for g in grads[1:])


def test_clip_grad_value_takes_one_number_and_clamps_both_signs_alike():
    _said("clip_grad_value_(parameters, clip_value) takes one number and clamps every entry")
    assert list(inspect.signature(torch.nn.utils.clip_grad_value_).parameters) == [
        "parameters",
        "clip_value",
        "foreach",
    ]
    p = param_with_grad([-3.0, 0.2, 3.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([-1.0, 0.2, 1.0]))


def test_a_too_small_threshold_shrinks_every_step_it_does_not_blow_up():
    _said("A threshold far below the typical norm does not make training diverge")
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.tensor([5.0, -5.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(50):
        opt.zero_grad()
        (w**2).sum().backward()
        total = torch.nn.utils.clip_grad_norm_([w], max_norm=0.01)
        assert total > 0.01  # clipped on every step
        opt.step()
    assert 0 < (w.detach().norm() - 50**0.5).abs() < 0.06  # each step moves 0.001: slow, finite


def test_clip_grad_norm_raises_nothing_for_a_norm_far_above_max_norm():
    _said(
        "clip_grad_norm_ raises no error however far the total norm is above max_norm",
        "It raises only with error_if_nonfinite=True, and then only for a nan or inf total norm.",
    )
    for flag in (False, True):
        p = param_with_grad([3e6, 4e6])
        assert torch.nn.utils.clip_grad_norm_([p], 1e-3, error_if_nonfinite=flag).item() > 1e6
        assert p.grad.norm().item() == pytest.approx(1e-3, rel=1e-4)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(
            [param_with_grad([float("nan"), 1.0])], 1.0, error_if_nonfinite=True
        )


def test_a_negative_eigenvalue_grows_like_its_magnitude_and_truncation_shortens_the_product():
    _said("(-1.2)^T has size 1.2^T", "1.2^50 is about 9,100")
    w = torch.diag(torch.tensor([-1.2, 0.5], dtype=torch.float64))
    power = torch.linalg.matrix_power(w, 50)
    assert abs(power[0, 0].item()) == pytest.approx(1.2**50) and round(1.2**50, -2) == 9100
    assert torch.linalg.matrix_power(w, 51)[0, 0].item() < 0  # the sign alternates
    _said("with a factor of 1.1 per step, 20 steps give about 6.7 while 200 give about 190 million")
    assert round(1.1**20, 1) == 6.7 and round(1.1**200, -7) == 190_000_000


def test_update_lowers_the_scale_after_inf_and_raises_it_only_after_growth_interval():
    _said(
        "scaler.update() lowers the scale, multiplying it by backoff_factor (0.5 by default)",
        "by growth_factor (2.0), only after growth_interval (2000) steps in a row without inf",
    )
    default = torch.amp.GradScaler("cpu")
    assert (default.get_backoff_factor(), default.get_growth_factor()) == (0.5, 2.0)
    assert default.get_growth_interval() == 2000
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=3)
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scales = []
    for bad in (True, False, False, False):
        opt.zero_grad()
        scaler.scale(w.sum() * (float("inf") if bad else 1.0)).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [512.0, 512.0, 512.0, 1024.0]


def test_max_norm_inf_leaves_finite_gradients_as_they_are_and_an_overflow_nan():
    _said(
        "for a finite total norm the factor max_norm / (norm + 1e-6) is capped at 1",
        "If the total norm itself overflows to inf, inf / inf is nan and every gradient",
        "torch.nn.utils.get_total_norm measures without touching them",
    )
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], float("inf")).item() == pytest.approx(5.0)
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))
    big = param_with_grad([3e38, 3e38])  # each entry finite, the norm overflows float32
    assert torch.nn.utils.get_total_norm([big.grad]).item() == float("inf")
    assert torch.equal(big.grad, torch.tensor([3e38, 3e38]))  # measuring touched nothing
    assert torch.nn.utils.clip_grad_norm_([big], float("inf")).item() == float("inf")
    assert torch.isnan(big.grad).all()


def test_a_clip_before_the_last_micro_batch_leaves_the_sum_unbounded():
    _said("clipped any earlier, the gradients still to come are added to .grad after the clip")
    p = param_with_grad([0.0, 0.0])
    for k, g in enumerate((torch.tensor([3.0, 0.0]), torch.tensor([0.0, 4.0]))):
        p.grad += g
        if k == 0:  # after the second-to-last micro-batch
            torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert p.grad.norm().item() > 1.0 + 3


# --- blind43 / round36 feedback ------------------------------------------------------------------
def _sgd_step(grad: list[float], lr: float, max_norm: float) -> torch.Tensor:
    p = param_with_grad(grad)
    torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
    torch.optim.SGD([p], lr=lr).step()
    return p.detach().clone()  # the weights started at 0: this is the step


def test_clipping_leaves_the_loss_alone_and_bounds_each_sgd_step_at_lr_times_max_norm():
    _said("the loss value is the same before and after clip_grad_norm_")
    _said("Clipping bounds each SGD step at lr × max_norm")
    model = torch.nn.Linear(3, 1)
    x, y = torch.randn(8, 3) * 100, torch.randn(8, 1)
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    assert torch.nn.functional.mse_loss(model(x), y).item() == loss.item()
    assert _sgd_step([30.0, 40.0], lr=0.1, max_norm=2.0).norm().item() == pytest.approx(0.2)


def test_a_box_bounds_each_entry_not_the_norm_only_norm_clipping_caps_the_norm():
    _said("(1, 1) stays (1, 1), of norm √2 > 1, and with n entries the norm can reach c√n")
    _said("(3, 4) clamped at 1 becomes (1, 1), of norm √2 > 1")
    p = param_with_grad([1.0, 1.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 1.0])) and p.grad.norm() > 1.0
    n, c = 9, 2.0
    by_value, by_norm = param_with_grad([5.0] * n), param_with_grad([5.0] * n)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=c)
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=c)
    assert by_value.grad.norm().item() == pytest.approx(c * math.sqrt(n))
    assert by_norm.grad.norm().item() == pytest.approx(c, rel=1e-5)


def test_one_total_norm_for_all_tensors_ends_at_most_max_norm():
    _said("The total norm of all of them together ends up at most max_norm")
    a, b = param_with_grad([3.0, 4.0]), param_with_grad([6.0, 8.0])  # norms 5 and 10
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(math.sqrt(125.0))
    joint = torch.cat([a.grad, b.grad]).norm().item()
    assert joint == pytest.approx(1.0, rel=1e-5) and a.grad.norm() < 1.0 > b.grad.norm()


def test_clamping_every_entry_over_the_limit_still_turns_3_4_by_8_degrees():
    _said("(3, 4) with a limit of 1 becomes (1, 1), at 45° instead of about 53°")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    before = math.degrees(math.atan2(4.0, 3.0))
    after = math.degrees(math.atan2(p.grad[1].item(), p.grad[0].item()))
    assert after == pytest.approx(45.0) and round(before) == 53


def test_the_norm_is_l2_by_default_not_the_mean_absolute_value():
    _said(
        "(norm_type=2.0 by default)", "(3, 4) has L2 norm 5, while its mean absolute value is 3.5"
    )
    sig = inspect.signature(torch.nn.utils.clip_grad_norm_)
    assert sig.parameters["norm_type"].default == 2.0
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=100.0).item() == pytest.approx(5.0)
    assert torch.tensor([3.0, 4.0]).abs().mean().item() == 3.5


def test_clip_grad_value_returns_none_and_neither_limit_has_a_default():
    _said("clip_grad_value_ returns None and has no default limit")
    empty = inspect.Parameter.empty
    assert (
        inspect.signature(torch.nn.utils.clip_grad_value_).parameters["clip_value"].default is empty
    )
    assert inspect.signature(torch.nn.utils.clip_grad_norm_).parameters["max_norm"].default is empty
    assert torch.nn.utils.clip_grad_value_([param_with_grad([3.0])], clip_value=1.0) is None


def test_lstm_gates_are_sigmoids_below_one():
    _said("gates are sigmoid outputs, between 0 and 1: the forget gate cannot exceed 1")
    gate = torch.sigmoid(torch.linspace(-50.0, 50.0, 1001, dtype=torch.float64))
    assert gate.min() >= 0.0 and gate.max() <= 1.0
    assert torch.sigmoid(torch.tensor(5.0, dtype=torch.float64)) < 1.0


def test_an_lstm_can_still_explode_through_its_recurrent_weights():
    _said("LSTMs can still explode through their recurrent weights")
    g = torch.Generator().manual_seed(0)
    lstm = torch.nn.LSTM(1, 16, batch_first=True)
    with torch.no_grad():  # large recurrent weights, no biases: the gates stay in (0, 1)
        lstm.weight_ih_l0.copy_(torch.randn(lstm.weight_ih_l0.shape, generator=g))
        lstm.weight_hh_l0.copy_(torch.randn(lstm.weight_hh_l0.shape, generator=g) * 0.75)
        lstm.bias_hh_l0.zero_()
        lstm.bias_ih_l0.zero_()
    reach = []  # the gradient that reaches the first time step, 10 and 40 steps back
    for steps in (10, 40):
        x = torch.zeros(1, steps, 1, requires_grad=True)
        out, _ = lstm(x + 0.01 * torch.randn(1, steps, 1, generator=g))
        out[0, -1].sum().backward()
        reach.append(x.grad[0, 0].abs().item())
    assert reach[1] > 100 and reach[1] > 30 * reach[0], reach  # 3.4, then 117


def test_the_earliest_steps_get_the_longest_products():
    _said("the gradient of the loss at step T with respect to h_k is a product of T − k Jacobians")
    w = torch.tensor([[1.5]])
    h = [torch.ones(1, requires_grad=True)]
    for _ in range(6):
        h.append(w @ h[-1])
    grads = torch.autograd.grad(h[-1].sum(), h[:-1])
    norms = [g.norm().item() for g in grads]
    assert norms == sorted(norms, reverse=True)  # the earliest state gets the largest
    assert norms[0] == pytest.approx(1.5**6)


def test_a_determinant_below_one_can_still_stretch_a_direction():
    _said("one eigenvalue 2 and one 0.1 has determinant 0.2 < 1 yet stretches its first")
    w = torch.diag(torch.tensor([2.0, 0.1]))
    assert torch.linalg.det(w).item() == pytest.approx(0.2)
    v = torch.tensor([1.0, 0.0])
    for _ in range(10):
        v = w @ v
    assert v.norm().item() == pytest.approx(2.0**10)


def test_update_halves_or_doubles_the_scale_it_never_resets_it():
    _said("halves it (backoff_factor=0.5)", "doubles it (growth_factor=2.0) after growth_interval")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=1)
    for grad, scale in ((1.0, 16.0), (float("inf"), 8.0), (1.0, 16.0)):
        scaler.scale(p.sum())
        p.grad = torch.tensor([grad * scaler.get_scale()])
        scaler.step(opt)
        scaler.update()
        assert scaler.get_scale() == scale  # doubled, halved, doubled: never back to 8 for good
    assert torch.amp.GradScaler("cpu").get_growth_interval() == 2000


def test_scaler_step_skips_the_update_on_inf():
    _said("scaler.step(optimizer) skips optimizer.step() when they do")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(p.sum())
    p.grad = torch.tensor([float("inf"), 1.0])
    scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    scaler.step(opt)
    assert torch.equal(p.detach(), torch.zeros(2))  # the weights never saw the overflow
    scaler.update()
    assert scaler.get_scale() == 2.0


def test_two_orthogonal_unit_micro_batch_gradients_sum_to_norm_root_two():
    _said("(1, 0) and (0, 1) each have norm 1, but their sum (1, 1) has norm √2 ≈ 1.41")
    p = param_with_grad([0.0, 0.0])
    for g in ([1.0, 0.0], [0.0, 1.0]):
        p.grad += torch.tensor(g)
    assert p.grad.norm().item() == pytest.approx(1.41, abs=0.005)


def test_dividing_each_loss_by_k_divides_the_accumulated_gradient_by_k():
    _said("dividing each micro-batch loss by k divides the accumulated gradient by k too")
    grads = []
    for k in (1, 4):
        w = torch.nn.Parameter(torch.tensor([2.0]))
        for _ in range(4):
            (w * 3.0 / k).sum().backward()
        grads.append(w.grad.item())
    assert grads == [12.0, 3.0]
    clipped = param_with_grad([12.0])
    torch.nn.utils.clip_grad_norm_([clipped], max_norm=5.0)
    assert clipped.grad.item() == pytest.approx(5.0)  # the sum is cut, its k-th part is not


def test_a_tight_threshold_shortens_every_sgd_step_and_keeps_the_direction():
    _said("lr × max_norm / ‖g‖, so learning slows down")
    _said("clip_grad_norm_ scales it down to norm max_norm, keeping its direction")
    step = _sgd_step([3.0, 4.0], lr=0.1, max_norm=1.0)
    assert step.norm().item() == pytest.approx(0.1 * 1.0, rel=1e-5)  # lr × max_norm, < lr × 5
    assert torch.allclose(step / step.norm(), -torch.tensor([0.6, 0.8]))


def test_adam_largely_undoes_a_steady_shrink():
    _said("its steps do not get shorter by the factor max_norm / ‖g‖")
    steps = []
    for factor in (1.0, 0.1):
        p = torch.nn.Parameter(torch.zeros(2))
        opt = torch.optim.Adam([p], lr=0.1)
        for _ in range(3):
            p.grad = factor * torch.tensor([1.0, -2.0])
            opt.step()
        steps.append(p.detach().clone())
    assert torch.allclose(steps[0], steps[1], rtol=1e-3)


def test_clip_grad_norm_returns_the_norm_before_clipping():
    _said("with max_norm=1 and gradients of norm 5 it returns 5, not 1")
    p = param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)


def _agc_rows(w: torch.Tensor, g: torch.Tensor, lam: float) -> torch.Tensor:
    wn = w.norm(dim=1, keepdim=True).clamp_min(1e-3)
    gn = g.norm(dim=1, keepdim=True)
    return g * (lam * wn / gn).clamp(max=1.0)


def test_agc_scales_a_unit_to_norm_lambda_times_its_weight_norm():
    _said("so that its norm becomes λ·max(‖W‖, 1e-3) and the ratio exactly λ")
    w = torch.tensor([[3.0, 4.0], [0.0, 0.0]])  # norms 5 and 0 (floored to 1e-3)
    g = torch.tensor([[6.0, 8.0], [1.0, 0.0]])
    out = _agc_rows(w, g, lam=0.1)
    assert out.norm(dim=1).tolist() == pytest.approx([0.5, 1e-4])
    assert torch.allclose(out[0] / out[0].norm(), g[0] / g[0].norm())  # one factor per unit


def test_a_small_lambda_keeps_the_relative_change_small():
    _said("λ is small, around 0.01 to 0.16 depending on the batch size")
    w, g = torch.tensor([[3.0, 4.0]]), torch.tensor([[300.0, 400.0]])
    for lam in (0.01, 0.16):
        assert (_agc_rows(w, g, lam).norm() / w.norm()).item() == pytest.approx(lam)


def test_norm_type_2_is_the_euclidean_norm_not_its_square():
    _said("max_norm=4.0 keeps ‖g‖₂ at most 4, so the sum of the squares at most 16")
    p = param_with_grad([30.0, 40.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=4.0, norm_type=2.0)
    assert p.grad.norm().item() == pytest.approx(4.0, rel=1e-5)
    assert (p.grad**2).sum().item() == pytest.approx(16.0, rel=1e-5)


def test_state_dict_tensors_are_detached_so_clipping_them_clips_nothing():
    _said("state_dict() returns detached copies of the tensors (buffers included), whose .grad")
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    model(torch.randn(4, 3) * 100).pow(2).sum().backward()
    before = [p.grad.clone() for p in model.parameters()]
    tensors = list(model.state_dict().values())
    assert len(tensors) > len(before)  # the BatchNorm buffers come along
    assert all(t.grad is None and not t.requires_grad for t in tensors)
    total = torch.nn.utils.clip_grad_norm_(tensors, max_norm=1e-3)
    assert total.item() == 0.0
    assert all(torch.equal(p.grad, b) for p, b in zip(model.parameters(), before, strict=True))


def test_clip_value_is_an_absolute_bound_not_scaled_by_a_spread():
    _said("clip_grad_value_ clamps every entry to [-clip_value, clip_value] whatever the spread")
    for scale in (0.01, 1.0, 100.0):
        p = param_with_grad([3.0 * scale, -4.0 * scale, 0.5 * scale])
        expected = p.grad.clamp(-1.0, 1.0)
        torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
        assert torch.equal(p.grad, expected)


def test_adam_clips_nothing_its_first_step_is_about_lr_per_entry():
    _said("Adam divides each step by a running root mean square of the gradients, it clips nothing")
    for size in (1e-3, 1.0, 1e6):
        p = torch.nn.Parameter(torch.zeros(2))
        opt = torch.optim.Adam([p], lr=0.1)
        p.grad = torch.tensor([size, -size])
        opt.step()
        assert torch.allclose(p.detach().abs(), torch.full((2,), 0.1), rtol=1e-3)


def test_scaler_step_skips_only_nonfinite_gradients_not_a_large_norm():
    _said(
        "scaler.step(optimizer) skips the step only when the unscaled gradients hold inf or NaN",
        "clip_grad_norm_ has already scaled such gradients down, and the step goes ahead",
    )
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale((w * torch.tensor([300.0, 400.0])).sum()).backward()
    scaler.unscale_(opt)
    before = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert before.item() == pytest.approx(500.0)
    scaler.step(opt)
    scaler.update()
    assert torch.allclose(w.detach(), torch.tensor([1.0 - 0.06, 2.0 - 0.08]))
    assert scaler.get_scale() == 65536.0


def test_clip_grad_norm_takes_no_accumulate_argument():
    _said(
        "clip_grad_norm_ takes no accumulate argument (its arguments are parameters, max_norm, "
        "norm_type, error_if_nonfinite and foreach)"
    )
    names = list(inspect.signature(torch.nn.utils.clip_grad_norm_).parameters)
    assert names == ["parameters", "max_norm", "norm_type", "error_if_nonfinite", "foreach"]
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([param_with_grad([3.0, 4.0])], 1.0, accumulate=True)


def test_agc_clips_a_unit_with_zero_weights_to_lambda_times_the_floor():
    _said(
        "so a unit whose weights are all zero still has its gradient clipped, "
        "to a norm of at most λ · 1e-3"
    )
    w, g = torch.zeros(1, 2), torch.tensor([[6.0, 8.0]])
    assert _agc_rows(w, g, lam=0.1).norm().item() == pytest.approx(1e-4)


def test_clip_grad_value_raises_negative_entries_to_minus_clip_value():
    _said(
        "clip_grad_value_ clamps every entry into [-clip_value, clip_value]: a negative entry below"
        " -clip_value is raised to -clip_value, just as a positive one above clip_value is cut"
    )
    p = param_with_grad([-2.0, -0.3, 0.3, 2.0])
    torch.nn.utils.clip_grad_value_([p], clip_value=0.5)
    assert torch.equal(p.grad, torch.tensor([-0.5, -0.3, 0.3, 0.5]))


def test_the_threshold_is_compared_with_the_gradient_norm_never_the_loss():
    _said(
        "clip_grad_norm_ takes only the parameters (whose .grad it reads), max_norm and "
        "norm_type, and compares the total norm of the gradients with max_norm"
    )
    params = list(inspect.signature(torch.nn.utils.clip_grad_norm_).parameters)
    assert params[:3] == ["parameters", "max_norm", "norm_type"]
    assert "loss" not in params
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(1.0, abs=1e-5)


def test_backward_adds_into_grad_so_it_holds_the_sum_of_the_micro_batches():
    _said("backward() adds the new gradients into .grad instead of overwriting them")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (w * torch.tensor([3.0, 0.0])).sum().backward()
    (w * torch.tensor([0.0, 4.0])).sum().backward()
    assert torch.equal(w.grad, torch.tensor([3.0, 4.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    assert all(not s for s in opt.state.values())  # no running sum of gradients kept


def test_a_tiny_max_norm_shrinks_the_gradients_but_keeps_them_finite():
    _said(
        "max_norm=1e-6 on a total norm of 10,000 leaves a total norm of about 1e-6",
        "the factor max_norm / (total_norm + 1e-6)",
    )
    p = param_with_grad([6000.0, 8000.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1e-6)
    assert total.item() == pytest.approx(1e4)
    assert torch.isfinite(p.grad).all()
    assert p.grad.norm().item() == pytest.approx(1e-6, rel=1e-3)


def test_a_larger_agc_lambda_clips_fewer_units_and_less():
    _said("A larger λ tolerates a larger ratio ‖G‖ / max(‖W‖, 1e-3) before a unit is clipped")
    w = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    g = torch.tensor([[0.05, 0.0], [0.2, 0.0]])  # ratios 0.05 and 0.2
    small, large = _agc_rows(w, g, lam=0.01), _agc_rows(w, g, lam=0.1)
    assert torch.equal(large[0], g[0]) and not torch.equal(small[0], g[0])
    assert (large.norm(dim=1) >= small.norm(dim=1)).all()
