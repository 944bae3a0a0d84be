"""The cliff (Pascanu et al. 2013, Fig. 6): the loss map against per-point answer keys, and
gradient descent thrown off the wall unless clipped by norm."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn.utils import clip_grad_norm_

from gradclip_core.cliff import X0, cliff_loss, loss_grid, trajectory

D = torch.float64


def _final_state(w: float, b: float, T: int, sigma=torch.sigmoid) -> torch.Tensor:
    """x_T of the one-unit RNN for one point, one scalar step at a time."""
    x = torch.tensor(X0, dtype=D)
    for _ in range(T):
        x = w * sigma(x) + b
    return x


def _scalar_loss(w: float, b: float, T: int, target: float = 0.7, sigma=torch.sigmoid) -> float:
    return float((sigma(_final_state(w, b, T, sigma)) - target) ** 2)


def _wall(w: float, T: int, level: float, lo: float = -6.0, hi: float = -1.0) -> float:
    """The bias where sigma(x_T) crosses ``level`` at weight ``w``: a point on the wall.

    sigma(x_T) rises with b (from the low attractor to the high one), so bisection finds it
    to float64's resolution, well inside the wall's width.
    """
    assert float(torch.sigmoid(_final_state(w, lo, T))) < level
    assert float(torch.sigmoid(_final_state(w, hi, T))) > level
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(torch.sigmoid(_final_state(w, mid, T))) < level else (lo, mid)
    return hi


# ---- the map ------------------------------------------------------------------------------
@pytest.mark.parametrize("T", [1, 7, 50])
def test_grid_loss_equals_a_direct_per_point_computation(T):
    gen = torch.Generator().manual_seed(T)
    w = torch.empty(37, dtype=D).uniform_(-2.0, 12.0, generator=gen)  # (W,), unsorted
    b = torch.empty(23, dtype=D).uniform_(-10.0, 2.0, generator=gen)  # (H,)
    grid = loss_grid(w, b, T)
    assert grid.shape == (23, 37) and grid.dtype == D
    rows = torch.randint(0, 23, (40,), generator=gen)
    cols = torch.randint(0, 37, (40,), generator=gen)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        expected = _scalar_loss(float(w[j]), float(b[i]), T)
        assert float(grid[i, j]) == pytest.approx(expected, rel=1e-9, abs=1e-15), (i, j)


def test_tanh_grid_equals_torch_nn_rnn():
    """With tanh, h_t = tanh(x_t) is exactly ``torch.nn.RNN`` (one unit, no input):
    h_t = tanh(w h_{t-1} + b), so torch's own RNN is the answer key."""
    T, target = 30, 0.7
    gen = torch.Generator().manual_seed(0)
    w = torch.empty(9, dtype=D).uniform_(-3.0, 3.0, generator=gen)
    b = torch.empty(7, dtype=D).uniform_(-2.0, 2.0, generator=gen)
    grid = loss_grid(w, b, T, target=target, activation="tanh")
    rnn = torch.nn.RNN(1, 1, batch_first=True, dtype=D)
    with torch.no_grad():
        rnn.weight_ih_l0.zero_()
        rnn.bias_ih_l0.zero_()
        for i in range(len(b)):
            for j in range(len(w)):
                rnn.weight_hh_l0.fill_(w[j])
                rnn.bias_hh_l0.fill_(b[i])
                h0 = torch.tanh(torch.full((1, 1, 1), X0, dtype=D))
                _, h_T = rnn(torch.zeros(1, T, 1, dtype=D), h0)
                expected = float((h_T.squeeze() - target) ** 2)
                assert float(grid[i, j]) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_differentiable_loss_matches_the_grid_and_autograd_matches_finite_differences():
    w = torch.tensor([3.0, 5.5, 8.0], dtype=D)
    b = torch.tensor([-4.0, -1.0], dtype=D)
    grid = loss_grid(w, b, 20)
    pointwise = cliff_loss(w.reshape(1, -1), b.reshape(-1, 1), 20)
    torch.testing.assert_close(pointwise, grid, rtol=1e-12, atol=1e-15)
    wb = torch.tensor([4.2, -1.5], dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p: cliff_loss(p[0], p[1], 20), (wb,))


def test_the_wall_is_a_jump_between_two_plains():
    """Across the wall at w = 6 the final state flips attractor: within 0.002 of bias the
    loss jumps from about (0.05 - 0.7)^2 = 0.42 (the low state) to under 0.1 (the high)."""
    b_wall = _wall(6.0, 50, 0.7)
    below, above = loss_grid([6.0], [b_wall - 1e-3, b_wall + 1e-3], 50)[:, 0].tolist()
    assert below > 0.4 and above < 0.1


