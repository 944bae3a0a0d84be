"""gradclip's engine: small models, synthetic tasks, every clipping mode, an instrumented trainer.

Pure Python + torch + numpy + pandas; it never imports streamlit or plotly, so it runs from
tests, notebooks and its CLI (``python -m gradclip_core``).
"""

from .clipping import DEFAULT_THRESHOLDS, MODE_LABELS, ClipRecord, clip_gradients
from .config import ConfigError, TrainConfig
from .device import DeviceError, available_devices, resolve_device
from .divergence import Divergence
from .trainer import Trainer

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MODE_LABELS",
    "ClipRecord",
    "ConfigError",
    "DeviceError",
    "Divergence",
    "TrainConfig",
    "Trainer",
    "available_devices",
    "clip_gradients",
    "resolve_device",
]
