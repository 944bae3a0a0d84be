"""What the explain grader's feedback states, run on torch: part 10 of the tests, the
feedback added in session 24's tuning rounds (blind50-55). See
``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import inspect

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import agc_rows, agc_unit, param_with_grad


def test_a_parameters_generator_is_used_up_by_the_optimizer():
    said(
        "model.parameters() returns a generator, which can be gone through only once",
        "clip_grad_norm_(params, max_norm) later sees no parameters, clips nothing and returns a"
        " norm of 0",
    )
    model = torch.nn.Linear(2, 1)
    params = model.parameters()
    torch.optim.SGD(params, lr=0.1)
    for p in model.parameters():
        p.grad = torch.full_like(p, 10.0)
    with pytest.warns(UserWarning, match="empty generator"):
        assert torch.nn.utils.clip_grad_norm_(params, max_norm=1.0).item() == 0.0
    assert all(torch.all(p.grad == 10.0) for p in model.parameters())  # nothing clipped
    kept = list(model.parameters())
    torch.optim.SGD(kept, lr=0.1)
    assert torch.nn.utils.clip_grad_norm_(kept, max_norm=1.0).item() > 1.0
    assert torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in kept])).item() <= 1.0001


def test_clip_grad_value_leaves_entries_inside_the_limit_alone():
    said(
        "clip_grad_value_ leaves every entry inside [-clip_value, clip_value] as it is",
        "so with a limit of 1, (3, 0.5) becomes (1, 0.5)",
    )
    p = param_with_grad([3.0, 0.5])
    torch.nn.utils.clip_grad_value_([p], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 0.5]))


def test_the_total_norm_is_not_the_sum_of_the_per_parameter_norms():
    said(
        "The total norm is not the sum of the per-parameter norms",
        "(tensors with norms 3 and 4 give 5, not 7)",
    )
    p, q = param_with_grad([3.0, 0.0]), param_with_grad([0.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([p, q], max_norm=100.0).item() == pytest.approx(5.0)


def test_an_rnn_gradient_grows_exponentially_with_the_sequence_length():
    said(
        "backpropagation through time multiplies by the same recurrent matrix at every step, so"
        " when its largest singular value is above 1 the gradient can grow exponentially"
    )
    torch.manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(4, 4))
    w = 1.5 * q  # every singular value 1.5

    def grad_norm(steps: int) -> float:
        h0 = torch.ones(4, requires_grad=True)
        h = h0
        for _ in range(steps):
            h = w @ h
        h.sum().backward()
        return h0.grad.norm().item()

    assert grad_norm(20) / grad_norm(10) == pytest.approx(1.5**10, rel=1e-3)


def test_step_takes_a_closure_not_gradients_and_the_clip_returns_a_norm_tensor():
    said(
        "optimizer.step() takes no gradients",
        "its only argument is an optional closure",
        "clip_grad_norm_ returns the total norm as a tensor, not the clipped gradients",
    )
    assert list(inspect.signature(torch.optim.SGD.step).parameters) == ["self", "closure"]
    p = param_with_grad([3.0, 4.0])
    grads = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(grads, torch.Tensor) and grads.dim() == 0 and grads.item() == 5.0
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))  # rescaled in place
    with pytest.raises(TypeError):
        torch.optim.SGD([p], lr=0.1).step(grads)  # type: ignore[arg-type]


def test_a_plain_deep_net_without_batchnorm_explodes_too():
    said("Exploding gradients need no batch normalisation", "no normalisation layer explodes too")
    layers = [torch.nn.Linear(4, 4, bias=False) for _ in range(30)]
    for layer in layers:
        torch.nn.init.eye_(layer.weight)
        layer.weight.data.mul_(1.5)
    net = torch.nn.Sequential(*layers)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in net.modules())
    x = torch.ones(1, 4, requires_grad=True)
    net(x).sum().backward()
    assert x.grad.norm().item() == pytest.approx(2.0 * 1.5**30, rel=1e-4)  # 1.5 per layer
    said("and so does a plain RNN")
    rnn = torch.nn.RNN(4, 4, nonlinearity="relu", batch_first=True)  # no normalisation either
    with torch.no_grad():
        for name, weight in rnn.named_parameters():
            weight.copy_(1.5 * torch.eye(4) if name == "weight_hh_l0" else torch.zeros_like(weight))
    h0 = torch.full((1, 1, 4), 0.01, requires_grad=True)
    out, _ = rnn(torch.zeros(1, 30, 4), h0)
    out[0, -1].sum().backward()
    assert h0.grad.norm().item() == pytest.approx(2.0 * 1.5**30, rel=1e-4)  # 1.5 per time step


def test_unscale_divides_the_gradients_in_place_and_leaves_max_norm_alone():
    said(
        "scaler.unscale_(optimizer) does not touch max_norm: it divides the gradients of the"
        " optimizer's parameters in place by the current loss scale"
    )
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * torch.tensor([3.0, 4.0])).sum()).backward()  # (3, 4), scaled by 1024
    assert torch.allclose(w.grad, torch.tensor([3072.0, 4096.0]))
    grad = w.grad
    scaler.unscale_(opt)
    assert w.grad is grad and torch.allclose(grad, torch.tensor([3.0, 4.0]))
    max_norm = 1.0
    assert torch.nn.utils.clip_grad_norm_([w], max_norm).item() == pytest.approx(5.0)
    assert w.grad.norm().item() == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_returns_the_norm_before_clipping_as_a_tensor():
    said("clip_grad_norm_ returns the total norm of the gradients, measured before clipping")
    p = param_with_grad([6.0, 8.0])
    norm = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert norm is not None and isinstance(norm, torch.Tensor) and norm.item() == 10.0


def test_a_tiny_threshold_clips_every_step_like_a_smaller_sgd_learning_rate():
    said(
        "a threshold far below the typical gradient norm clips every step and shrinks every"
        " gradient (with plain SGD, like cutting the learning rate)"
    )
    torch.manual_seed(0)
    for _ in range(5):
        g = torch.randn(10)
        clipped, plain = param_with_grad(g.tolist()), param_with_grad(g.tolist())
        norm = torch.nn.utils.clip_grad_norm_([clipped], max_norm=1e-4)
        assert norm.item() > 1e-4 and clipped.grad.norm().item() == pytest.approx(1e-4, rel=1e-3)
        torch.optim.SGD([clipped], lr=0.1).step()
        torch.optim.SGD([plain], lr=0.1 * 1e-4 / (norm.item() + 1e-6)).step()
        assert torch.allclose(clipped.detach(), plain.detach(), atol=1e-9)


def test_agc_limit_grows_with_the_weights_it_takes_a_ratio_not_a_difference():
    said(
        "AGC compares the two norms by their ratio, ‖G‖ / max(‖W‖, 1e-3), not by their difference",
        "a unit whose weights are ten times larger may take a gradient ten times",
    )
    from gradclip_core.clipping import _agc_

    w = torch.nn.Parameter(torch.tensor([[0.6, 0.8], [6.0, 8.0]]))  # row norms 1 and 10
    w.grad = torch.tensor([[0.006, 0.008], [0.06, 0.08]])  # ratios 0.01 and 0.01
    before = w.grad.clone()
    _agc_([w], clip_factor=0.0101)
    assert torch.equal(w.grad, before)  # neither row clipped, though the second is 10x larger
    w.grad = before * 1.1  # both ratios now 0.011
    _agc_([w], clip_factor=0.0101)
    assert w.grad.norm(dim=1).tolist() == pytest.approx([0.0101, 0.101], rel=1e-4)


def test_agc_scales_by_lambda_times_weight_norm_over_grad_norm_not_by_lambda():
    said(
        "AGC does not multiply the gradient by λ: it scales it by λ · max(‖W‖, 1e-3) / ‖G‖, so"
        " that the clipped ratio ‖G‖ / max(‖W‖, 1e-3) equals λ exactly"
    )
    from gradclip_core.clipping import _agc_

    w = torch.nn.Parameter(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))  # row norms 5 and 0
    g = torch.tensor([[30.0, 40.0], [0.3, 0.4]])  # grad norms 50 and 0.5
    w.grad, lam = g.clone(), 0.01
    _agc_([w], clip_factor=lam)
    floor = torch.tensor([5.0, 1e-3])
    expected = g * (lam * floor / g.norm(dim=1)).unsqueeze(1)
    assert torch.allclose(w.grad, expected, rtol=1e-5)
    assert (w.grad.norm(dim=1) / floor).tolist() == pytest.approx([lam, lam], rel=1e-4)
    assert not torch.allclose(w.grad, g * lam)  # multiplying by λ would be another gradient


def test_clipping_leaves_the_loss_alone_and_only_shrinks_a_gradient_over_the_threshold():
    said(
        "it leaves the loss alone and only scales down a gradient whose norm is over the threshold"
    )
    model = torch.nn.Linear(2, 1)
    x, y = torch.tensor([[30.0, -40.0]]), torch.tensor([[1.0]])
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    before = loss.item()
    raw = [p.grad.clone() for p in model.parameters()]
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert total.item() > 1.0  # over the threshold: scaled down to it, one factor for all
    assert torch.nn.functional.mse_loss(model(x), y).item() == before  # the loss is untouched
    after = torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters()))
    assert after.item() == pytest.approx(1.0, rel=1e-4)
    for p, g in zip(model.parameters(), raw, strict=True):
        assert torch.allclose(p.grad, g / total, rtol=1e-4)
    small = param_with_grad([0.3, 0.4])  # norm 0.5: under the threshold, left as it is
    torch.nn.utils.clip_grad_norm_([small], max_norm=1.0)
    assert torch.equal(small.grad, torch.tensor([0.3, 0.4]))


def test_the_threshold_is_compared_with_the_gradient_norm_never_the_loss():
    said(
        "clip_grad_norm_'s arguments are the parameters (whose .grad it reads), max_norm, "
        "norm_type, error_if_nonfinite and foreach, and it compares the total norm of the "
        "gradients with max_norm"
    )
    params = list(inspect.signature(torch.nn.utils.clip_grad_norm_).parameters)
    assert params == ["parameters", "max_norm", "norm_type", "error_if_nonfinite", "foreach"]
    p = param_with_grad([3.0, 4.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(1.0, abs=1e-5)


def test_backward_adds_into_grad_so_it_holds_the_sum_of_the_micro_batches():
    said("backward() adds the new gradients into .grad instead of overwriting them")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (w * torch.tensor([3.0, 0.0])).sum().backward()
    (w * torch.tensor([0.0, 4.0])).sum().backward()
    assert torch.equal(w.grad, torch.tensor([3.0, 4.0]))
    opt = torch.optim.SGD([w], lr=0.1)
    assert all(not s for s in opt.state.values())  # no running sum of gradients kept
    said("the optimizer does not collect the micro-batches itself: its step reads that")
    opt.step()  # the step moves the weights by lr times the summed .grad
    assert torch.allclose(w.detach(), torch.tensor([1.0 - 0.3, 2.0 - 0.4]))


def test_a_tiny_max_norm_shrinks_the_gradients_but_keeps_them_finite():
    said(
        "max_norm=1e-6 on a total norm of 10,000 leaves a total norm of about 1e-6",
        "the factor max_norm / (total_norm + 1e-6)",
    )
    p = param_with_grad([6000.0, 8000.0])
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1e-6)
    assert total.item() == pytest.approx(1e4)
    assert torch.isfinite(p.grad).all()
    assert p.grad.norm().item() == pytest.approx(1e-6, rel=1e-3)


def test_a_larger_agc_lambda_clips_fewer_units_and_less():
    said("A larger λ tolerates a larger ratio ‖G‖ / max(‖W‖, 1e-3) before a unit is clipped")
    w = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    g = torch.tensor([[0.05, 0.0], [0.2, 0.0]])  # ratios 0.05 and 0.2
    small, large = agc_rows(w, g, lam=0.01), agc_rows(w, g, lam=0.1)
    assert torch.equal(large[0], g[0]) and not torch.equal(small[0], g[0])
    assert (large.norm(dim=1) >= small.norm(dim=1)).all()


def test_clip_grad_norm_given_grad_tensors_clips_nothing_and_returns_zero():
    said("Given [p.grad for p in model.parameters()]", "clips nothing and returns a norm of 0")
    model = torch.nn.Linear(3, 2)
    model(torch.ones(4, 3)).pow(2).sum().mul(100).backward()
    before = [p.grad.clone() for p in model.parameters()]
    total = torch.nn.utils.clip_grad_norm_([p.grad for p in model.parameters()], max_norm=1e-3)
    assert total.item() == 0.0
    for p, g in zip(model.parameters(), before, strict=True):
        assert torch.equal(p.grad, g)  # not clipped
    assert torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e-3).item() > 1e-3


def test_one_eigenvalue_above_one_grows_the_product_and_saturated_tanh_can_stop_it():
    said("One eigenvalue above 1 in magnitude is enough")
    w = torch.diag(torch.tensor([1.5, 0.1, 0.1, 0.1]))  # spectral radius 1.5, the rest tiny
    g = torch.ones(4)
    for _ in range(50):
        g = w.T @ g
    assert g.norm().item() > 1e8  # 1.5 ** 50 is about 6.4e8
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(1.5)
    # with tanh between the steps: saturated units (a large input) stop the same growth
    said("With tanh between the steps it is necessary but not sufficient")
    h = torch.zeros(4, requires_grad=True)
    out = h
    for _ in range(50):
        out = torch.tanh(w @ out + 10.0)
    out.sum().backward()
    assert h.grad.norm().item() < 1e-6  # derivative near 0 at every step


@pytest.mark.parametrize("cell", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_recurrent_modules_backpropagate_through_every_time_step(cell):
    said("nn.RNN, nn.LSTM and nn.GRU never truncate backpropagation through time")
    torch.manual_seed(0)
    net = cell(input_size=2, hidden_size=4, batch_first=True).double()
    x = torch.randn(1, 60, 2, dtype=torch.float64, requires_grad=True)
    out = net(x)[0]
    out[:, -1].sum().backward()
    assert x.grad is not None
    assert x.grad[0, 0].abs().sum().item() > 0  # the first step still gets a gradient


def test_a_threshold_far_above_the_typical_norm_never_clips():
    said("A max_norm far above the typical norm almost never clips")
    p = param_with_grad([0.6, 0.8])  # norm 1
    torch.nn.utils.clip_grad_norm_([p], max_norm=100.0)
    assert torch.equal(p.grad, torch.tensor([0.6, 0.8]))
    q = param_with_grad([0.6, 0.8])
    torch.nn.utils.clip_grad_norm_([q], max_norm=0.01)  # far below: clipped
    assert q.grad.norm().item() == pytest.approx(0.01, rel=1e-4)


def test_agc_floor_is_for_weights_near_zero():
    said("The floor in max(‖W‖, 1e-3) is for weights near zero", "a limit of λ · 0")
    grad, zero = torch.tensor([3.0, 4.0]), torch.zeros(2)
    assert torch.count_nonzero(agc_unit(zero, grad, 0.01, 0.0)).item() == 0  # no floor: nothing
    floored = agc_unit(zero, grad, 0.01, 1e-3)
    assert floored.norm().item() == pytest.approx(0.01 * 1e-3, rel=1e-4)
    assert torch.allclose(floored / floored.norm(), grad / grad.norm())  # same direction
