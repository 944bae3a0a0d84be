"""A run as a standalone PyTorch script, to take home (the code it is made of: :mod:`.script_code`).

:func:`standalone_script` writes a script that needs only PyTorch and reproduces the run step
for step on the CPU (same batches, same initial weights, same optimizer, same clipping), or
shows the same clipping with mixed precision or gradient accumulation.
"""

from __future__ import annotations

from .clipping import DEFAULT_THRESHOLDS, MODE_LABELS
from .config import (
    TrainConfig,
)
from .script_code import (
    AGC_CODE,
    BUILD_CODE,
    SCALE_CODE,
    STOP_CODE,
    TASK_CODE,
    clip_code,
    model_code,
    optimizer_line,
)
from .tasks import TASKS

MAX_STEPS = 1_000_000  # as many as the CLI runs
VARIANTS = ("plain", "amp", "accumulation")
ACCUMULATION_STEPS = 4  # micro-batches per optimizer step in the "accumulation" script


def standalone_script(config: TrainConfig, steps: int = 300, variant: str = "plain") -> str:
    """A complete PyTorch script (imports only torch and math) for this run.

    ``"plain"`` reproduces the engine's run: on the CPU and one thread its losses and
    gradient norms are the engine's, to the last digit, and it stops where the engine would
    (a non-finite loss or gradient norm: that step is not taken). ``"amp"`` shows where
    clipping goes with mixed precision (bfloat16 autocast and a GradScaler: unscale first),
    ``"accumulation"`` where it goes when several micro-batches make one step (once, after
    the last backward); their numbers differ from the engine's run.

    Raises:
        ValueError: an unknown variant, or steps out of 1 to 1,000,000.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant {variant!r} is unknown; choose one of {', '.join(VARIANTS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps!r} is not allowed; use 1 to {MAX_STEPS}")
    parts = [
        _docstring(config, steps, variant),
        _IMPORTS,
        _constants(config, steps, variant),
        TASK_CODE[config.task],
        model_code(config),
        BUILD_CODE.format(scale=SCALE_CODE["mlp" if config.model == "mlp" else "seq"]),
    ]
    if config.clip_mode == "agc":
        parts.append(AGC_CODE)
    parts.append(_main_code(config, variant))
    parts = [p.strip("\n") for p in parts]
    # One blank line after the docstring and the imports, then two between top-level
    # blocks, as PEP 8 (and ruff format) have it.
    return "\n\n".join(parts[:3]) + "\n\n\n" + "\n\n\n".join(parts[3:]) + "\n"


def _docstring(config: TrainConfig, steps: int, variant: str) -> str:
    mode = config.clip_mode
    threshold = _threshold(config)
    what = MODE_LABELS[mode] + ("" if mode == "none" else f" at {threshold!r}")
    lines = [
        f'"""Gradient clipping in PyTorch: {config.model} on {config.task}, {what}.',
        "",
        "Written by gradclip. It needs only PyTorch: run it with `python this_file.py`.",
        "",
    ]
    if variant == "plain":
        lines += [
            f"It reproduces the app's run step for step for {steps} steps: the same batches, the",
            "same initial weights, the same optimizer, the same clipping. On the CPU, with one",
            "thread, each step prints the same loss and gradient norm as the app's history.",
            "A step whose loss or gradient norm is not finite is not taken: the run stops there,",
            "as the app's does.",
        ]
    elif variant == "amp":
        lines += [
            "This version trains with mixed precision: torch.autocast(bfloat16) for the forward",
            "pass and a GradScaler for the backward pass. Its numbers do NOT match the app's run",
            "(bfloat16 rounds the forward pass); it shows where clipping goes: the scaled",
            "gradients are unscaled first, so the threshold means the same as without AMP.",
            "(bfloat16 does not need a GradScaler; float16 does, and the order is the same.)",
        ]
    else:
        lines += [
            f"This version accumulates gradients: each optimizer step adds {ACCUMULATION_STEPS}",
            "micro-batches' gradients, then clips once, after the last backward(). Its numbers",
            "do NOT match the app's run (each step sees more examples); the clipping is the",
            "same, applied to the summed gradient, never to a micro-batch's.",
        ]
    return "\n".join(lines) + '\n"""'


_IMPORTS = """
import math

import torch
from torch import nn
from torch.nn import functional as F
"""


def _threshold(config: TrainConfig) -> float:
    if config.threshold is not None:
        return float(config.threshold)
    return DEFAULT_THRESHOLDS[config.clip_mode]


