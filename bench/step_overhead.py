"""How much does the engine's instrumented step cost over a bare PyTorch training loop?

Times ``Trainer.step`` (clip by norm at 1.0, every metric recorded) against a plain loop in
the same process: the same forward, backward, ``clip_grad_norm_`` and ``optimizer.step()`` on
an identical model, fed the same batches by the same task object. Two bare loops: the one a
user writes (torch's default optimizer) and one with the engine's foreach optimizer, so the
second gap is the instrumentation alone. Many short blocks of steps are interleaved, the order
rotating each round, so drift in the machine hits all alike; each round gives a ratio (the
loop's block over the bare loop's block of the same round), and the table shows the median of
those paired ratios with their interquartile range (target: at most 1.05x). A ratio of two
medians over few long blocks moved by 10 % between identical loops on a shared 2-core machine;
paired over 30 short rounds it moves by about 1 %. A third bare loop, identical to the second,
is timed alike and set against it (A/A): the gap between two copies of the same code is the
noise of the run, printed last; a ratio within it is not resolved.

Run::

    .venv/bin/python bench/step_overhead.py            # 30 rounds x 50 steps per model
    .venv/bin/python bench/step_overhead.py --rounds 40 --steps 50
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
    # Plain SGD's update norms follow from the gradients; with momentum they are measured on
    # the weights (a copy before the step, a subtraction after): shown, not judged.
    "mlp, momentum 0.9": TrainConfig(model="mlp", task="regression", momentum=0.9),
}
JUDGED = ("rnn on adding (default)", "mlp on regression")  # issue 13's two defaults
COMMAND = "python bench/step_overhead.py"
TARGET = 1.05  # issue 13: instrumented step over the bare loop


class BareLoop:
    """The loop a user would write by hand, on a copy of the engine's model.

    ``foreach=None`` is torch's default optimizer (on the CPU: a Python loop over the tensors);
    ``foreach=True`` is the implementation the engine uses, so the gap is the instrumentation.
    """

    def __init__(self, trainer: Trainer, max_norm: float, foreach: bool | None = None):
        config = trainer.config
        self.model = copy.deepcopy(trainer.model)  # identical weights
        for module in self.model.modules():
            if isinstance(module, torch.nn.RNNBase):
                # A deep copy leaves cuDNN's weights in separate chunks, which it would compact
                # on every call: put them back in one, as the engine's model has them.
                module.flatten_parameters()
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.task = build_task(config, trainer.device)
        if config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.params, lr=config.lr, foreach=foreach)
        else:
            self.optimizer = torch.optim.SGD(
                self.params, lr=config.lr, momentum=config.momentum, foreach=foreach
            )
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


def _time_block(step, n: int, device: str = "cpu") -> tuple[float, float]:
    """Seconds per step: (this thread's CPU time, wall time). On a GPU the block waits for
    the device before and after, so wall time counts the kernels too."""
    if device == "cuda":
        torch.cuda.synchronize()
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(n):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.thread_time() - cpu) / n, (time.perf_counter() - wall) / n


BASELINES = {
    "user loop": None,  # torch's default optimizer: what a hand-written loop gets
    "same optimizer": True,  # foreach, as the engine: the gap is the instrumentation alone
}
# A second copy of the same-optimizer loop, timed like the others and set against the first:
# two identical loops, so its ratio is the noise of this machine at this moment (an A/A check).
# Ratios against the bare loops mean little when this one is far from 1.
NOISE = "A/A: bare vs bare"


def bench(
    config: TrainConfig, rounds: int, steps: int, warmup: int, device: str = "cpu"
) -> dict[str, dict]:
    config = config.replace(clip_mode="norm", threshold=1.0, device=device)
    trainer = Trainer(config, history_capacity=rounds * steps + warmup + 10)
    loops = {"engine": trainer.step}
    bares = {name: BareLoop(trainer, 1.0, foreach) for name, foreach in BASELINES.items()}
    loops.update({name: bare.step for name, bare in bares.items()})
    twin = BareLoop(trainer, 1.0, BASELINES["same optimizer"])
    loops[NOISE] = twin.step
    for step in loops.values():
        _time_block(step, warmup, device)
    times: dict[str, list] = {name: [] for name in loops}
    names = list(loops)
    for r in range(rounds):
        # Rotate who goes first, so no loop always runs on a warmer cache.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(_time_block(loops[name], steps, device))
    trainer.sync()
    out = {name: _row(times["engine"], times[name], trainer, bare) for name, bare in bares.items()}
    # the twin against the first copy: there the "engine" is the same bare loop
    first = bares["same optimizer"]
    out[NOISE] = _row(times["same optimizer"], times[NOISE], first, twin)
    return out


def _row(ahead: list, bare_times: list, a, b: BareLoop) -> dict:
    """Medians and ratios of two loops' blocks (``ahead`` over ``bare_times``), and the weight
    gap between their models after the run (the same arithmetic: 0)."""
    drift = max(
        float((x.detach() - y.detach()).abs().max())
        for x, y in zip(a.params, b.params, strict=True)
    )
    row = {"drift": drift, "diverged": getattr(a, "diverged", False)}
    for i, clock in enumerate(("cpu", "wall")):
        top = statistics.median(t[i] for t in ahead)
        plain = statistics.median(t[i] for t in bare_times)
        # Paired: each round's block over the bare loop's block of the same round.
        ratios = [e[i] / f[i] for e, f in zip(ahead, bare_times, strict=True)]
        low, mid, high = statistics.quantiles(ratios, n=4)
        row[clock] = (1e3 * top, 1e3 * plain, mid, low, high)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timing blocks per loop")
    parser.add_argument("--steps", type=int, default=50, help="steps per block")
    parser.add_argument("--warmup", type=int, default=50, help="untimed steps first")
    parser.add_argument(
        "--device", choices=("cpu", "cuda"), default="cpu", help="where the runs train"
    )
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.steps < 1 or args.warmup < 0:
        parser.error(
            "--rounds must be at least 2 (quartiles of the paired ratios), --steps at least 1 "
            "and --warmup at least 0"
        )
    if args.device == "cuda" and not torch.cuda.is_available():
        print("step_overhead: --device cuda needs a CUDA device; this machine has none.")
        return 2
    torch.set_num_threads(1)
    where = "CPU" if args.device == "cpu" else torch.cuda.get_device_name()
    print(
        f"$ {COMMAND} --rounds {args.rounds} --steps {args.steps} --warmup {args.warmup}"
        f" --device {args.device}"
    )
    print(
        f"torch {torch.__version__}, {where}, 1 thread; clip by norm at 1.0; "
        f"{args.rounds} interleaved rounds x {args.steps} steps, paired ratios; "
        f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n"
    )
    header = (
        f"{'case':<25}{'against':>16}{'engine ms':>11}{'bare ms':>9}{'ratio':>8}"
        f"{'IQR':>12}{'wall ratio':>12}{'max|w_e-w_b|':>14}"
    )
    print(header)
    print("-" * len(header))
    worst = {name: 0.0 for name in BASELINES}
    noise = 1.0  # the A/A rows' largest gap either way
    for case, config in CASES.items():
        result = bench(config, args.rounds, args.steps, args.warmup, args.device)
        for i, (name, r) in enumerate(result.items()):
            engine, plain, ratio, low, high = r["cpu"]
            judged = ratio if args.device == "cpu" else r["wall"][2]
            if case in JUDGED and name in worst:
                worst[name] = max(worst[name], judged)
            elif case in JUDGED:
                noise = max(noise, judged, 1 / judged)
            print(
                f"{case if i == 0 else '':<25}{name:>16}{engine:>11.3f}{plain:>9.3f}"
                f"{ratio:>7.3f}x{f'{low:.2f}-{high:.2f}':>12}{r['wall'][2]:>11.3f}x"
                f"{r['drift']:>14.3g}" + ("  (diverged!)" if r["diverged"] else "")
            )
    print(
        "\nms: median per step, this thread's CPU time (time.thread_time, steadier on a shared "
        "machine); ratio: median over the rounds of the paired ratios; wall ratio: the same "
        "with time.perf_counter.\nuser loop: torch's default "
        "optimizer (a Python loop over the tensors on the CPU); same optimizer: foreach, as "
        "the engine.\nIQR: the paired ratios' first and third quartiles. max|w_e-w_b|: weight "
        "gap after the run (0: the same arithmetic).\nA/A: two identical bare loops (foreach) "
        "timed alike, the first over the second: how far apart the same code measures here."
    )
    if args.device == "cuda":
        print(
            "On a GPU the step's time is mostly the host launching kernels; the wall ratio "
            "(kernels awaited at the end of each block) is the one to judge."
        )
    for name, ratio in worst.items():
        verdict = "meets" if ratio <= TARGET else "misses"
        clock = "CPU-time" if args.device == "cpu" else "wall"
        print(
            f"worst {clock} ratio of the two defaults against the {name}: {ratio:.3f}x "
            f"({verdict} {TARGET:.2f}x)"
        )
    print(
        f"noise: two identical bare loops differed by up to {noise:.3f}x on the two defaults; "
        "a ratio closer to 1 than that is not resolved by this run"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
