"""Each lab's seeded model and data, and the source of its loops."""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import nn

from .base import (
    ACCUMULATE,
    BATCH,
    CORRUPT_STEP,
    CORRUPT_VALUE,
    GIVEN,
    MICRO,
    N_IN,
    OVERFLOW_STEPS,
    STEPS,
    WIDTH,
    Loop,
    Setup,
)

# ---- models and data ------------------------------------------------------------------------


def _mlp(gen: torch.Generator) -> nn.Sequential:
    """8 -> 32 -> 1 ReLU MLP with PyTorch's default init, drawn from ``gen``."""
    with torch.device("meta"):  # no memory, no draws from the global generator
        model = nn.Sequential(nn.Linear(N_IN, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 1))
    model.to_empty(device="cpu")
    with torch.no_grad():
        for layer in (model[0], model[2]):
            bound = 1 / math.sqrt(layer.in_features)  # Linear.reset_parameters' U(-b, b)
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.uniform_(-bound, bound, generator=gen)
    return model


def _batches(gen: torch.Generator, n: int, size: int = BATCH) -> list[tuple]:
    """``n`` batches ``(x, y)``: ``x (size, 8)`` standard normal, ``y (size, 1)`` a noisy
    teacher ``sin(x w) + 0.3 noise``; a fresh model's gradient norm is of order 1."""
    teacher = torch.randn(N_IN, generator=gen)
    out = []
    for _ in range(n):
        x = torch.randn(size, N_IN, generator=gen)
        y = torch.sin(x @ teacher).unsqueeze(1) + 0.3 * torch.randn(size, 1, generator=gen)
        out.append((x, y))
    return out


def _mse(model, batch):
    return nn.functional.mse_loss(model(batch[0]), batch[1])


def plain_setup(seed: int, steps: int = STEPS) -> Setup:
    gen = torch.Generator().manual_seed(seed)
    model = _mlp(gen)
    return Setup(model, _batches(gen, steps), nn.functional.mse_loss, _mse)


def _amp_loss(model, batch):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        return nn.functional.mse_loss(model(batch[0]), batch[1])


def amp_setup(seed: int) -> Setup:
    return replace(plain_setup(seed), batch_loss=_amp_loss)


def accumulation_setup(seed: int) -> Setup:
    gen = torch.Generator().manual_seed(seed)
    model = _mlp(gen)
    micro = _batches(gen, STEPS * ACCUMULATE, size=MICRO)
    groups = [micro[i : i + ACCUMULATE] for i in range(0, len(micro), ACCUMULATE)]
    return Setup(model, groups, nn.functional.mse_loss, _mse)


def _huber(model, batch):
    return nn.functional.huber_loss(model(batch[0]), batch[1])


def overflow_setup(seed: int) -> Setup:
    gen = torch.Generator().manual_seed(seed)
    model = _mlp(gen)
    batches = _batches(gen, OVERFLOW_STEPS)
    x, y = batches[CORRUPT_STEP - 1]
    x = x.clone()
    x[0, 0] = CORRUPT_VALUE  # one sample's feature read as garbage: finite, but huge
    batches[CORRUPT_STEP - 1] = (x, y)
    return Setup(model, batches, nn.functional.huber_loss, _huber)


# ---- the loops' source ----------------------------------------------------------------------


def _clip(max_norm: float, extra: str = "", indent: int = 4) -> str:
    return f"{' ' * indent}norm = clip_grad_norm_(params, max_norm={max_norm!r}{extra})"


def _head(loss: str, optimizer: str = "SGD", lr: float = 0.1) -> tuple[str, ...]:
    return (
        GIVEN.format(loss),
        "from torch.nn.utils import clip_grad_norm_",
        "params = list(model.parameters())",
        f"optimizer = torch.optim.{optimizer}(params, lr={lr!r})",
    )


def _loop(key: str, label: str, lines, marked: str | None = None, wrong: bool = False) -> Loop:
    lines = tuple(lines)
    return Loop(key, label, lines, None if marked is None else lines.index(marked), wrong)


def amp_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head = (
        *_head("mean squared error", lr=lr),
        'scaler = torch.amp.GradScaler("cpu")',
        "for x, y in batches:",
        "    optimizer.zero_grad()",
        '    with torch.autocast("cpu", dtype=torch.bfloat16):',
        "        loss = loss_fn(model(x), y)",
        "    scaler.scale(loss).backward()  # .grad holds scale × gradient",
    )
    clip, unscale = _clip(max_norm), "    scaler.unscale_(optimizer)"
    tail = ("    scaler.step(optimizer)", "    scaler.update()")
    return (
        _loop("buggy", "clip, then unscale_", (*head, clip, unscale, *tail), clip, True),
        _loop("correct", "unscale_, then clip", (*head, unscale, clip, *tail), clip),
    )


def accumulation_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head = (
        *_head("mean squared error", lr=lr),
        "for micro_batches in batches:  # one update per group of micro-batches",
        "    optimizer.zero_grad()",
        "    for x, y in micro_batches:",
        "        loss = loss_fn(model(x), y) / len(micro_batches)",
        "        loss.backward()  # .grad holds the running sum",
    )
    each, once, step = _clip(max_norm, indent=8), _clip(max_norm), "    optimizer.step()"
    return (
        _loop("buggy", "clip after every micro-batch", (*head, each, step), each, True),
        _loop("correct", "clip once, before step()", (*head, once, step), once),
    )


def _plain_head(loss: str, optimizer: str = "SGD", lr: float = 0.1) -> tuple[str, ...]:
    return (
        *_head(loss, optimizer, lr),
        "for x, y in batches:",
        "    optimizer.zero_grad()",
        "    loss = loss_fn(model(x), y)",
        "    loss.backward()",
    )


def after_step_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head, clip, step = (
        _plain_head("mean squared error", lr=lr),
        _clip(max_norm),
        "    optimizer.step()",
    )
    return (
        _loop("buggy", "clip after step()", (*head, step, clip), clip, True),
        _loop("correct", "clip before step()", (*head, clip, step), clip),
        _loop("none", "no clipping", (*head, step)),
    )


def overflow_loops(lr: float, max_norm: float) -> tuple[Loop, ...]:
    head = _plain_head("Huber loss", lr=lr)
    silent, loud = _clip(max_norm), _clip(max_norm, ", error_if_nonfinite=True")
    step = "    optimizer.step()"
    return (
        _loop("buggy", "default: silent", (*head, silent, step), silent, True),
        _loop("correct", "error_if_nonfinite=True", (*head, loud, step), loud),
    )


def threshold_loops(sgd_lr, adam_lr, high, low) -> tuple[Loop, ...]:
    loops = []
    for name, lr in (("SGD", sgd_lr), ("Adam", adam_lr)):
        head, step = _plain_head("mean squared error", name, lr), "    optimizer.step()"
        key = name.lower()
        loops.append(_loop(f"{key}-none", f"{name}, no clipping", (*head, step)))
        for which, where, c in (("never", "far above", high), ("always", "far below", low)):
            clip = _clip(c)
            label = f"{name}, max_norm={c!r} ({where} the norms)"
            loops.append(_loop(f"{key}-{which}", label, (*head, clip, step), clip, True))
    return tuple(loops)
