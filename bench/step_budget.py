"""The step budget against measured steps: is the cost model right where its limits bite?

For each model, the largest configs the budget allows (every size at its maximum, the batch as
large as fits) and a few more, each measured in a fresh process with one torch thread: CPU
time per step and the peak memory a step adds (``ru_maxrss`` after the steps minus before the
first one). Prints the estimate beside the measurement; the limits are ``LIMIT_MS`` and
``LIMIT_MB`` in ``gradclip_core/budget.py``.

Usage::

    .venv/bin/python bench/step_budget.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradclip_core.budget import LIMIT_MB, LIMIT_MS, largest_batch, step_cost  # noqa: E402
from gradclip_core.config import TrainConfig  # noqa: E402

_CHILD = """
import json, resource, sys, time, torch
torch.set_num_threads(1)
from gradclip_core.config import TrainConfig
from gradclip_core.trainer import Trainer
config = TrainConfig.from_dict(json.loads(sys.argv[1]))
trainer = Trainer(config.replace(lr=1e-5, init_scale=0.5))  # stays finite: every step runs
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
trainer.step()
cpu = time.process_time()
for _ in range(3):
    trainer.step()
ms = (time.process_time() - cpu) / 3 * 1000
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"ms": ms, "mb": (peak - before) / 1024}))
"""


def _configs() -> list[TrainConfig]:
    out = []
    for model in ("rnn", "gru", "lstm"):
        big = TrainConfig(model=model, width=256, seq_len=200)
        out.append(big.replace(batch_size=largest_batch(big)))
        mid = TrainConfig(model=model, width=64, seq_len=200)
        out.append(mid.replace(batch_size=largest_batch(mid)))
        short = TrainConfig(model=model, width=128, seq_len=50)
        out.append(short.replace(batch_size=largest_batch(short)))
    deep = TrainConfig(model="mlp", task="regression", depth=24, width=256)
    out.append(deep.replace(batch_size=largest_batch(deep)))
    wide = TrainConfig(model="mlp", task="regression", depth=4, width=256)
    out.append(wide.replace(batch_size=largest_batch(wide)))
    return out


def measure(config: TrainConfig) -> dict:
    values = {k: v for k, v in config.to_dict().items() if v != ""}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(values)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    print(f"limits: {LIMIT_MS:.0f} ms and {LIMIT_MB:.0f} MB per step (estimated)\n")
    print(
        f"{'config':<34}{'est ms':>8}{'meas ms':>9}{'est MB':>8}{'meas MB':>9}"
        f"{'ms ratio':>10}{'MB ratio':>10}"
    )
    worst_ms = worst_mb = 0.0
    for config in _configs():
        est, got = step_cost(config), measure(config)
        sizes = f"T{config.seq_len}" if config.is_sequence else f"depth {config.depth}"
        name = f"{config.model} w{config.width} {sizes} b{config.batch_size}"
        worst_ms, worst_mb = max(worst_ms, got["ms"]), max(worst_mb, got["mb"])
        print(
            f"{name:<34}{est.ms:>8.1f}{got['ms']:>9.1f}{est.mb:>8.1f}{got['mb']:>9.1f}"
            f"{got['ms'] / est.ms:>10.2f}{got['mb'] / max(est.mb, 1e-9):>10.2f}"
        )
    print(f"\nlargest measured step among allowed configs: {worst_ms:.0f} ms, {worst_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