# ---- paths --------------------------------------------------------------------------------
@pytest.mark.parametrize(("w", "level"), [(6.0, 0.65), (6.0, 0.8), (7.0, 0.8)])
def test_from_the_wall_the_unclipped_step_is_orders_of_magnitude_longer(w, level):
    start = (w, _wall(w, 50, level))
    lr, c = 1.0, 1.0
    plain = trajectory(start, lr, 30, 50)
    clipped = trajectory(start, lr, 30, 50, clip=c)
    assert plain.largest_step / clipped.largest_step > 100
    assert clipped.largest_step <= lr * c * (1 + 1e-9)  # clip_grad_norm_ bounds every step
    assert plain.stopped is None and clipped.stopped is None
    # Thrown off the wall far beyond any map; the clipped path stays near where it started.
    assert math.dist(plain.end, start) > 100
    assert math.dist(clipped.end, start) < 10
    assert clipped.final_loss < plain.final_loss


def test_each_step_is_sgd_on_the_autograd_gradient_clipped_by_torch():
    start, lr, c = (6.0, _wall(6.0, 50, 0.8)), 0.5, 2.0
    p = [torch.tensor(v, dtype=D, requires_grad=True) for v in start]
    cliff_loss(p[0], p[1], 50).backward()
    raw = torch.stack([q.grad for q in p])
    norm = clip_grad_norm_(p, c)
    plain = trajectory(start, lr, 1, 50)
    clipped = trajectory(start, lr, 1, 50, clip=c)
    torch.testing.assert_close(plain.points[1], torch.tensor(start, dtype=D) - lr * raw)
    want = torch.tensor(start, dtype=D) - lr * torch.stack([q.grad for q in p])
    torch.testing.assert_close(clipped.points[1], want)
    assert float(plain.grad_norms[0]) == pytest.approx(float(norm), rel=1e-12)
    assert float(clipped.grad_norms[0]) == pytest.approx(float(norm), rel=1e-12)  # before
    assert float(plain.step_sizes[0]) == pytest.approx(lr * float(norm), rel=1e-9)


def test_paths_are_deterministic_and_leave_the_global_generator_alone():
    state = torch.random.get_rng_state()
    a = trajectory((6.0, -4.5), 1.0, 40, 50, clip=1.0)
    b = trajectory((6.0, -4.5), 1.0, 40, 50, clip=1.0)
    assert torch.equal(torch.random.get_rng_state(), state)
    for field in ("points", "losses", "grad_norms", "step_sizes"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    n = a.steps
    assert a.points.shape == (n + 1, 2) and a.losses.shape == (n + 1,)
    assert a.grad_norms.shape == a.step_sizes.shape == (n,)
    assert "clipped at 1" in repr(a) and "largest step" in repr(a)


def test_a_step_that_overflows_stops_the_path_at_its_last_finite_point():
    start = (6.0, _wall(6.0, 50, 0.8))
    path = trajectory(start, 1e305, 10, 50)  # the first step is beyond float64's range
    assert path.stopped == "step 1 threw the parameters to a non-finite value"
    assert path.steps == 0 and path.points.shape == (1, 2)
    assert torch.isfinite(path.points).all() and torch.isfinite(path.losses).all()
    assert len(path.losses) == 1 and path.end == start and path.largest_step == 0.0
    clipped = trajectory(start, 1e305, 3, 50, clip=1e-305)  # clipped: a step of about 1
    assert clipped.stopped is None and clipped.steps == 3


def test_zero_steps_give_the_start_and_its_loss():
    path = trajectory((5.0, -2.0), 0.1, 0, 10)
    assert path.steps == 0 and path.end == (5.0, -2.0)
    assert path.final_loss == pytest.approx(_scalar_loss(5.0, -2.0, 10), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(lr=0.0), "Learning rate"),
        (dict(lr=math.nan), "Learning rate"),
        (dict(clip=0.0), "clip=None"),
        (dict(clip=math.inf), "clip=None"),
        (dict(T=0), "at least 1"),
        (dict(steps=-1), "steps"),
        (dict(start=(math.nan, 0.0)), "two finite numbers"),
        (dict(activation="relu"), "'sigmoid' is the paper's"),
    ],
)
def test_bad_arguments_say_what_to_do(kwargs, message):
    args = dict(start=(5.0, -2.0), lr=0.1, steps=2, T=10) | kwargs
    with pytest.raises(ValueError, match=message):
        trajectory(**args)
