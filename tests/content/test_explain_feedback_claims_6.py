"""What the explain grader's feedback states, run on torch: part 6 of the tests, in the order the
feedback was added (blind24 / round22). See ``test_explain_feedback_claims.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.content.feedback_bank import said
from tests.content.grads import param_with_grad


# --- blind24 / round22 --------------------------------------------------------------------------
def test_norm_clipping_keeps_the_direction_of_3_4():
    said("(3, 4) with a limit of 1 becomes (0.6, 0.8), pointing the same way, only shorter")
    p = param_with_grad([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert torch.allclose(p.grad, torch.tensor([0.6, 0.8]))
    assert torch.cosine_similarity(p.grad, torch.tensor([3.0, 4.0]), dim=0) == pytest.approx(1.0)


def test_clipping_before_backward_leaves_the_new_gradients_raw():
    said("You put clipping before loss.backward(): at that point .grad holds nothing yet")
    p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    assert p.grad is None
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # nothing to clip yet
    (p * torch.tensor([3.0, 4.0])).sum().backward()
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))  # the new gradients were never clipped


def test_max_norm_is_a_limit_on_the_norm_not_a_fraction():
    said("max_norm is not a fraction or a multiplier", "norm 5 with max_norm=0.5 ends up at 0.5")
    big, small = param_with_grad([3.0, 4.0]), param_with_grad([0.18, 0.24])  # norms 5 and 0.3
    torch.nn.utils.clip_grad_norm_([big], max_norm=0.5)
    torch.nn.utils.clip_grad_norm_([small], max_norm=0.5)
    assert big.grad.norm().item() == pytest.approx(0.5, rel=1e-5)  # not 5 * 0.5 = 2.5
    assert torch.equal(small.grad, torch.tensor([0.18, 0.24]))  # under it: unchanged


def test_value_clipping_clamps_an_entry_to_the_limit_it_does_not_zero_it():
    said("so with a limit of 1, (3, 0.5) becomes (1, 0.5), not (0, 0.5)")
    p, n = param_with_grad([3.0, 0.5]), param_with_grad([-3.0, 0.5])
    torch.nn.utils.clip_grad_value_([p, n], clip_value=1.0)
    assert torch.equal(p.grad, torch.tensor([1.0, 0.5]))
    assert torch.equal(n.grad, torch.tensor([-1.0, 0.5]))  # the sign is kept


def test_a_lower_max_norm_clips_more_steps_and_one_above_all_never_clips():
    said("the lower max_norm is, the more steps have a norm above it and the harder they are cut")
    said("one above every norm you logged never clips")
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
    said("clip_grad_norm_ takes any positive float (50.0 works as well as 0.5)")
    for max_norm, expected in ((50.0, 10.0), (0.5, 0.5)):
        p = param_with_grad([6.0, 8.0])  # norm 10
        torch.nn.utils.clip_grad_norm_([p], max_norm=max_norm)
        assert p.grad.norm().item() == pytest.approx(expected, rel=1e-5)


# --- blind28 / round26 --------------------------------------------------------------------------
def test_norm_clipping_keeps_every_sign_and_shrinks_all_entries_by_one_total_factor():
    said("a positive factor below 1, so the gradient only gets shorter and points the same way")
    said("((6, 8) with a threshold of 5 becomes (3, 4))")
    said("Clipping by norm takes one norm over all the gradients together, not one per entry")
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
    said("the largest eigenvalue in magnitude of the recurrent matrix (its spectral radius)")
    w = torch.diag(torch.tensor([1.5, 0.5], dtype=torch.float64))  # smallest eigenvalue < 1
    g = torch.tensor([1.0, 1.0], dtype=torch.float64)
    for _ in range(40):
        g = w.T @ g
    assert g.norm().item() > 1.5**40 * 0.99  # explodes along the largest one


def test_a_loss_scaled_by_s_gives_gradients_and_norm_s_times_too_large():
    said("multiplies every gradient, and so their norm, by s itself, not by its square root")
    said("with the initial scale of 65536 the norm you would clip is 65536 times the true one")
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
    said("clip_grad_norm_ can be called as often as you like")
    said("so a second call raises no error (it just finds the norm already at most max_norm")
    p = torch.nn.Parameter(torch.zeros(2))
    for g in (torch.tensor([6.0, 0.0]), torch.tensor([0.0, 6.0])):
        (p * g).sum().backward()
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)  # after every backward: no error
    torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    before = p.grad.clone()
    assert torch.nn.utils.clip_grad_norm_([p], max_norm=1.0).item() <= 1.0 + 1e-6
    assert torch.equal(p.grad, before)  # left as it was


def test_clipping_each_micro_batch_shrinks_the_early_ones_most_often():
    said("so the early micro-batches are shrunk most often and count less")
    said("while the last one is shrunk only once")
    p = torch.nn.Parameter(torch.zeros(3))
    micro = torch.eye(3) * 2.0  # three micro-batches of norm 2, one axis each
    for g in micro:
        (p * g).sum().backward()
        torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    first, second, last = p.grad.tolist()
    assert first < second < last  # the first is shrunk three times, the last once


# --- blind26 / round25 --------------------------------------------------------------------------
def test_clipping_rescales_grad_in_place_and_the_step_reads_it():
    said("clip_grad_norm_ rescales the .grad tensors in place")
    w = param_with_grad([3.0, 4.0])
    grad = w.grad
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert w.grad is grad and torch.allclose(grad, torch.tensor([0.6, 0.8]))
    before = w.detach().clone()
    torch.optim.SGD([w], lr=1.0).step()
    assert torch.allclose(before - w.detach(), torch.tensor([0.6, 0.8]))


def test_clipping_the_loss_clips_nothing_and_the_model_is_no_list_of_tensors():
    said("clip_grad_norm_(loss, ...) clips nothing (it returns a norm of 0)")
    said("the model itself is not a list of tensors (nn.Linear raises a TypeError)")
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
    said("[[0.6, 0.6], [0.6, 0.6]] has no entry above 1 and a spectral radius of 1.2")
    said("[[0, 2], [0, 0]] has an entry of 2 and a spectral radius of 0")
    small = torch.tensor([[0.6, 0.6], [0.6, 0.6]])
    nilpotent = torch.tensor([[0.0, 2.0], [0.0, 0.0]])
    assert torch.linalg.eigvals(small).abs().max().item() == pytest.approx(1.2)
    assert torch.linalg.eigvals(nilpotent).abs().max().item() == pytest.approx(0.0)


def test_longer_sequences_compound_more():
    said("(1.1^10 ≈ 2.6, 1.1^100 ≈ 14,000)")
    assert round(1.1**10, 1) == 2.6 and round(1.1**100, -3) == 14_000


def test_the_scaler_skips_a_step_with_inf_gradients():
    said("scaler.step skips the update when the gradients hold inf or NaN")
    w = param_with_grad([float("inf"), 1.0])
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0)
    scaler.scale(torch.zeros((), requires_grad=True))  # starts the scaler
    before = w.detach().clone()
    scaler.step(torch.optim.SGD([w], lr=1.0))
    assert torch.equal(w.detach(), before)