def _constants(config: TrainConfig, steps: int, variant: str) -> str:
    task = TASKS[config.task]
    out = [
        "# ---- the run's settings --------------------------------------------------------------",
        f"STEPS = {steps}",
        f"SEED = {config.seed}  # seeds the initial weights and every batch",
        f"BATCH_SIZE = {config.batch_size}",
    ]
    if config.is_sequence:
        out.append(f"SEQ_LEN = {config.seq_len}  # time steps per sequence")
    out += [f"N_IN, N_OUT = {task.n_in}, {task.n_out}  # features in, outputs"]
    if config.model == "mlp":
        out.append(f"DEPTH = {config.depth}  # hidden layers")
    out += [
        f"WIDTH = {config.width}  # hidden units",
        f"INIT_SCALE = {config.init_scale!r}  # multiplies PyTorch's default init",
        f"LR = {config.lr!r}",
    ]
    if config.optimizer == "sgd":
        out.append(f"MOMENTUM = {config.momentum!r}")
    mode, threshold = config.clip_mode, _threshold(config)
    if mode in ("norm", "layer-norm"):
        out.append(f"MAX_NORM = {threshold!r}")
    if mode == "norm":
        norm = "math.inf  # the largest |g|" if config.norm_type == "inf" else "2.0  # L2"
        out.append(f"NORM_TYPE = {norm}")
    elif mode == "value":
        out.append(f"CLIP_VALUE = {threshold!r}  # the largest |g| of any element")
    elif mode == "agc":
        out.append(f"CLIP_FACTOR = {threshold!r}  # lambda: the largest ||G|| / ||W|| of a unit")
    elif mode == "autoclip":
        out.append(f"PERCENTILE = {threshold!r}  # clip at this percentile of the norms so far")
    if variant == "accumulation":
        out.append(f"ACCUMULATION_STEPS = {ACCUMULATION_STEPS}  # micro-batches per step")
    out.append(_device_line(config.device, variant))
    out.append(
        "\n# Small models: one thread is faster than several, and gives the same numbers on "
        "every\n# machine.\ntorch.set_num_threads(1)"
    )
    return "\n".join(out)


def _device_line(device: str, variant: str) -> str:
    if variant == "amp" and device != "cpu":
        return 'DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")'
    if device == "auto":
        return (
            "# The app's choice: CUDA, then Apple's MPS, then the CPU (only the CPU gives the\n"
            "# app's CPU numbers to the last digit).\n"
            "DEVICE = torch.device(\n"
            '    "cuda" if torch.cuda.is_available() else "mps" '
            'if torch.backends.mps.is_available() else "cpu"\n'
            ")"
        )
    return f'DEVICE = torch.device("{device}")'


def _main_code(config: TrainConfig, variant: str) -> str:
    clip = clip_code(config, " " * 8)
    start = [
        "def main():",
        "    model = build_model()",
        "    params = list(model.parameters())",
        "    # foreach=True: one call for all tensors, as the app does (the same numbers).",
        "    " + optimizer_line(config),
        "    gen = torch.Generator(device=DEVICE)  # the data's own generator",
    ]
    if config.clip_mode == "autoclip":
        start.append("    seen = []  # the gradient norms so far, for AutoClip's percentile")
    if variant == "plain":
        body = f"""
    for step in range(STEPS):
        x, y = sample(step, gen)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
{clip}
        loss, norm = loss.item(), norm.item()
        print(f"step {{step + 1:5d}}  loss {{loss:.9g}}  grad norm {{norm:.9g}}")
        if not (math.isfinite(loss) and math.isfinite(norm)):
            # Stepping now would put inf or nan into the weights: stop before the update.
            stop_here(step + 1, loss, norm)
            break
        optimizer.step()
"""
    elif variant == "amp":
        body = f"""
    # bfloat16 has float32's range, so it needs no scaler; float16 does, and the order of
    # the calls below is the one float16 needs.
    scaler = torch.amp.GradScaler(DEVICE.type)
    for step in range(STEPS):
        x, y = sample(step, gen)
        optimizer.zero_grad()
        with torch.autocast(DEVICE.type, dtype=torch.bfloat16):
            loss = loss_fn(model(x), y)  # the forward pass in bfloat16 where it is safe
        scaler.scale(loss).backward()  # the gradients are multiplied by the scale
        # Unscale BEFORE clipping: the threshold is for the true gradient, not a scaled one.
        scaler.unscale_(optimizer)
{clip}
        # step() skips the update if a gradient is inf or nan (and update() lowers the scale).
        scaler.step(optimizer)
        scaler.update()
        loss, norm = loss.item(), norm.item()
        print(f"step {{step + 1:5d}}  loss {{loss:.9g}}  grad norm {{norm:.9g}}")
        if not math.isfinite(loss):
            stop_here(step + 1, loss, norm)
            break
"""
    else:
        body = f"""
    for step in range(STEPS):
        optimizer.zero_grad()
        total = 0.0
        for micro in range(ACCUMULATION_STEPS):
            x, y = sample(step * ACCUMULATION_STEPS + micro, gen)
            # Divide, so the summed gradient is that of the mean loss over all micro-batches.
            loss = loss_fn(model(x), y) / ACCUMULATION_STEPS
            loss.backward()  # adds to .grad
            total += loss.item()
        # Only now is the gradient complete: clip it once, never per micro-batch.
{clip}
        norm = norm.item()
        print(f"step {{step + 1:5d}}  loss {{total:.9g}}  grad norm {{norm:.9g}}")
        if not (math.isfinite(total) and math.isfinite(norm)):
            stop_here(step + 1, total, norm)
            break
        optimizer.step()
"""
    end = """

if __name__ == "__main__":
    main()
"""
    return STOP_CODE.strip("\n") + "\n\n\n" + "\n".join(start) + body + end
