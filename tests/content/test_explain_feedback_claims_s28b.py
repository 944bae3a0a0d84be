"""What the explain grader's feedback states, run on torch: the feedback added with the blind73
answer set (researchers' notation). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import math
import os
import tempfile

import pytest
import torch
import torch.distributed as dist

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


def test_norm_clipping_keeps_the_direction_and_value_clipping_can_turn_it():
    said("it multiplies every entry by the same positive factor, so a clipped gradient points")
    said("It is clipping by value, entry by entry, that can change the direction.")
    by_norm, by_value = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([by_norm], max_norm=1.0)
    torch.nn.utils.clip_grad_value_([by_value], clip_value=1.0)
    cos = torch.nn.functional.cosine_similarity
    assert cos(by_norm.grad, torch.tensor([3.0, 4.0]), dim=0).item() == pytest.approx(1.0)
    assert by_norm.grad.norm().item() == pytest.approx(1.0, rel=1e-5)  # only shorter
    assert cos(by_value.grad, torch.tensor([3.0, 4.0]), dim=0).item() < 0.99


def test_the_clip_factor_is_max_norm_over_the_norm_not_its_square_root():
    said("with max_norm = 1 and ‖g‖ = 50 every entry is multiplied by 1/50")
    said("(1/(50 + 1e-6) in torch), which brings the norm to 1, to within 1e-6")
    said("a factor 1/√50 would leave it at about 7.07")
    p = param_with_grad([30.0, 40.0])  # norm 50
    total = torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == pytest.approx(50.0)
    assert torch.allclose(p.grad, torch.tensor([30.0, 40.0]) / 50.0, rtol=1e-5)
    assert 1.0 - 1e-6 <= p.grad.norm().item() < 1.0  # the 1e-6 guard: just under max_norm
    assert 50.0 / math.sqrt(50.0) == pytest.approx(7.07, abs=0.005)


def test_max_norm_is_absolute_and_remembers_no_earlier_step():
    said("max_norm is an absolute bound on the total norm of this step's gradients")
    said("so max_norm=1.0 lets a gradient with a norm of 0.5 or 0.9 through unchanged")
    p = param_with_grad([0.3, 0.4])  # a small step first: norm 0.5
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.equal(p.grad, torch.tensor([0.3, 0.4]))
    p.grad = torch.tensor([0.54, 0.72])  # 1.8 times the previous norm, still under 1.0
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.equal(p.grad, torch.tensor([0.54, 0.72]))  # no growth limit between steps
    p.grad = torch.tensor([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)  # to 1.0, not to 1.0 * 1.0


def test_backprop_through_time_multiplies_one_factor_per_step():
    said("Backpropagation through time multiplies the Jacobians")
    said("grows like ρ^T, at the same exponential rate as the forward dynamics, not like ρ^(2T)")
    rho, steps = 1.5, 10
    w = rho * torch.eye(2)
    h0 = torch.ones(2, requires_grad=True)
    h = h0
    for _ in range(steps):
        h = w @ h  # a linear RNN: one Jacobian W per step
    h.sum().backward()
    assert torch.allclose(h0.grad, torch.full((2,), rho**steps))  # ρ^T, a product
    assert h0.grad[0].item() != pytest.approx(rho ** (2 * steps))
    assert h0.grad[0].item() > steps * rho  # far above what a sum of T factors gives


def test_spectral_radius_and_largest_singular_value_differ_for_a_non_normal_matrix():
    said("W = [[0, 2], [0, 0]] has ρ(W) = 0 but σ_max(W) = 2")
    said("equal only for special matrices such as normal (for example symmetric) ones")
    w = torch.tensor([[0.0, 2.0], [0.0, 0.0]])
    assert torch.linalg.eigvals(w).abs().max().item() == pytest.approx(0.0)
    assert torch.linalg.matrix_norm(w, ord=2).item() == pytest.approx(2.0)
    s = torch.tensor([[2.0, 1.0], [1.0, 3.0]])  # symmetric: the two agree
    rho = torch.linalg.eigvals(s).abs().max().item()
    assert rho == pytest.approx(torch.linalg.matrix_norm(s, ord=2).item(), rel=1e-5)


def test_bfloat16_has_the_float32_exponent_range_and_float16_underflows():
    said("bfloat16 has the same exponent range as float32")
    said("bfloat16 autocast usually needs no GradScaler: loss scaling is there for float16")
    assert torch.finfo(torch.bfloat16).tiny == torch.finfo(torch.float32).tiny
    assert torch.finfo(torch.bfloat16).max == pytest.approx(
        torch.finfo(torch.float32).max, rel=0.01
    )
    small = torch.tensor(1e-10)
    assert small.to(torch.float16).item() == 0.0  # underflows: what loss scaling prevents
    assert small.to(torch.bfloat16).item() != 0.0


def test_after_unscale_the_clip_returns_the_true_norm():
    said("so clip_grad_norm_ returns their true total norm: it knows nothing of the loss scale")
    said("its result needs no dividing by scaler.get_scale()")
    model = torch.nn.Linear(2, 1, bias=False)
    torch.nn.init.constant_(model.weight, 1.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.tensor([[3.0, 4.0]])
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(model(x).sum()).backward()
    assert model.weight.grad.norm().item() == pytest.approx(5.0 * 1024.0)  # scaled
    scaler.unscale_(opt)
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert total.item() == pytest.approx(5.0)  # the true norm, not 5 * 1024
    assert scaler.get_scale() == 1024.0


def test_ddp_all_reduces_during_backward_not_in_the_optimizer_step():
    said("DistributedDataParallel all-reduces the gradients during backward()")
    said("optimizer.step() communicates nothing")
    with tempfile.TemporaryDirectory() as tmp:
        store = dist.FileStore(os.path.join(tmp, "store"), 1)
        dist.init_process_group("gloo", store=store, rank=0, world_size=1)
        try:
            model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 1))
            calls = []

            def hook(state, bucket):
                calls.append(1)
                return (
                    dist.all_reduce(bucket.buffer(), async_op=True)
                    .get_future()
                    .then(lambda fut: fut.value()[0])
                )

            model.register_comm_hook(None, hook)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            x = torch.ones(4, 2)
            with model.no_sync():
                model(x).sum().backward()
            assert calls == []  # inside no_sync(): nothing communicated
            model(x).sum().backward()
            after_backward = len(calls)
            assert after_backward >= 1  # the last backward() all-reduced
            opt.step()
            assert len(calls) == after_backward  # the step communicated nothing
        finally:
            dist.destroy_process_group()


def test_default_norm_is_l2_not_l1():
    said("measures the L2 norm and raises on a nan or inf total norm only if you")
    by_default, by_l1 = param_with_grad([3.0, 4.0]), param_with_grad([3.0, 4.0])
    assert torch.nn.utils.clip_grad_norm_([by_default], max_norm=100.0).item() == 5.0
    assert torch.nn.utils.clip_grad_norm_([by_l1], max_norm=100.0, norm_type=1).item() == 7.0


def test_agc_reads_the_current_weights_not_those_at_initialisation():
    said("AGC compares each unit's gradient norm with the norm of its current weights")
    said("the gradient AGC allows grows or shrinks with them")
    from gradclip_core.clipping import _agc_

    w = torch.nn.Parameter(torch.tensor([[0.6, 0.8]]))  # at "initialisation": norm 1
    w.grad = torch.tensor([[3.0, 4.0]])
    _agc_([w], clip_factor=0.01)
    assert w.grad.norm().item() == pytest.approx(0.01, rel=1e-4)  # λ · 1
    with torch.no_grad():
        w.mul_(10.0)  # training grew the weights tenfold: norm 10
    w.grad = torch.tensor([[3.0, 4.0]])
    _agc_([w], clip_factor=0.01)
    assert w.grad.norm().item() == pytest.approx(0.1, rel=1e-4)  # λ · 10: the limit grew too
