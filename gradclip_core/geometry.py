"""The geometry of clipping: what each mode does to one gradient vector, and by how much it turns.

Two views (the Geometry page draws both):

- a 2-D gradient clipped by norm, by value or by AGC (:func:`clip_2d`), through the same
  functions the app and its users call (``torch.nn.utils.clip_grad_norm_``,
  ``clip_grad_value_``, and :func:`~gradclip_core.clipping.clip_gradients` for AGC), so the
  numbers shown are torch's, the 1e-6 in the norm rule's factor included;
- a real gradient of a run (:func:`snapshot`, then :func:`run_geometry`): the gradient its
  next step will compute, clipped on a copy with the run's own mode and threshold, compared
  in full dimension and projected onto its two largest-magnitude entries.

Clipping by norm scales the whole vector, so the direction is kept (0°); clipping by value
clamps each entry on its own, so a vector whose entries are clamped unequally turns.
Lessons 03-05 explain each mode.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

from .clipping import _TORCH_EPS, AGC_EPS, NormHistory, clip_gradients
from .tasks import Batch

PLANE_MODES = ("norm", "value", "agc")  # the modes the 2-D view draws


def angle_between(a: torch.Tensor, b: torch.Tensor) -> tuple[float, float]:
    r"""Cosine and angle (degrees) between two vectors of any length, in float64.

    The angle uses Kahan's formula, accurate near 0° where ``acos`` of a cosine is not:

    .. math:: \theta = 2 \operatorname{atan2}(\lVert \hat a - \hat b \rVert,
        \lVert \hat a + \hat b \rVert)

    Args:
        a: the first vector, any shape (flattened).
        b: the second, with as many entries.

    Returns:
        ``(cosine, degrees)``; both nan when either vector is zero or not finite (no
        direction to compare).
    """
    a = a.detach().reshape(-1).double()
    b = b.detach().reshape(-1).double()
    na, nb = torch.linalg.vector_norm(a), torch.linalg.vector_norm(b)
    if not (na > 0 and nb > 0 and na.isfinite() and nb.isfinite()):
        return math.nan, math.nan
    ua, ub = a / na, b / nb
    cosine = float((ua @ ub).clamp(-1.0, 1.0))
    theta = 2.0 * torch.atan2(torch.linalg.vector_norm(ua - ub), torch.linalg.vector_norm(ua + ub))
    return cosine, math.degrees(float(theta))


@dataclass(frozen=True)
class PlaneClip:
    """One 2-D gradient before and after clipping.

    Attributes:
        mode: ``"norm"``, ``"value"`` or ``"agc"``.
        threshold: max norm, max ``|g_i|``, or AGC's clipping factor λ.
        raw: the gradient ``(gx, gy)`` as float32 holds it.
        clipped: the gradient after clipping.
        raw_norm: ``‖raw‖``.
        clipped_norm: ``‖clipped‖``.
        cosine: cosine between raw and clipped (nan for a zero gradient).
        angle: the angle between them in degrees (nan for a zero gradient).
        factor: torch's factor ``min(1, c / (‖g‖ + 1e-6))`` (norm), AGC's scale (1 when the
            unit is not clipped); nan for value, which has no single factor.
        weight_norm: AGC only: ``‖w‖`` of the unit's weights (else nan).
        ratio: AGC only: ``‖g‖ / max(‖w‖, 1e-3)``, compared with λ (else nan).
    """

    mode: str
    threshold: float
    raw: tuple[float, float]
    clipped: tuple[float, float]
    raw_norm: float
    clipped_norm: float
    cosine: float
    angle: float
    factor: float = math.nan
    weight_norm: float = math.nan
    ratio: float = math.nan

    @property
    def was_clipped(self) -> bool:
        return self.raw != self.clipped

    @property
    def limit(self) -> float:
        """Size of the threshold region: the circle's radius (norm, AGC) or the box's half-side."""
        if self.mode == "agc":
            return self.threshold * max(self.weight_norm, AGC_EPS)
        return self.threshold

    def __repr__(self) -> str:
        return (
            f"PlaneClip({self.mode}, threshold={self.threshold:g}, raw=({self.raw[0]:.4g}, "
            f"{self.raw[1]:.4g}), clipped=({self.clipped[0]:.4g}, {self.clipped[1]:.4g}), "
            f"angle={self.angle:.3g}°)"
        )


def _leaf(g: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """A float32 leaf tensor (2,) whose ``.grad`` is ``g``: what clipping functions take."""
    grad = torch.as_tensor(g, dtype=torch.float32).detach().clone().reshape(2)
    p = torch.zeros(2, requires_grad=True)
    p.grad = grad
    return p


def _plane(mode, threshold, raw: torch.Tensor, clipped: torch.Tensor, **extra) -> PlaneClip:
    cosine, angle = angle_between(raw, clipped)
    return PlaneClip(
        mode=mode,
        threshold=float(threshold),
        raw=(float(raw[0]), float(raw[1])),
        clipped=(float(clipped[0]), float(clipped[1])),
        raw_norm=float(torch.linalg.vector_norm(raw)),
        clipped_norm=float(torch.linalg.vector_norm(clipped)),
        cosine=cosine,
        angle=angle,
        **extra,
    )


def clip_norm_2d(g: Sequence[float] | torch.Tensor, max_norm: float) -> PlaneClip:
    r"""Clip a 2-D gradient by norm with ``torch.nn.utils.clip_grad_norm_``.

    .. math:: g \leftarrow g \cdot \min\left(1, \frac{c}{\lVert g \rVert + 10^{-6}}\right)

    Args:
        g: the gradient ``(gx, gy)``.
        max_norm: the threshold ``c``.

    Returns:
        A :class:`PlaneClip` whose ``factor`` is torch's.
    """
    p = _leaf(g)
    raw = p.grad.clone()
    total = clip_grad_norm_([p], float(max_norm))
    # The factor torch applied: the same float32 expression as in clip_grads_with_norm_.
    factor = float((float(max_norm) / (total + _TORCH_EPS)).clamp(max=1.0))
    return _plane("norm", max_norm, raw, p.grad, factor=factor)


def clip_value_2d(g: Sequence[float] | torch.Tensor, clip_value: float) -> PlaneClip:
    r"""Clip a 2-D gradient by value with ``torch.nn.utils.clip_grad_value_``.

    .. math:: g_i \leftarrow \mathrm{clamp}(g_i, -c, c)

    Args:
        g: the gradient ``(gx, gy)``.
        clip_value: the threshold ``c`` on each entry.

    Returns:
        A :class:`PlaneClip`; the angle is non-zero when one entry is clamped more than the
        other.
    """
    p = _leaf(g)
    raw = p.grad.clone()
    clip_grad_value_([p], float(clip_value))
    return _plane("value", clip_value, raw, p.grad)


def clip_agc_2d(
    g: Sequence[float] | torch.Tensor, w: Sequence[float] | torch.Tensor, clip_factor: float
) -> PlaneClip:
    r"""Adaptive gradient clipping of one 2-D unit (gradient ``g``, weights ``w``).

    The engine's AGC (:func:`~gradclip_core.clipping.clip_gradients`, mode ``"agc"``) on a
    single unit:

    .. math:: g \leftarrow \lambda \frac{\max(\lVert w\rVert, 10^{-3})}{\lVert g\rVert} g
        \quad\text{if}\quad \frac{\lVert g\rVert}{\max(\lVert w\rVert, 10^{-3})} \ge \lambda

    Args:
        g: the unit's gradient ``(gx, gy)``.
        w: the unit's weights ``(wx, wy)``.
        clip_factor: λ.

    Returns:
        A :class:`PlaneClip` with ``weight_norm``, ``ratio`` and ``factor`` (AGC's scale).
    """
    p = _leaf(g)
    with torch.no_grad():
        p.copy_(torch.as_tensor(w, dtype=torch.float32).reshape(2))
    raw = p.grad.clone()
    clip_gradients([p], "agc", clip_factor)
    w_norm = float(torch.linalg.vector_norm(p.detach()))
    raw_norm = float(torch.linalg.vector_norm(raw))
    after = float(torch.linalg.vector_norm(p.grad))
    return _plane(
        "agc",
        clip_factor,
        raw,
        p.grad,
        factor=after / raw_norm if raw_norm > 0 else 1.0,
        weight_norm=w_norm,
        ratio=raw_norm / max(w_norm, AGC_EPS),
    )


def clip_2d(
    mode: str,
    g: Sequence[float] | torch.Tensor,
    threshold: float,
    weight: Sequence[float] | torch.Tensor | None = None,
) -> PlaneClip:
    """Clip a 2-D gradient with ``mode`` (one of :data:`PLANE_MODES`).

    Args:
        mode: ``"norm"``, ``"value"`` or ``"agc"``.
        g: the gradient ``(gx, gy)``.
        threshold: the mode's threshold (λ for AGC).
        weight: AGC's weight vector (required for ``"agc"``).
    """
    if mode == "norm":
        return clip_norm_2d(g, threshold)
    if mode == "value":
        return clip_value_2d(g, threshold)
    if mode == "agc":
        if weight is None:
            raise ValueError("AGC compares the gradient with the weights: pass weight=(wx, wy)")
        return clip_agc_2d(g, weight, threshold)
    raise ValueError(f"mode={mode!r} has no 2-D picture here; use one of {list(PLANE_MODES)}")


# ---- a real gradient -----------------------------------------------------------------------


@dataclass
class RunSnapshot:
    """What :func:`run_geometry` needs from a run, copied so the run itself is never touched.

    Attributes:
        model: a deep copy of the run's model (same weights).
        batch: the batch of the run's next step.
        loss: the task's loss function ``(output, batch) -> loss``.
        names: ``"module.param"`` name of each trainable parameter, in the trainer's order.
        mode: the run's clipping mode now.
        threshold: its threshold (AutoClip: the percentile).
        norm_type: 2 or inf.
        history: a copy of AutoClip's norm history.
        step: the step whose gradient this is (1-based, like the history's steps).
    """

    model: torch.nn.Module
    batch: Batch
    loss: Callable[[torch.Tensor, Batch], torch.Tensor]
    names: list[str]
    mode: str
    threshold: float
    norm_type: float
    history: NormHistory
    step: int


def snapshot(trainer) -> RunSnapshot:
    """Copy what the next step's gradient needs from a :class:`~gradclip_core.Trainer`.

    Call it while nothing else steps the trainer (the app holds the run's lock); the copy is
    quick, and :func:`run_geometry` then works on it alone.
    """
    model = copy.deepcopy(trainer.model)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    return RunSnapshot(
        model=model,
        batch=trainer.task.sample(trainer.steps_done),  # the same batch the next step draws
        loss=trainer.task.loss,
        names=names,
        mode=trainer.mode,
        threshold=trainer.threshold,
        norm_type=trainer.norm_type,
        history=copy.deepcopy(trainer.autoclip_history),
        step=trainer.steps_done + 1,
    )


@dataclass(frozen=True)
class RunGeometry:
    """A run's gradient before and after clipping, in full dimension and projected to 2-D.

    Attributes:
        mode: the run's clipping mode.
        setting: the run's threshold setting (AutoClip: the percentile).
        threshold: the threshold in force (AutoClip: the norm its percentile resolved to).
        norm_type: 2 or inf (the norm that mode ``"norm"`` limits).
        step: the step whose gradient this is.
        size: how many numbers the gradient has.
        raw_norm: L2 norm of the raw gradient.
        clipped_norm: L2 norm after clipping.
        cosine: cosine between raw and clipped in full dimension (nan if not finite or zero).
        angle: the same angle in degrees.
        coords: the two entries the picture shows (the largest ``|g_i|`` of the raw gradient).
        coord_names: those entries named ``param[i, j]``.
        raw2: the raw gradient's two entries.
        clipped2: the clipped gradient's two entries.
    """

    mode: str
    setting: float
    threshold: float
    norm_type: float
    step: int
    size: int
    raw_norm: float
    clipped_norm: float
    cosine: float
    angle: float
    coords: tuple[int, int]
    coord_names: tuple[str, str]
    raw2: tuple[float, float]
    clipped2: tuple[float, float]

    @property
    def finite(self) -> bool:
        return math.isfinite(self.raw_norm)

    def __repr__(self) -> str:
        return (
            f"RunGeometry(step {self.step}, {self.mode}, {self.size} numbers, "
            f"raw_norm={self.raw_norm:.4g}, clipped_norm={self.clipped_norm:.4g}, "
            f"cosine={self.cosine:.6f})"
        )


def run_geometry(snap: RunSnapshot) -> RunGeometry:
    """The gradient of a run's next step, clipped on a copy with the run's mode and threshold.

    The gradient is computed on the snapshot's model copy; clipping goes through
    :func:`~gradclip_core.clipping.clip_gradients` on cloned parameters (weights and
    gradients), exactly as the run's next step will clip.

    Returns:
        A :class:`RunGeometry`.
    """
    model = snap.model
    params = [p for p in model.parameters() if p.requires_grad]
    model.zero_grad(set_to_none=True)
    snap.loss(model(snap.batch.x), snap.batch).backward()
    clones = []
    for p in params:  # weights too: AGC compares the gradient with them
        q = p.detach().clone().requires_grad_()
        q.grad = torch.zeros_like(p) if p.grad is None else p.grad.detach().clone()
        clones.append(q)
    raw = torch.cat([q.grad.reshape(-1) for q in clones])  # (N,)
    record = clip_gradients(
        clones, snap.mode, snap.threshold, norm_type=snap.norm_type, history=snap.history
    )
    clipped = torch.cat([q.grad.reshape(-1) for q in clones])  # (N,)
    cosine, angle = angle_between(raw, clipped)
    magnitude = torch.nan_to_num(raw.abs().double(), nan=math.inf)
    coords = tuple(int(i) for i in torch.topk(magnitude, 2).indices)  # largest first
    return RunGeometry(
        mode=snap.mode,
        setting=snap.threshold,
        threshold=float(record.threshold),
        norm_type=snap.norm_type,
        step=snap.step,
        size=raw.numel(),
        raw_norm=float(torch.linalg.vector_norm(raw.double())),
        clipped_norm=float(torch.linalg.vector_norm(clipped.double())),
        cosine=cosine,
        angle=angle,
        coords=coords,
        coord_names=tuple(_entry_name(params, snap.names, i) for i in coords),
        raw2=tuple(float(raw[i]) for i in coords),
        clipped2=tuple(float(clipped[i]) for i in coords),
    )


def _entry_name(params: list[torch.Tensor], names: list[str], flat_index: int) -> str:
    """``"rnn.weight_hh_l0[3, 7]"``: the parameter and index of one entry of the flat vector."""
    offset = 0
    for p, name in zip(params, names, strict=True):
        if flat_index < offset + p.numel():
            index = torch.unravel_index(torch.tensor(flat_index - offset), p.shape)
            return f"{name}[{', '.join(str(int(i)) for i in index)}]"
        offset += p.numel()
    raise IndexError(f"entry {flat_index} is past the gradient's {offset} numbers")
