"""A parameter holding a given gradient: what the content tests clip to check a claim."""

from __future__ import annotations

import torch


def param_with_grad(values) -> torch.nn.Parameter:
    """A float32 parameter of zeros whose ``.grad`` is ``values``."""
    p = torch.nn.Parameter(torch.zeros(len(values)))
    p.grad = torch.tensor(values, dtype=torch.float32)
    return p
