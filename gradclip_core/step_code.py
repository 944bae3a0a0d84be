"""The plain PyTorch loop that one step of the engine is, one stage per line group.

:func:`training_loop` writes it for the clipping mode in force, with each line tagged with the
stage of :data:`~gradclip_core.step_inside.STAGES` it belongs to (tested: every mode's loop
runs and clips as the engine does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .clipping import AGC_EPS


@dataclass(frozen=True)
class CodeLine:
    """One line of the training loop, and the stage it belongs to (``None``: scaffolding)."""

    text: str
    stage: str | None


def training_loop(
    mode: str, threshold: float, optimizer: str = "sgd", lr: float = 0.01, norm_type=2.0
) -> list[CodeLine]:
    """The plain PyTorch training loop of one step with this clipping, stage by stage.

    Uses only torch (and, for AutoClip, a list of past norms): ``model``, ``loss_fn`` and
    ``batches`` are the learner's. Every mode's loop is run by the tests and clips as the
    engine does.
    """
    thr = f"{threshold:g}"
    opt = "Adam" if optimizer == "adam" else "SGD"
    norm_arg = ", norm_type=float('inf')" if norm_type == math.inf else ""
    lines = [
        CodeLine("params = list(model.parameters())", None),
        CodeLine(f"optimizer = torch.optim.{opt}(params, lr={lr:g})", None),
        *([CodeLine("past_norms = []  # AutoClip's history", None)] if mode == "autoclip" else []),
        CodeLine("for x, y in batches:", None),
        CodeLine("    optimizer.zero_grad()", None),
        CodeLine("    output = model(x)", "forward"),
        CodeLine("    loss = loss_fn(output, y)", "loss"),
        CodeLine("    loss.backward()", "backward"),
        CodeLine("    grads = [p.grad for p in params]", "measure"),
        CodeLine(f"    total_norm = torch.nn.utils.get_total_norm(grads{norm_arg})", "measure"),
    ]
    clip = {
        "none": ["    pass  # no clipping"],
        "norm": [
            f"    # with the line above: clip_grad_norm_(params, {thr}{norm_arg})",
            f"    torch.nn.utils.clip_grads_with_norm_(params, {thr}, total_norm)",
        ],
        "value": [f"    torch.nn.utils.clip_grad_value_(params, clip_value={thr})"],
        "layer-norm": [
            "    for p in params:  # each tensor by its own norm",
            f"        torch.nn.utils.clip_grad_norm_([p], max_norm={thr})",
        ],
        "agc": [
            "    for p in params:  # AGC: each unit (row) against its weights",
            "        dims = tuple(range(1, p.ndim))",
            "        w = p.detach().norm(dim=dims, keepdim=True)",
            "        g = p.grad.norm(dim=dims, keepdim=True)",
            f"        limit = {thr} * w.clamp(min={AGC_EPS:g})",
            "        scale = limit / g.clamp(min=1e-6)",
            "        p.grad.copy_(torch.where(g < limit, p.grad, p.grad * scale))",
        ],
        "autoclip": [
            "    past_norms.append(total_norm)",
            f"    limit = torch.quantile(torch.stack(past_norms), {float(threshold) / 100:g})",
            "    torch.nn.utils.clip_grads_with_norm_(params, limit, total_norm)",
        ],
    }[mode]
    lines += [CodeLine(text, "clip") for text in clip]
    lines.append(CodeLine("    optimizer.step()", "step"))
    return lines
