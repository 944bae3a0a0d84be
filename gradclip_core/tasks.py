"""Synthetic, seeded tasks generated on the run's device. Nothing is downloaded.

Each task draws a fresh batch per step from a generator seeded by ``(seed, step)``, so any
step's batch can be drawn again (the divergence diagnosis replays the step that failed), and
knows its baseline loss: the loss of predicting the mean (or the class prior).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .config import TrainConfig


@dataclass
class Batch:
    x: torch.Tensor  # (B, n_in) or (B, T, n_in)
    y: torch.Tensor  # (B, 1) targets, or (B,) class indices


class Task(ABC):
    """A stream of batches plus the loss that scores a model's output."""

    name = ""
    description = ""
    n_in = 1
    n_out = 1
    baseline = 1.0  # loss of the best constant prediction

    def __init__(self, config: TrainConfig, device: torch.device):
        self.config = config
        self.device = device
        self._gen = torch.Generator(device=device)

    def sample(self, step: int) -> Batch:
        """The batch of ``step`` (the same step gives the same batch)."""
        self._gen.manual_seed(self.config.seed * 1_000_003 + step)
        return self._draw(self.config.batch_size, self._gen)

    def loss(self, output: torch.Tensor, batch: Batch) -> torch.Tensor:
        return F.mse_loss(output, batch.y)

    def _rand(self, *shape: int, gen: torch.Generator) -> torch.Tensor:
        return torch.rand(*shape, generator=gen, device=self.device)

    @abstractmethod
    def _draw(self, batch_size: int, gen: torch.Generator) -> Batch:
        """A fresh batch of ``batch_size`` examples drawn with ``gen``."""


class AddingProblem(Task):
    """Hochreiter & Schmidhuber's adding problem: add the two marked numbers of a sequence."""

    name = "adding"
    description = "add the two marked numbers in a long sequence (needs long memory)"
    n_in = 2
    baseline = 1 / 6  # Var(u1 + u2) for u ~ U(0, 1): predicting 1.0 scores this MSE

    def _draw(self, batch_size, gen):
        T = self.config.seq_len
        values = self._rand(batch_size, T, gen=gen)  # (B, T)
        # One mark in the first half, one in the second, so the answer spans the sequence.
        first = (self._rand(batch_size, gen=gen) * (T // 2)).long()
        second = T // 2 + (self._rand(batch_size, gen=gen) * (T - T // 2)).long()
        # A scatter, not ``marks[rows, first] = 1``: indexing with tensors synchronises a GPU.
        marks = torch.zeros_like(values).scatter_(1, torch.stack([first, second], dim=1), 1.0)
        y = (values * marks).sum(dim=1, keepdim=True)  # (B, 1)
        return Batch(torch.stack([values, marks], dim=-1), y)  # x: (B, T, 2)


class FirstValue(Task):
    """Remember the first number of the sequence and output it at the end."""

    name = "first-value"
    description = "recall the first number after T steps (simpler memory task)"
    baseline = 1 / 12  # Var(U(0, 1))

    def _draw(self, batch_size, gen):
        x = self._rand(batch_size, self.config.seq_len, 1, gen=gen)  # (B, T, 1)
        return Batch(x, x[:, 0].clone())  # y: (B, 1)


class Regression(Task):
    """Fit y = sin(2 x1) + x2 x3 + 0.5 x4 from 8 Gaussian features (plus a little noise)."""

    name = "regression"
    description = "fit a smooth nonlinear function of 8 inputs"
    n_in = 8
    # Var(sin(2 x)) + Var(x2 x3) + Var(0.5 x4) + noise, x ~ N(0, 1):
    baseline = (1 - math.exp(-8)) / 2 + 1.0 + 0.25 + 0.01

    def _draw(self, batch_size, gen):
        x = torch.randn(batch_size, self.n_in, generator=gen, device=self.device)  # (B, 8)
        noise = 0.1 * torch.randn(batch_size, generator=gen, device=self.device)
        y = torch.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] + noise
        return Batch(x, y.unsqueeze(1))


class Spirals(Task):
    """Classify points of three interleaved 2-D spirals."""

    name = "spirals"
    description = "tell apart three interleaved 2-D spirals"
    n_in = 2
    n_out = 3
    baseline = math.log(3)  # cross-entropy of a uniform guess over 3 balanced classes

    def loss(self, output, batch):
        return F.cross_entropy(output, batch.y)

    def _draw(self, batch_size, gen):
        label = (self._rand(batch_size, gen=gen) * self.n_out).long()  # (B,)
        r = self._rand(batch_size, gen=gen)  # radius in [0, 1)
        theta = 4.0 * r + label * (2 * math.pi / self.n_out)
        theta = theta + 0.2 * torch.randn(batch_size, generator=gen, device=self.device)
        x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)  # (B, 2)
        return Batch(x * 2.0, label)


TASKS = {cls.name: cls for cls in (AddingProblem, FirstValue, Regression, Spirals)}


def build_task(config: TrainConfig, device: torch.device) -> Task:
    """The task a config names, generating its batches on ``device``."""
    return TASKS[config.task](config, device)
