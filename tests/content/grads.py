"""A parameter holding a given gradient, and one AGC unit: what the content tests clip to check a
claim."""

from __future__ import annotations

import torch


def param_with_grad(values) -> torch.nn.Parameter:
    """A float32 parameter of zeros whose ``.grad`` is ``values``."""
    p = torch.nn.Parameter(torch.zeros(len(values)))
    p.grad = torch.tensor(values, dtype=torch.float32)
    return p


def agc_unit(w: torch.Tensor, g: torch.Tensor, lam: float, floor: float) -> torch.Tensor:
    """One AGC unit (Brock et al., 2021): g scaled so ‖g‖ / max(‖w‖, floor) is at most lam."""
    ratio = g.norm() / torch.clamp(w.norm(), min=floor)
    return g * (lam / ratio) if ratio > lam else g


def agc_rows(w: torch.Tensor, g: torch.Tensor, lam: float) -> torch.Tensor:
    wn = w.norm(dim=1, keepdim=True).clamp_min(1e-3)
    gn = g.norm(dim=1, keepdim=True)
    return g * (lam * wn / gn).clamp(max=1.0)
