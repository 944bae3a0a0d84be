"""Gradient clipping, every mode behind one function: :func:`clip_gradients`.

Clipping by norm does what ``torch.nn.utils.clip_grad_norm_`` does, operation for operation
(``get_total_norm``'s ``_foreach_norm`` and ``vector_norm``, then ``clip_grads_with_norm_``'s
factor and ``_foreach_mul_``), without its per-call grouping of tensors by device and dtype:
one model's gradients share both. Tests check the result bit for bit against torch's own
function. Clipping by value calls ``clip_grad_value_``. The adaptive modes (AGC, AutoClip)
follow their papers' formulas; where the engine departs from a paper (AGC's readout,
AutoClip's bounded history) the function says so. Lessons 03-05 explain each mode.

Nothing here reads a value back from an accelerator: every number in a :class:`ClipRecord` is
a 0-d tensor on the gradients' device, so a GPU run is not synchronised every step (on the CPU,
reading a 0-d tensor costs nothing, and torch's rule reads one to report an overflow).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch.nn.utils import clip_grad_value_

DEFAULT_THRESHOLDS = {
    "none": math.nan,  # no threshold
    "norm": 1.0,  # max total L2 norm: the usual default for RNNs and transformers
    "value": 0.1,  # max |g| per element
    "layer-norm": 1.0,  # max L2 norm of each parameter tensor
    "agc": 0.01,  # clipping factor lambda (Brock et al. 2021; timm's default)
    "autoclip": 10.0,  # percentile p of the run's gradient-norm history (Seetharaman et al.)
}
MODE_LABELS = {
    "none": "no clipping",
    "norm": "clip by norm",
    "value": "clip by value",
    "layer-norm": "per-layer norm",
    "agc": "adaptive (AGC)",
    "autoclip": "AutoClip",
}
AGC_EPS = 1e-3
_TORCH_EPS = 1e-6  # the 1e-6 in torch's clip coefficient: max_norm / (total_norm + 1e-6)


class ClipRecord:
    """What one call to :func:`clip_gradients` did. Tensors stay on the gradients' device.

    Attributes:
        norm_before: total norm of all gradients before clipping (inf or nan if non-finite),
            in ``norm_type`` for mode ``"norm"`` and L2 otherwise.
        norm_after: total L2 norm after clipping.
        clipped: whether any gradient changed (0-d bool tensor; ``bool()`` it to read).
        clip_coef: L2 norm after over L2 norm before: the overall shrink factor.
        cosine: cosine between the raw and the clipped gradient (1 when the direction is kept;
            0 when clipping left a zero gradient).
        threshold: the threshold used (for AutoClip, the percentile value it resolved to).
        param_norms_before: ``(P,)`` L2 norm of each parameter's gradient before clipping.
        param_norms_after: ``(P,)`` the same after clipping.

    ``norm_after``, ``clipped`` and ``clip_coef`` follow from the per-parameter norms, so
    they are computed when read (the trainer derives them on the host, in batches);
    ``threshold`` and ``cosine`` are made tensors when read if they are known on the host
    (``threshold_value``, ``cosine_value``: a float, or a tensor when computed on the device).
    For clip by norm (L2), ``param_norms_after`` is ``param_norms_before`` times torch's
    factor ``min(1, threshold / (norm_before + 1e-6))``, computed when first read
    (``derived_after`` is then True).

    An overflowed norm is reported as what torch did (lesson 03): the L2 norm is ``inf`` once
    the sum of squares passes float32's 3.4e38, even when every entry is finite. Clip by norm
    (and AutoClip) then multiply every gradient by ``threshold / (inf + 1e-6) = 0``, so the
    record says ``clipped``, ``norm_after`` 0, ``clip_coef`` 0 and ``cosine`` 0: the gradient
    was silently zeroed. A gradient with an ``inf`` or ``nan`` entry cannot be clipped (torch
    turns it into ``nan``): ``clipped`` is False and ``norm_after`` is ``nan``.
    """

    TORCH_RULE = ("norm", "autoclip")  # modes that scale every gradient by torch's one factor

    def __init__(
        self,
        mode: str,
        norm_before: torch.Tensor,
        param_norms_before: torch.Tensor,
        param_norms_after: torch.Tensor | None,
        threshold_value: float | torch.Tensor,
        cosine_value: float | torch.Tensor = 1.0,
    ):
        self.mode = mode
        self.norm_before = norm_before
        self.param_norms_before = param_norms_before
        self.threshold_value = threshold_value
        self.cosine_value = cosine_value
        self.derived_after = param_norms_after is None
        self._after = param_norms_after

    @property
    def param_norms_after(self) -> torch.Tensor:
        if self._after is None:
            coef = (self.threshold_value / (self.norm_before + _TORCH_EPS)).clamp(max=1.0)
            self._after = self.param_norms_before * coef
        return self._after

    @property
    def threshold(self) -> torch.Tensor:
        return _as_tensor(self.threshold_value, self.norm_before)

    @property
    def cosine(self) -> torch.Tensor:
        return _as_tensor(self.cosine_value, self.norm_before)

    @property
    def norm_after(self) -> torch.Tensor:
        return torch.linalg.vector_norm(self.param_norms_after)

    @property
    def clip_coef(self) -> torch.Tensor:
        # Both norms in L2, so the factor is right for norm_type inf too.
        before = torch.linalg.vector_norm(self.param_norms_before)
        return torch.where(before > 0, self.norm_after / before, torch.ones_like(before))

    @property
    def clipped(self) -> torch.Tensor:
        # Clipped = some gradient changed. A non-finite gradient cannot be clipped meaningfully;
        # an overflowed norm with finite entries can: torch's rule zeroes the gradient.
        changed = (self.param_norms_after != self.param_norms_before).any()
        ok = self.norm_before.isfinite()
        if self.mode in self.TORCH_RULE:
            ok = ok | self.norm_after.isfinite()
        return changed & ok

    def __repr__(self) -> str:
        return (
            f"ClipRecord(mode={self.mode!r}, norm_before={float(self.norm_before):.4g}, "
            f"norm_after={float(self.norm_after):.4g}, clipped={bool(self.clipped)}, "
            f"cosine={float(self.cosine):.4f})"
        )


def _as_tensor(value: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.full_like(like, value)


class NormHistory:
    """The gradient norms AutoClip has seen, in a bounded ring buffer on the device.

    The paper (Seetharaman et al., 2020) keeps every norm of the run; this keeps the last
    ``capacity`` (10,000 by default), so memory stays bounded on a long run.
    """

    def __init__(self, capacity: int = 10_000):
        self.capacity = capacity
        self.count = 0
        self._buf: torch.Tensor | None = None

    def append(self, norm: torch.Tensor) -> None:
        if self._buf is None:
            self._buf = torch.full((self.capacity,), math.nan, device=norm.device)
        # A non-finite norm is stored as nan, which nanquantile skips.
        self._buf[self.count % self.capacity] = torch.where(norm.isfinite(), norm, math.nan)
        self.count += 1

    def percentile(self, p: float) -> torch.Tensor:
        seen = self._buf[: min(self.count, self.capacity)]
        return torch.nanquantile(seen, p / 100.0)


def _grads(parameters) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params]  # one read of each .grad: they cost a little each
    if any(g is None for g in grads):
        params = [p for p, g in zip(params, grads, strict=True) if g is not None]
        grads = [g for g in grads if g is not None]
    return params, grads


def clip_gradients(
    parameters: Iterable[torch.Tensor] | torch.Tensor,
    mode: str = "norm",
    threshold: float | None = None,
    *,
    norm_type: float = 2.0,
    history: NormHistory | None = None,
    foreach: bool | None = None,
) -> ClipRecord:
    r"""Clip the gradients of ``parameters`` in place and report what changed.

    Modes (``threshold`` means something different in each; ``None`` takes its default
    from :data:`DEFAULT_THRESHOLDS`):

    - ``"none"``: measure only.
    - ``"norm"``: :math:`g \leftarrow g \cdot \min(1, c / (\lVert g \rVert + 10^{-6}))`,
      one factor for all parameters, so the direction is kept (cosine 1).
    - ``"value"``: :math:`g_i \leftarrow \mathrm{clamp}(g_i, -c, c)` per element; changes the
      direction whenever some elements are clamped and others are not.
    - ``"layer-norm"``: the norm rule applied to each parameter tensor on its own; changes
      the direction when layers are scaled by different factors.
    - ``"agc"``: adaptive gradient clipping, unit-wise (rows of a weight matrix):
      :math:`G_u \leftarrow \lambda \frac{\max(\lVert W_u\rVert, \epsilon)}{\lVert G_u\rVert} G_u`
      when :math:`\lVert G_u\rVert / \max(\lVert W_u\rVert, \epsilon) > \lambda`; changes the
      direction when units are scaled differently. Every layer is clipped, readout included,
      as timm's ``adaptive_clip_grad`` does with all parameters; the paper leaves the final
      linear layer unclipped.
    - ``"autoclip"``: clip by norm at the ``threshold``-th percentile of the gradient norms
      seen so far (``history``: the last 10,000), the current one included; direction kept.
      At ``p = 10`` most steps are above that percentile, so most steps are clipped.

    A non-finite norm is not an error: ``norm_before`` comes back inf or nan so the caller can
    explain it. With ``"norm"`` or ``"autoclip"``, an L2 norm that overflowed to inf from
    finite entries makes torch's factor 0: every gradient is zeroed, and the record says so
    (see :class:`ClipRecord`). An inf or nan entry leaves the gradients non-finite.

    Args:
        parameters: tensors whose ``.grad`` is clipped; those without a gradient are skipped.
        mode: one of ``none, norm, value, layer-norm, agc, autoclip``.
        threshold: the mode's limit (see above).
        norm_type: 2 or ``inf`` (the largest absolute entry): the norm that mode ``"norm"``
            measures and limits.
        history: AutoClip's norm history; a fresh one (no clipping yet) when ``None``.
        foreach: passed to torch's functions.

    Returns:
        A :class:`ClipRecord`.
    """
    if mode not in DEFAULT_THRESHOLDS:
        raise ValueError(
            f"mode={mode!r} is not a clipping mode; use one of {list(DEFAULT_THRESHOLDS)}"
        )
    threshold = DEFAULT_THRESHOLDS[mode] if threshold is None else float(threshold)
    params, grads = _grads(parameters)
    if not grads:
        zero, empty = torch.tensor(0.0), torch.zeros(0)
        return ClipRecord(mode, zero, empty, empty, math.nan if mode == "none" else threshold)
    norm_type = float(norm_type) if mode == "norm" else 2.0
    per_before = torch.stack(_per_tensor_norms(grads, norm_type, foreach))  # (P,)
    # The norm of the per-tensor norms: get_total_norm's own last line, so the same bits.
    before = torch.linalg.vector_norm(per_before, norm_type)
    if mode == "none":  # no threshold in force: nan, whatever was passed
        return ClipRecord(mode, before, per_before, per_before, math.nan)
    if mode in ("norm", "autoclip"):  # one factor for all: the direction is kept (cosine 1)
        if mode == "norm":
            # clip_grads_with_norm_'s factor, from ``threshold`` as a float exactly as a user
            # passes it: max_norm / (total_norm + 1e-6), clamped at 1, same bits.
            # ``float / tensor`` is Tensor.__rdiv__, ``reciprocal() * float``: written out here,
            # in place, it skips a Python wrapper that costs more than the arithmetic.
            coef = (before + _TORCH_EPS).reciprocal_().mul_(threshold).clamp_(max=1.0)
            _scale_(grads, coef, foreach)
            if norm_type == 2.0:  # the norms after follow from torch's factor, when read
                return _torch_rule_record(
                    mode, before, per_before, None, threshold, grads, coef=coef
                )
        else:
            history = history if history is not None else NormHistory()
            history.append(before)
            threshold = history.percentile(threshold)  # a 0-d tensor on the device
            # torch's rule, applied here: clip_grads_with_norm_ would read the tensor back
            # to the CPU (float(max_norm)), a sync every step on a GPU.
            coef = (threshold / (before + _TORCH_EPS)).clamp_(max=1.0)
            _scale_(grads, coef, foreach)
        if norm_type != 2.0:
            # For norm_type inf the L2 norms are not tracked by ``before``: measure them again.
            per_after = torch.stack(_per_tensor_norms(grads, 2.0, foreach))
            per_before = per_after / coef
        else:
            per_after = per_before * coef
        return _torch_rule_record(mode, before, per_before, per_after, threshold, grads)
    if mode == "layer-norm":
        coefs = (threshold / (per_before + _TORCH_EPS)).clamp_(max=1.0)  # (P,)
        torch._foreach_mul_(grads, list(coefs.unbind()))
        per_after = per_before * coefs
        dot = (coefs * per_before.square()).sum()
    else:
        raw = [g.clone() for g in grads]
        if mode == "value":
            clip_grad_value_(params, threshold, foreach=foreach)
        else:
            _agc_(params, threshold)
        per_after = torch.stack(_per_tensor_norms(grads, 2.0, foreach))
        dot = torch.stack([(r * g).sum() for r, g in zip(raw, grads, strict=True)]).sum()
    after = torch.linalg.vector_norm(per_after)
    cosine = dot / (before * after).clamp(min=1e-30)
    return ClipRecord(mode, before, per_before, per_after, threshold, cosine)


def _torch_rule_record(
    mode: str,
    before: torch.Tensor,
    per_before: torch.Tensor,
    per_after: torch.Tensor | None,
    threshold: float | torch.Tensor,
    grads: list[torch.Tensor],
    on_host: bool | None = None,
    coef: torch.Tensor | None = None,
) -> ClipRecord:
    """The record of torch's rule (one factor for all), true also when the norm is not finite.

    Once the norm is inf, torch's factor is 0: finite gradients become 0, but the derived norms
    after would read ``inf * 0 = nan`` for a tensor whose own norm overflowed. Those steps
    measure the norms after instead, and the cosine is 0 (nothing of the direction is left)
    or nan (an inf or nan entry became nan).

    Args:
        on_host: decide on the host (reading a CPU scalar costs no sync); ``None``: on the
            CPU only. On an accelerator both answers are computed and the device picks one.
        coef: torch's factor, when the caller has it (clip by norm): the norms after are
            ``per_before * coef``, the same bits as computing the factor again.
    """
    if on_host if on_host is not None else before.device.type == "cpu":
        if math.isfinite(before.item()):
            return ClipRecord(mode, before, per_before, per_after, threshold)
        after = torch.stack(_per_tensor_norms(grads, 2.0, None))
        cosine = 0.0 if bool((after == 0).all()) else math.nan
        return ClipRecord(mode, before, per_before, after, threshold, cosine)
    # On an accelerator each kernel launch costs the host more than its arithmetic: few ops.
    if per_after is None:  # the same expression as ClipRecord's, so the same bits
        if coef is None:
            coef = (threshold / (before + _TORCH_EPS)).clamp(max=1.0)
        per_after = per_before * coef
    measured = torch.stack(_per_tensor_norms(grads, 2.0, None))
    finite = before * 0 == 0  # isfinite in two launches (torch's own takes four)
    zeroed = torch.linalg.vector_norm(measured) == 0
    # Scalars, not filled tensors: each kernel launch costs the host more than its arithmetic.
    cosine = torch.where(finite, 1.0, torch.where(zeroed, 0.0, math.nan)).to(before.dtype)
    after = torch.where(finite, per_after, measured)
    return ClipRecord(mode, before, per_before, after, threshold, cosine)


def _scale_(grads: list[torch.Tensor], coef: torch.Tensor, foreach: bool | None) -> None:
    """Multiply every gradient by the 0-d ``coef``, as ``clip_grads_with_norm_`` does."""
    if foreach is not False and grads[0].device.type in ("cpu", "cuda"):
        torch._foreach_mul_(grads, coef.to(grads[0].device))
    else:
        for g in grads:
            g.mul_(coef.to(g.device))


def _per_tensor_norms(grads, norm_type, foreach) -> list[torch.Tensor]:
    # One model, one device: the first gradient's device speaks for all.
    if foreach is not False and grads[0].device.type in ("cpu", "cuda"):
        return list(torch._foreach_norm(grads, norm_type))
    return [torch.linalg.vector_norm(g, norm_type) for g in grads]


def unitwise_norm(x: torch.Tensor) -> torch.Tensor:
    """L2 norm per output unit: over all dims but the first (whole tensor for biases)."""
    if x.ndim <= 1:
        return x.norm(2.0)
    return x.norm(2.0, dim=tuple(range(1, x.ndim)), keepdim=True)


@torch.no_grad()
def _agc_(params: list[torch.Tensor], clip_factor: float, eps: float = AGC_EPS) -> None:
    # Same arithmetic as timm.utils.agc.adaptive_clip_grad (Brock et al. 2021, NFNets), applied
    # to every parameter it is given: the engine clips all layers, readout included. The paper
    # (and timm's train.py, through model_parameters(exclude_head=True)) leave the final linear
    # layer unclipped.
    for p in params:
        g = p.grad.detach()
        max_norm = unitwise_norm(p.detach()).clamp_(min=eps).mul_(clip_factor)
        grad_norm = unitwise_norm(g)
        clipped = g * (max_norm / grad_norm.clamp(min=1e-6))
        g.copy_(torch.where(grad_norm < max_norm, g, clipped))
