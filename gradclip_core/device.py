"""Pick the device a run trains on: CUDA, then MPS, then CPU."""

from __future__ import annotations

import torch


class DeviceError(ValueError):
    """A device was asked for by name but this machine does not have it."""


def available_devices() -> list[str]:
    """Devices this machine can train on, best first (always ends with ``"cpu"``)."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    found.append("cpu")
    return found


def resolve_device(name: str = "auto") -> torch.device:
    """Turn ``auto | cpu | cuda | mps`` into a ``torch.device``.

    Raises:
        DeviceError: when an unavailable device is asked for explicitly.
    """
    found = available_devices()
    if name == "auto":
        return torch.device(found[0])
    if name not in found:
        raise DeviceError(
            f"device={name!r} is not available on this machine; available: "
            f"{', '.join(found)} (or 'auto' to pick the best)"
        )
    return torch.device(name)
