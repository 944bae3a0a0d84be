"""How much does the engine's instrumented step cost over a bare PyTorch training loop?

Times ``Trainer.step`` (clip by norm at 1.0, every metric recorded) against a plain loop in
the same process: the same forward, backward, ``clip_grad_norm_`` and ``optimizer.step()`` on
an identical model, fed the same batches by the same task object. Blocks of steps are
interleaved (engine, bare, bare, engine, ...) so drift in the machine hits both alike; the
table shows the median time per step of each and their ratio (target: at most 1.10x).

Run::

    .venv/bin/python bench/step_overhead.py            # 7 rounds x 200 steps per model
    .venv/bin/python bench/step_overhead.py --rounds 9 --steps 300
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradclip_core.config import TrainConfig  # noqa: E402
from gradclip_core.tasks import build_task  # noqa: E402
from gradclip_core.trainer import Trainer  # noqa: E402

CASES = {
    "rnn on adding (default)": TrainConfig(),
    "mlp on regression": TrainConfig(model="mlp", task="regression"),
}
COMMAND = "python bench/step_overhead.py"


class BareLoop:
    """The loop a user would write by hand, on a copy of the engine's model."""

    def __init__(self, trainer: Trainer, max_norm: float):
        config = trainer.config
        self.model = copy.deepcopy(trainer.model)  # identical weights
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.task = build_task(config, trainer.device)
        if config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.params, lr=config.lr)
        else:
            self.optimizer = torch.optim.SGD(self.params, lr=config.lr, momentum=config.momentum)
        self.max_norm = max_norm
        self.steps_done = 0

    def step(self) -> None:
        # Nothing is read back: a hand-written loop that logs its loss would pay for that too.
        batch = self.task.sample(self.steps_done)
        self.optimizer.zero_grad()
        loss = self.task.loss(self.model(batch.x), batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.max_norm)
        self.optimizer.step()
        self.steps_done += 1


def _time_block(step, n: int) -> tuple[float, float]:
    """Seconds per step: (this thread's CPU time, wall time)."""
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(n):
        step()
    return (time.thread_time() - cpu) / n, (time.perf_counter() - wall) / n


def bench(config: TrainConfig, rounds: int, steps: int, warmup: int) -> dict[str, float]:
    config = config.replace(clip_mode="norm", threshold=1.0, device="cpu")
    trainer = Trainer(config, history_capacity=rounds * steps + warmup + 10)
    bare = BareLoop(trainer, 1.0)
    _time_block(trainer.step, warmup)
    _time_block(bare.step, warmup)
    engine_times, bare_times = [], []
    for r in range(rounds):
        # Alternate who goes first, so neither always runs on a warmer cache.
        order = ((trainer.step, engine_times), (bare.step, bare_times))
        for step, out in order if r % 2 == 0 else order[::-1]:
            out.append(_time_block(step, steps))
    trainer.sync()
    # Same arithmetic, so after the same steps both models hold the same weights.
    drift = max(
        float((a.detach() - b.detach()).abs().max())
        for a, b in zip(trainer.params, bare.params, strict=True)
    )
    out = {"drift": drift, "diverged": trainer.diverged}
    for i, clock in enumerate(("cpu", "wall")):
        engine = statistics.median(t[i] for t in engine_times)
        plain = statistics.median(t[i] for t in bare_times)
        ratios = [e[i] / b[i] for e, b in zip(engine_times, bare_times, strict=True)]
        out[clock] = (1e3 * engine, 1e3 * plain, engine / plain, min(ratios), max(ratios))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing blocks per loop")
    parser.add_argument("--steps", type=int, default=200, help="steps per block")
    parser.add_argument("--warmup", type=int, default=50, help="untimed steps first")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"$ {COMMAND} --rounds {args.rounds} --steps {args.steps} --warmup {args.warmup}")
    print(
        f"torch {torch.__version__}, CPU, 1 thread; clip by norm at 1.0; "
        f"{args.rounds} interleaved rounds x {args.steps} steps, medians; "
        f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n"
    )
    header = (
        f"{'case':<25}{'clock':>6}{'engine ms/step':>16}{'bare ms/step':>14}{'ratio':>8}"
        f"{'round ratios':>16}{'max|w_e-w_b|':>14}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, config in CASES.items():
        r = bench(config, args.rounds, args.steps, args.warmup)
        worst = max(worst, r["cpu"][2])
        for clock in ("cpu", "wall"):
            engine, plain, ratio, low, high = r[clock]
            label, drift = (name, f"{r['drift']:.3g}") if clock == "cpu" else ("", "")
            print(
                f"{label:<25}{clock:>6}{engine:>16.3f}{plain:>14.3f}{ratio:>7.3f}x"
                f"{f'{low:.2f}-{high:.2f}':>16}{drift:>14}"
                + ("  (diverged!)" if r["diverged"] and clock == "cpu" else "")
            )
    verdict = "meets" if worst <= 1.10 else "misses"
    print(
        "\ncpu: this thread's CPU time (time.thread_time), steadier on a shared machine; "
        "wall: time.perf_counter.\nround ratios: lowest and highest engine/bare over the "
        "rounds. max|w_e-w_b|: weight gap after the run (0: same arithmetic)."
    )
    print(f"worst CPU-time ratio {worst:.3f}x: {verdict} the 1.10x target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
