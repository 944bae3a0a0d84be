"""What the explain grader's feedback states, run on torch: part 3 of the tests, in the order the
feedback was added. See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import math

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_clip_grad_norm_returns_a_tensor_of_the_norm_before_and_clips_grad_in_place():
    said("returns the total norm of the gradients before clipping, as a tensor, not the clipped")
    p = param_with_grad([3.0, 4.0])
    grad = p.grad
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(total, torch.Tensor) and total.item() == pytest.approx(5.0)
    assert p.grad is grad and torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    torch.optim.SGD([p], lr=1.0).step()
    assert torch.allclose(p.detach(), torch.tensor([-0.6, -0.8]))  # the step reads clipped .grad


def test_the_learning_rate_changes_the_step_not_the_backpropagated_gradient():
    said("lowering it shrinks the step but not the gradient")
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
    said("The sigmoid's derivative is at most 0.25 and tanh's at most 1")
    x = torch.linspace(-6, 6, 1201, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    sig = x.grad.clone()
    x.grad = None
    torch.tanh(x).sum().backward()
    assert sig.max().item() == pytest.approx(0.25) and x.grad.max().item() == pytest.approx(1.0)
    assert sig.max() * 4 <= x.grad.max()  # the best factor a sigmoid layer can pass on


def test_an_inf_step_is_skipped_and_the_scale_halves():
    said(
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
    said("doubles the scale only after growth_interval=2000 consecutive steps without inf")
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
    said("scaler.unscale_(optimizer) before clipping is not deprecated", "its docstring says so")
    doc = torch.amp.GradScaler.unscale_.__doc__.lower()
    assert "clipping" in doc and "deprecat" not in doc


def test_a_second_unscale_names_the_update_and_micro_batches_share_one_scale():
    said("unscale_() has already been called on this optimizer since the last update()")
    said("since they all carry the same scale")
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
    said("has no adaptive or unit-wise mode: an unknown keyword raises a TypeError")
    with pytest.raises(TypeError):
        torch.nn.utils.clip_grad_norm_([param_with_grad([1.0])], max_norm=0.01, adaptive=True)


def test_norm_clipping_scales_small_entries_too_it_does_not_cap_them():
    said("so (3, 0.5) with max_norm 1 becomes about (0.99, 0.16), not (1, 0.5)")
    by_norm, by_value = param_with_grad([3.0, 0.5]), param_with_grad([3.0, 0.5])
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    assert torch.allclose(by_norm.grad, torch.tensor([0.99, 0.16]), atol=0.005)
    assert torch.equal(by_value.grad, torch.tensor([1.0, 0.5]))  # the entry-by-entry cap


def test_torch_has_no_other_clipping_function_and_unscale_takes_the_optimizer():
    said(
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
    said("backward() does not reset or overwrite .grad: it adds the new gradients")
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (3 * w).sum().backward()
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)  # clipped before the next backward
    (3 * w).sum().backward()
    clipped = torch.tensor([3.0, 3.0]) / math.hypot(3.0, 3.0)
    assert torch.allclose(w.grad, clipped + 3.0)  # the fresh gradient added on top


def test_a_nan_or_inf_gradient_stays_nan_through_clipping():
    said("A nan or inf gradient gives clip_grad_norm_ a nan or inf total norm")
    said("scaling by max_norm / norm leaves the entries nan")
    for bad in (float("nan"), float("inf")):
        p = param_with_grad([bad, 1.0])
        total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
        assert not math.isfinite(total.item())
        assert torch.isnan(p.grad[0])


def test_a_batch_gradient_is_the_mean_of_the_examples_gradients():
    said("the batch gradient is their mean (or sum), so a bigger batch compounds nothing")
    w = torch.nn.Parameter(torch.tensor([0.5, -1.0]))
    x = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]])
    ((x @ w) ** 2).mean().backward()
    one_by_one = [torch.autograd.grad((row @ w) ** 2, w)[0] for row in x]
    assert torch.allclose(w.grad, torch.stack(one_by_one).mean(0))


def test_activation_slopes_relu_0_or_1_tanh_at_most_1_sigmoid_at_most_a_quarter():
    said("ReLU's derivative is 0 or 1 (1 for every positive input), tanh's is at most 1")
    said("and the sigmoid's at most 0.25")
    x = torch.linspace(-6, 6, 12001, requires_grad=True)
    slopes = {f: torch.autograd.grad(f(x).sum(), x)[0] for f in (torch.relu, torch.tanh)}
    slopes[torch.sigmoid] = torch.autograd.grad(torch.sigmoid(x).sum(), x)[0]
    assert set(slopes[torch.relu].tolist()) == {0.0, 1.0}
    assert slopes[torch.relu][x > 0].eq(1.0).all()
    assert slopes[torch.tanh].max().item() == pytest.approx(1.0)
    assert slopes[torch.sigmoid].max().item() == pytest.approx(0.25)


def test_unscale_keeps_an_inf_gradient_and_the_step_is_skipped():
    said(
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
    said("one uniform rescale of every gradient would mostly cancel, but clipping shrinks only")
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
