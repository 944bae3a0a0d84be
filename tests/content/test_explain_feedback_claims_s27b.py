"""What the explain grader's feedback states, run on torch: the feedback added with the blind66
and blind67 answer sets (analogies; practitioners from other frameworks). See
``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def _scaled_step(grad, init_scale: float = 4.0, max_norm: float | None = None):
    """One GradScaler step on CPU on a parameter whose scaled gradient is ``grad``: the
    parameter, its optimizer's scaler, and the parameter's value after the step."""
    p = torch.nn.Parameter(torch.zeros(len(grad)))
    opt = torch.optim.SGD([p], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale)
    scaler.scale(p.sum())  # the scaled backward's first step: the scale is set
    p.grad = torch.tensor(grad)
    scaler.unscale_(opt)
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
    scaler.step(opt)
    return p, scaler


def test_unscale_keeps_the_loss_scale_until_update_changes_it():
    said("unscale_ does not change the loss scale: it divides the gradients by the current scale")
    said("The scale stays as it was until scaler.update() adjusts it.")
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
    scaler.scale(p.sum())
    p.grad = torch.tensor([8.0, 4.0])
    scaler.unscale_(opt)
    assert torch.equal(p.grad, torch.tensor([2.0, 1.0]))  # divided by the scale
    assert scaler.get_scale() == 4.0  # not reset to 1.0
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 8.0  # update() is what changes it (grown after a good step)


def test_scaler_step_skips_only_on_inf_or_nan_not_on_a_large_finite_norm():
    said("scaler.step(optimizer) skips optimizer.step() only when unscale_ found inf or nan")
    said("it knows nothing of max_norm or of the norm clip_grad_norm_ returns")
    big, _ = _scaled_step([4000.0, 3000.0], max_norm=1.0)  # norm 1250 after unscaling, finite
    assert torch.allclose(big.detach(), torch.tensor([-0.8, -0.6]))  # clipped, then applied
    inf, _ = _scaled_step([float("inf"), 1.0], max_norm=1.0)
    assert torch.equal(inf.detach(), torch.zeros(2))  # skipped: the weights are untouched


def test_unscale_keeps_the_gradients_dtype():
    said("unscale_ does not change the gradients' dtype")
    said("so the .grad of a float32 parameter stays float32")
    p, _ = _scaled_step([8.0, 4.0])
    assert p.grad.dtype == torch.float32
    model = torch.nn.Linear(2, 1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.ones(1, 2))
    assert out.dtype == torch.bfloat16  # autocast computes in low precision
    out.float().sum().backward()
    assert model.weight.dtype == model.weight.grad.dtype == torch.float32  # params stay fp32


def test_optimizer_step_reads_grad_and_does_not_reset_it():
    said("optimizer.step() does not reset .grad: it only reads the gradients to update the")
    said("Only optimizer.zero_grad() (or setting .grad to None yourself) clears them")
    p = param_with_grad([1.0, -2.0])
    opt = torch.optim.SGD([p], lr=0.1)
    opt.step()
    assert torch.equal(p.grad, torch.tensor([1.0, -2.0]))  # still there after the step
    assert torch.allclose(p.detach(), torch.tensor([-0.1, 0.2]))
    (p * torch.tensor([1.0, 1.0])).sum().backward()
    assert torch.equal(p.grad, torch.tensor([2.0, -1.0]))  # backward() added onto it
    opt.zero_grad()
    assert p.grad is None


def test_clip_grad_norm_returns_the_norm_of_the_per_parameter_norms_not_their_average():
    said("clip_grad_norm_ returns the total norm of all the gradients taken together as one")
    said("the norm of the per-parameter norms, not their average: gradients of norm 3 and 4")
    a, b = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=float("inf"))
    assert total.item() == pytest.approx(5.0)
    assert total.item() != pytest.approx((3.0 + 4.0) / 2)


def test_nn_rnn_default_nonlinearity_is_tanh():
    said("nn.RNN's default nonlinearity is 'tanh'; it uses ReLU only when you pass")
    assert torch.nn.RNN(2, 3).nonlinearity == "tanh"
    assert torch.nn.RNN(2, 3, nonlinearity="relu").nonlinearity == "relu"


def test_clip_grad_norm_leaves_a_short_gradient_and_never_uses_max_norm_as_the_factor():
    said("clip_grad_norm_ leaves a gradient whose total norm is at most max_norm exactly as it is")
    said("multiply every gradient by max_norm / (norm + 1e-6), so it never scales a gradient up")
    short, long = param_with_grad([0.3, 0.4]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([short], max_norm=2.0)
    assert torch.equal(short.grad, torch.tensor([0.3, 0.4]))  # norm 0.5: untouched, not scaled up
    torch.nn.utils.clip_grad_norm_([long], max_norm=2.0)
    expected = torch.tensor([3.0, 4.0]) * (2.0 / (5.0 + 1e-6))
    assert torch.allclose(long.grad, expected)  # factor 0.4, not max_norm = 2


def test_factors_above_one_compound_in_a_deep_feedforward_net():
    said("Factors above and below 1 do not average out in a product")
    said("deep feedforward networks can get exploding gradients too, not only RNNs")
    layers = [torch.nn.Linear(4, 4, bias=False) for _ in range(30)]
    for n, layer in enumerate(layers):  # no weight shared: alternating gains of 1.5 and 0.9
        torch.nn.init.eye_(layer.weight)
        layer.weight.data *= 1.5 if n % 2 == 0 else 0.9
    x = torch.ones(1, 4, requires_grad=True)
    out = x
    for layer in layers:
        out = layer(out)
    out.sum().backward()
    assert x.grad.abs().max().item() == pytest.approx((1.5 * 0.9) ** 15, rel=1e-4)  # about 90
    assert x.grad.abs().max().item() > 80  # not averaged out to about 1


def test_a_gradient_explodes_while_the_loss_stays_small_and_finite():
    said("An exploding gradient is not an overflow of the summed loss")
    said("the gradient can blow up while the loss is still small and finite")
    h0 = torch.nn.Parameter(torch.tensor(1e-8))  # the first hidden state
    h = h0
    for _ in range(40):  # one recurrent weight of 1.5 applied 40 times
        h = 1.5 * h
    loss = h
    loss.backward()
    assert torch.isfinite(loss) and loss.item() < 0.2  # 1.5**40 * 1e-8: about 0.11
    assert h0.grad.item() == pytest.approx(1.5**40, rel=1e-4)  # about 1.1e7: exploded


def test_clip_grad_norm_rescales_gradients_and_leaves_the_weights_alone():
    said("clip_grad_norm_ rescales the gradients, never the weights: it leaves the recurrent")
    rnn = torch.nn.RNN(3, 3)
    before = rnn.weight_hh_l0.detach().clone()
    out, _ = rnn(torch.randn(5, 1, 3))
    (out.sum() * 1000).backward()
    torch.nn.utils.clip_grad_norm_(rnn.parameters(), max_norm=0.1)
    assert torch.equal(rnn.weight_hh_l0.detach(), before)  # the matrix is unchanged
    grads = [p.grad for p in rnn.parameters()]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    assert total.item() == pytest.approx(0.1, rel=1e-4)  # only the gradients were scaled


def test_max_norm_zero_zeroes_every_gradient():
    said("max_norm=0 does not turn clipping off: the factor max_norm / (norm + 1e-6) is then 0")
    said("To disable clipping pass max_norm=float('inf') or skip the call.")
    p, q = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=0.0)
    assert torch.equal(p.grad, torch.zeros(2))
    torch.nn.utils.clip_grad_norm_([q], max_norm=float("inf"))
    assert torch.equal(q.grad, torch.tensor([3.0, 4.0]))


def test_one_clip_per_tensor_is_not_one_clip_over_all_of_them():
    said("Clipping each parameter tensor on its own is not the same as one clip_grad_norm_ call")
    said("a call per tensor bounds each tensor's norm separately")
    a, b = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert torch.allclose(torch.cat([a.grad, b.grad]), torch.tensor([0.6, 0.0, 0.0, 0.8]))
    c, d = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    for p in (c, d):
        torch.nn.utils.clip_grad_norm_(p, max_norm=1.0)
    assert torch.allclose(torch.cat([c.grad, d.grad]), torch.tensor([1.0, 0.0, 0.0, 1.0]))


def test_the_torch_halves_of_the_other_frameworks_names():
    said("clip by norm (one global norm, one factor for every gradient, like clip_grad_norm_)")
    said("clamp each entry on its own, like clip_grad_value_.")
    a, b = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)  # one global norm of 5, one factor
    assert torch.allclose(torch.cat([a.grad, b.grad]), torch.tensor([0.6, 0.0, 0.0, 0.8]))
    c = param_with_grad([3.0, 0.5])
    torch.nn.utils.clip_grad_value_([c], clip_value=1.0)  # each entry on its own
    assert torch.equal(c.grad, torch.tensor([1.0, 0.5]))
