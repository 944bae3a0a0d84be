"""One training step taken apart: forward, loss, backward, measure, clip, optimizer step.

:func:`take_apart` runs a run's next step (or the step where it diverged) on a copy of its
model and optimizer, and keeps what every stage produced: the size of each layer's output,
the loss, each layer's gradient before and after clipping (in float64, so an overflow in
float32 is seen for what it is), the clip factor, and the update each layer got. The run
itself is never stepped, and the numbers are those its own step computes: the clipping goes
through :func:`~gradclip_core.clipping.clip_gradients`, the update through a copy of the
run's own optimizer (tested against the trainer's record of the same step).

The same step as plain PyTorch code, one stage per line group: :mod:`.step_code`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch

from .clipping import MODE_LABELS, clip_gradients
from .models import SequenceNet

STAGES = ("forward", "loss", "backward", "measure", "clip", "step")
STAGE_SHORT = {
    "forward": "Forward",
    "loss": "Loss",
    "backward": "Backward",
    "measure": "Measure",
    "clip": "Clip",
    "step": "Step",
}
STAGE_TITLES = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "measure": "Measure the gradient",
    "clip": "Clip",
    "step": "Optimizer step",
}


@dataclass(frozen=True)
class StepInside:
    """What each stage of one training step produced, for one model.

    Arrays are float64 NumPy; "per layer" follows ``layer_names``.

    Attributes:
        step: the step taken apart (numbered from 1, like the history).
        diverged: whether this is the step where the run diverged.
        mode, setting: the clipping mode and its threshold setting (AutoClip: percentile p).
        threshold: the threshold in force (AutoClip: the norm its percentile resolved to;
            nan without clipping).
        lr, optimizer: the learning rate and ``"sgd"`` or ``"adam"``.
        layer_names: the model's layers.
        forward_names: the forward pass's stages (the MLP's layers; a recurrent net's hidden
            state, then the readout).
        forward_sizes: L2 norm of each stage's output over the batch (inf where it overflowed).
        forward_finite: whether each stage's output is all finite.
        hidden_over_time: recurrent nets: the largest hidden-state norm over the batch at each
            time step ``(T,)``; ``None`` for an MLP.
        grad_over_time: recurrent nets: the norm of the loss's gradient with respect to the
            hidden state at each time step ``(T,)``: backpropagation through time, read from
            the last step back to the first; ``None`` for an MLP.
        loss, baseline: the loss, and the loss of the best constant prediction.
        grad_before: per layer, the gradient's L2 norm in float64 (inf: an entry is inf/nan).
        nonfinite: per layer, how many gradient entries are inf or nan.
        max_abs_grad: the largest finite absolute gradient entry.
        torch_norm: the total norm as torch computes it in float32 (what
            ``clip_grad_norm_`` returns; inf once the sum of squares overflows).
        true_norm: the same norm in float64 (inf only if an entry is inf or nan).
        grad_after: per layer, the gradient's L2 norm after clipping, in float64.
        coef: the overall shrink factor, L2 norm after over before (1: untouched).
        cosine: cosine between the raw and the clipped gradient (nan if not finite).
        skipped: the loss or norm was not finite, so the trainer skips the optimizer step.
        update: per layer, the L2 norm of the change the optimizer step makes to the weights.
        weight: per layer, the weights' L2 norm before the step.
    """

    step: int
    diverged: bool
    mode: str
    setting: float
    threshold: float
    lr: float
    optimizer: str
    layer_names: tuple[str, ...]
    forward_names: tuple[str, ...]
    forward_sizes: np.ndarray
    forward_finite: np.ndarray
    hidden_over_time: np.ndarray | None
    grad_over_time: np.ndarray | None
    loss: float
    baseline: float
    grad_before: np.ndarray
    nonfinite: np.ndarray
    max_abs_grad: float
    torch_norm: float
    true_norm: float
    grad_after: np.ndarray
    coef: float
    cosine: float
    skipped: bool
    update: np.ndarray
    weight: np.ndarray

    @property
    def clipped(self) -> bool:
        """Whether clipping changed the gradient."""
        return bool(np.any(self.grad_after != self.grad_before)) and not self.skipped

    @property
    def norm_overflowed(self) -> bool:
        """Every entry is finite, but torch's float32 norm is inf."""
        return math.isinf(self.torch_norm) and math.isfinite(self.true_norm)

    @property
    def first_inf_stage(self) -> str | None:
        """The stage where the first inf or nan appears (one of :data:`STAGES`), or ``None``."""
        if not self.forward_finite.all():
            return "forward"
        if not math.isfinite(self.loss):
            return "loss"
        if self.nonfinite.any():
            return "backward"
        return "measure" if self.norm_overflowed else None

    @property
    def first_inf(self) -> str | None:
        """Where the first inf or nan appears in the step, in words; ``None`` if nowhere."""
        stage = self.first_inf_stage
        if stage == "forward":
            bad = [
                n for n, ok in zip(self.forward_names, self.forward_finite, strict=True) if not ok
            ]
            return f"the forward pass, in the output of {bad[0]}"
        if stage == "loss":
            return "the loss (outputs too large to square in float32)"
        if stage == "backward":
            # Backpropagation runs from the loss to the input: the layer nearest the loss.
            layer = self.layer_names[int(np.flatnonzero(self.nonfinite)[-1])]
            return f"the backward pass, in the gradient of {layer}"
        if stage == "measure":
            return "the norm: every entry is finite, but its float32 sum of squares overflows"
        return None

    def __repr__(self) -> str:
        return (
            f"StepInside(step {self.step}, {MODE_LABELS[self.mode]}, loss={self.loss:.4g}, "
            f"norm={self.torch_norm:.4g}, coef={self.coef:.4g}, skipped={self.skipped})"
        )


