r"""The cliff: the loss surface of a one-unit RNN and gradient descent on it, with and without
clipping (Pascanu, Mikolov and Bengio 2013, "On the difficulty of training recurrent neural
networks", section 3 and Fig. 6).

The model has two parameters, a recurrent weight ``w`` and a bias ``b``, no input, and a
given initial state:

.. math:: x_t = w\,\sigma(x_{t-1}) + b, \qquad E = (\sigma(x_T) - y)^2

with the paper's values by default: :math:`\sigma` the logistic sigmoid, :math:`x_0 = 0.5`,
target :math:`y = 0.7` and :math:`T = 50`. For ``w`` above 4 the map :math:`x \mapsto
w\sigma(x) + b` has two attractors for a band of ``b``; which one :math:`x_0` falls into
flips across a curve of ``(w, b)`` (a bifurcation), so :math:`x_T` jumps there, and the loss
has a wall whose gradient grows like the product of ``T`` Jacobians. A gradient step that
lands on the wall is huge (the exploding gradient): plain gradient descent is thrown far away,
while clipping the gradient's norm bounds the step at ``lr * threshold``, so the path walks on.

:func:`loss_grid` computes the whole surface in one vectorised pass (a loop over ``T`` only);
:func:`trajectory` runs gradient descent with autograd on the two parameters, clipped by
``torch.nn.utils.clip_grad_norm_``, the function users call. Everything is float64 (the wall
is thin: float32 rounding would move it) and deterministic (no random numbers at all).
The Cliff page draws both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch.nn.utils import clip_grad_norm_, get_total_norm

X0 = 0.5  # the initial state x_0 (the paper's)
TARGET = 0.7  # the target y for sigma(x_T) (the paper's)
ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}
DTYPE = torch.float64


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(
            f"activation={name!r} is not known; use one of {sorted(ACTIVATIONS)} "
            "('sigmoid' is the paper's)."
        )
    return ACTIVATIONS[name]


def _check_length(T: int) -> int:
    if int(T) != T or T < 1:
        raise ValueError(f"Sequence length T={T!r} must be a whole number of steps, at least 1.")
    return int(T)


def cliff_loss(
    w: torch.Tensor,
    b: torch.Tensor,
    T: int,
    *,
    x0: float = X0,
    target: float = TARGET,
    activation: str = "sigmoid",
) -> torch.Tensor:
    r"""Loss of the one-unit RNN after ``T`` steps, for any broadcastable ``w`` and ``b``.

    .. math:: E(w, b) = (\sigma(x_T) - y)^2, \quad x_t = w\,\sigma(x_{t-1}) + b

    Differentiable (autograd flows to ``w`` and ``b``); :func:`loss_grid` is the fast path
    for a whole map.

    Args:
        w: recurrent weights, any shape.
        b: biases, broadcastable with ``w``.
        T: sequence length (number of recurrent steps), at least 1.
        x0: the initial state :math:`x_0`.
        target: the target :math:`y` for :math:`\sigma(x_T)`.
        activation: ``"sigmoid"`` (the paper's) or ``"tanh"``.

    Returns:
        The loss, shaped like ``w`` and ``b`` broadcast together.
    """
    sigma = _activation(activation)
    x = torch.full(torch.broadcast_shapes(w.shape, b.shape), float(x0), dtype=w.dtype)
    for _ in range(_check_length(T)):
        x = torch.addcmul(b, w, sigma(x))  # b + w * sigma(x), one op for autograd
    return (sigma(x) - target) ** 2


def loss_grid(
    w: torch.Tensor | Sequence[float],
    b: torch.Tensor | Sequence[float],
    T: int,
    *,
    x0: float = X0,
    target: float = TARGET,
    activation: str = "sigmoid",
) -> torch.Tensor:
    r"""The loss surface over a ``(w, b)`` grid, all points at once (a loop over ``T`` only).

    .. math:: E_{ij} = (\sigma(x_T(w_j, b_i)) - y)^2

    Args:
        w: ``(W,)`` recurrent weights, the map's columns (x axis).
        b: ``(H,)`` biases, the map's rows (y axis).
        T: sequence length, at least 1.
        x0: the initial state.
        target: the target for :math:`\sigma(x_T)`.
        activation: ``"sigmoid"`` or ``"tanh"``.

    Returns:
        ``(H, W)`` float64 losses: row ``i`` is ``b[i]``, column ``j`` is ``w[j]``, the layout
        a heatmap expects.
    """
    sigma = _activation(activation)
    with torch.no_grad():
        w = torch.as_tensor(w, dtype=DTYPE).reshape(1, -1)  # (1, W)
        b = torch.as_tensor(b, dtype=DTYPE).reshape(-1, 1)  # (H, 1)
        x = torch.full((b.shape[0], w.shape[1]), float(x0), dtype=DTYPE)  # (H, W)
        for _ in range(_check_length(T)):
            x = sigma(x).mul_(w).add_(b)  # in place: one (H, W) buffer per step
        return sigma(x).sub_(target).square_()


@dataclass(frozen=True)
class Trajectory:
    """A gradient-descent path on the cliff.

    Attributes:
        points: ``(n + 1, 2)`` the ``(w, b)`` visited, the start first; all finite.
        losses: ``(n + 1,)`` the loss at each point.
        grad_norms: ``(n,)`` L2 norm of the raw gradient at each step (before clipping).
        step_sizes: ``(n,)`` the length of each step, ``||theta_{k+1} - theta_k||``.
        clip: the norm threshold, or None for plain gradient descent.
        lr: the learning rate.
        stopped: why the path stopped early (a non-finite gradient or point), or None.
    """

    points: torch.Tensor
    losses: torch.Tensor
    grad_norms: torch.Tensor
    step_sizes: torch.Tensor
    clip: float | None
    lr: float
    stopped: str | None = None

    @property
    def steps(self) -> int:
        """Number of steps taken."""
        return len(self.step_sizes)

    @property
    def largest_step(self) -> float:
        """The longest single step (0 when no step was taken)."""
        return float(self.step_sizes.max()) if self.steps else 0.0

    @property
    def end(self) -> tuple[float, float]:
        """The last finite ``(w, b)`` of the path."""
        return float(self.points[-1, 0]), float(self.points[-1, 1])

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def __repr__(self) -> str:
        how = "unclipped" if self.clip is None else f"clipped at {self.clip:g}"
        end = ", ".join(f"{v:.4g}" for v in self.end)
        stop = f", stopped: {self.stopped}" if self.stopped else ""
        return (
            f"Trajectory({how}, lr={self.lr:g}, {self.steps} steps, largest step "
            f"{self.largest_step:.3g}, end=({end}), loss {self.final_loss:.3g}{stop})"
        )


def trajectory(
    start: tuple[float, float],
    lr: float,
    steps: int,
    T: int,
    clip: float | None = None,
    *,
    x0: float = X0,
    target: float = TARGET,
    activation: str = "sigmoid",
) -> Trajectory:
    r"""Gradient descent on the cliff from ``start``, plain or clipped by norm.

    Each step computes the gradient of :func:`cliff_loss` with autograd, clips it with
    ``torch.nn.utils.clip_grad_norm_(params, clip)`` when ``clip`` is given, and takes an
    SGD step:

    .. math:: \theta \leftarrow \theta - \eta\, g \min\!\left(1,
        \frac{c}{\lVert g \rVert + 10^{-6}}\right)

    so a clipped step is never longer than :math:`\eta c`. The path stops early, keeping
    what came before, when the loss, the gradient or the next point is not finite (an
    unclipped step off the wall can overflow).

    Args:
        start: the starting ``(w, b)``.
        lr: the learning rate :math:`\eta` (> 0).
        steps: the number of steps to take (>= 0).
        T: sequence length, at least 1.
        clip: the max norm :math:`c` for ``clip_grad_norm_`` (> 0), or None for no clipping.
        x0: the initial state.
        target: the target for :math:`\sigma(x_T)`.
        activation: ``"sigmoid"`` or ``"tanh"``.

    Returns:
        A :class:`Trajectory`.
    """
    _check_args(start, lr, steps, clip)
    w = torch.nn.Parameter(torch.tensor(float(start[0]), dtype=DTYPE))  # () recurrent weight
    b = torch.nn.Parameter(torch.tensor(float(start[1]), dtype=DTYPE))  # () bias
    params = [w, b]
    optimizer = torch.optim.SGD(params, lr=lr)
    kw = dict(x0=x0, target=target, activation=activation)
    points, losses, norms, sizes = [(w.item(), b.item())], [], [], []
    stopped = None
    for k in range(1, steps + 1):
        optimizer.zero_grad()
        loss = cliff_loss(w, b, T, **kw)
        losses.append(loss.item())  # the loss at points[-1]
        loss.backward()
        # Clipped: torch returns the norm before clipping and scales the gradients in place.
        norm = get_total_norm([w.grad, b.grad]) if clip is None else clip_grad_norm_(params, clip)
        if not (math.isfinite(losses[-1]) and torch.isfinite(norm)):
            what = "gradient norm" if math.isfinite(losses[-1]) else "loss"
            stopped = f"the {what} was not finite at step {k}"
            break
        optimizer.step()
        point = (w.item(), b.item())
        if not all(map(math.isfinite, point)):
            stopped = f"step {k} threw the parameters to a non-finite value"
            break
        norms.append(norm.item())
        sizes.append(math.dist(point, points[-1]))
        points.append(point)
    if len(losses) < len(points):  # the loss at the last point
        with torch.no_grad():
            losses.append(cliff_loss(w, b, T, **kw).item())
    return Trajectory(
        points=torch.tensor(points, dtype=DTYPE),
        losses=torch.tensor(losses, dtype=DTYPE),
        grad_norms=torch.tensor(norms, dtype=DTYPE),
        step_sizes=torch.tensor(sizes, dtype=DTYPE),
        clip=None if clip is None else float(clip),
        lr=float(lr),
        stopped=stopped,
    )


def _check_args(start, lr, steps, clip) -> None:
    if len(start) != 2 or not all(math.isfinite(float(v)) for v in start):
        raise ValueError(f"start={start!r} must be two finite numbers (w, b).")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"Learning rate lr={lr!r} must be a positive finite number.")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps={steps!r} must be a whole number, 0 or more.")
    if clip is not None and not (math.isfinite(clip) and clip > 0):
        raise ValueError(
            f"Clip threshold clip={clip!r} must be a positive finite number; pass clip=None "
            "for plain gradient descent."
        )