def take_apart(trainer, mode: str | None = None, threshold: float | None = None) -> StepInside:
    """Run a trainer's next step on copies, stage by stage, and report every stage.

    For a run that diverged, the step taken apart is the one that diverged: the trainer
    kept the weights that step started from, so it happens again here, where it can be
    seen. Call it while nothing else steps the trainer (the app holds the run's lock).

    Args:
        trainer: a :class:`~gradclip_core.Trainer`; never modified.
        mode: clip with this mode instead of the run's own (the run is not changed).
        threshold: with ``mode``: its threshold (``None``: the run's own if the mode is the
            run's, else the mode's default).

    Returns:
        A :class:`StepInside`.
    """
    from .trainer import _make_optimizer, _threshold

    own = mode is None or mode == trainer.mode
    mode = trainer.mode if mode is None else mode
    if threshold is None and own and mode != "none":
        threshold = trainer.threshold
    setting = _threshold(mode, None if mode == "none" else threshold)
    index = (
        trainer.steps_done - 1 if trainer.diverged else trainer.steps_done
    )  # 0-based batch index
    model = copy.deepcopy(trainer.model)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = _make_optimizer(trainer.config, params)
    optimizer.load_state_dict(copy.deepcopy(trainer.optimizer.state_dict()))
    # AutoClip's norms so far (a diverged step's own norm is in there as nan, which its
    # percentile skips; it is measured again below).
    history = copy.deepcopy(trainer.autoclip_history)
    batch = trainer.task.sample(index)
    with torch.enable_grad():
        return _stages(trainer, model, params, optimizer, history, batch, index, mode, setting)


def _stages(trainer, model, params, optimizer, history, batch, index, mode, setting):
    layer_of = model.layer_of_parameters()
    n_layers = len(trainer.layer_names)
    # 1. forward (and the hidden states through time)
    forward_names, sizes, finite, hidden_t, grad_t, output = _forward(
        model, batch.x, lambda out: trainer.task.loss(out, batch)
    )
    # 2. loss
    loss = trainer.task.loss(output, batch)
    # 3. backward
    model.zero_grad(set_to_none=True)
    loss.backward()
    grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    before, nonfinite, largest = _layer_norms(grads, layer_of, n_layers, count_bad=True)
    weight, _, _ = _layer_norms([p.detach() for p in params], layer_of, n_layers)
    # 4 and 5. measure, then clip: the engine's own function, as the run's step calls it
    raw = [g.detach().clone() for g in grads]
    record = clip_gradients(params, mode, setting, norm_type=trainer.norm_type, history=history)
    torch_norm = float(record.norm_before)
    after, _, _ = _layer_norms([p.grad for p in params], layer_of, n_layers)
    true_norm = float(np.sqrt(np.square(before).sum()))
    norm_after = float(np.sqrt(np.square(after).sum()))
    coef = norm_after / true_norm if true_norm > 0 and math.isfinite(true_norm) else 1.0
    if not np.isfinite(after).all():
        coef = math.nan
    cosine = _cosine(raw, [p.grad for p in params])
    # 6. the optimizer step, skipped as the trainer skips it when anything is not finite
    skipped = not (math.isfinite(loss.item()) and math.isfinite(torch_norm))
    old = [p.detach().clone() for p in params]
    if not skipped:
        optimizer.step()
    update, _, _ = _layer_norms(
        [p.detach() - o for p, o in zip(params, old, strict=True)], layer_of, n_layers
    )
    return StepInside(
        step=index + 1,
        diverged=trainer.diverged,
        mode=mode,
        setting=setting,
        threshold=float(record.threshold),
        lr=trainer.lr,
        optimizer=trainer.config.optimizer,
        layer_names=tuple(trainer.layer_names),
        forward_names=forward_names,
        forward_sizes=sizes,
        forward_finite=finite,
        hidden_over_time=hidden_t,
        grad_over_time=grad_t,
        loss=loss.item(),
        baseline=float(trainer.task.baseline),
        grad_before=before,
        nonfinite=nonfinite,
        max_abs_grad=largest,
        torch_norm=torch_norm,
        true_norm=true_norm,
        grad_after=after,
        coef=coef,
        cosine=cosine,
        skipped=skipped,
        update=update,
        weight=weight,
    )


def _forward(model, x: torch.Tensor, loss_of):
    """The forward pass with every stage's output size; for a recurrent net, through time."""
    if isinstance(model, SequenceNet):
        return _forward_sequence(model, x, loss_of)
    names, sizes, finite = [], [], []
    h = x
    for name, layer in zip(model.layer_names(), [*model.hidden, model.head], strict=True):
        h = layer(h) if layer is model.head else model.act(layer(h))
        names.append(name)
        sizes.append(_size(h))
        finite.append(bool(torch.isfinite(h).all()))
    return tuple(names), np.array(sizes), np.array(finite), None, None, h


def _forward_sequence(model: SequenceNet, x: torch.Tensor, loss_of):
    # The model's own forward gives the output and the parameter gradients. Beside it, the
    # same recurrence is unrolled one time step at a time with the same weights (torch's
    # cells), on detached copies, to read the gradient at every hidden state: the quantity
    # that grows or shrinks by about the recurrent matrix's spectral radius per step back.
    out, _ = model.rnn(x)  # (B, T, H)
    output = model.head(out[:, -1])  # (B, n_out)
    per_t = out.detach().double().norm(dim=2)  # (B, T)
    hidden_t = torch.nan_to_num(per_t, nan=math.inf).amax(dim=0).cpu().numpy()  # (T,)
    grad_t = _grad_through_time(model, x, loss_of)
    states_ok = bool(torch.isfinite(out).all())
    names = ("hidden states h₁…h_T", "readout")
    sizes = np.array([_size(out), _size(output)])
    finite = np.array([states_ok, bool(torch.isfinite(output).all())])
    return names, sizes, finite, hidden_t, grad_t, output


def _grad_through_time(model: SequenceNet, x: torch.Tensor, loss_of) -> np.ndarray:
    rnn = model.rnn
    kind = model.kind
    if kind == "rnn":
        cell = torch.nn.RNNCell(rnn.input_size, rnn.hidden_size, nonlinearity=rnn.nonlinearity)
    else:
        cell = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind](
            rnn.input_size, rnn.hidden_size
        )
    cell = cell.to(x.device)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(rnn, f"{name}_l0"))
    head = copy.deepcopy(model.head)
    batch, steps = x.shape[0], x.shape[1]
    h = x.new_zeros(batch, rnn.hidden_size)
    c = x.new_zeros(batch, rnn.hidden_size)
    states = []
    for t in range(steps):
        if kind == "lstm":
            h, c = cell(x[:, t], (h, c))
        else:
            h = cell(x[:, t], h)
        h.retain_grad()
        states.append(h)
    # What reaches each hidden state of the loss's gradient through the recurrence.
    loss_of(head(h)).backward()
    norms = [
        math.inf
        if s.grad is None
        else float(torch.nan_to_num(s.grad.double(), nan=math.inf).norm())
        for s in states
    ]
    return np.array(norms)


def _size(t: torch.Tensor) -> float:
    """L2 norm in float64 (inf if any entry is inf or nan)."""
    t = t.detach()
    if not torch.isfinite(t).all():
        return math.inf
    return float(t.double().norm())


def _layer_norms(tensors, layer_of, n_layers: int, count_bad: bool = False):
    """Per layer: L2 norm in float64 (inf if an entry is not finite), bad entries, max |x|."""
    sq = np.zeros(n_layers)
    bad = np.zeros(n_layers, dtype=int)
    largest = 0.0
    for j, t in zip(layer_of, tensors, strict=True):
        t64 = t.detach().double().cpu()
        ok = torch.isfinite(t64)
        if count_bad:
            bad[j] += int((~ok).sum())
        if not bool(ok.all()):
            sq[j] = math.inf
            t64 = torch.where(ok, t64, torch.zeros_like(t64))
        else:
            sq[j] += float(t64.square().sum())
        if t64.numel():
            largest = max(largest, float(t64.abs().max()))
    return np.sqrt(sq), bad, largest


def _cosine(raw: list[torch.Tensor], clipped: list[torch.Tensor]) -> float:
    a = torch.cat([r.reshape(-1) for r in raw]).double()
    b = torch.cat([c.detach().reshape(-1) for c in clipped]).double()
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        return math.nan
    na, nb = float(a.norm()), float(b.norm())
    if na == 0 or nb == 0:
        return math.nan
    return float(a @ b) / (na * nb)
