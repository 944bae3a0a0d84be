"""How long does the explain grader take per answer?

Grades every answer of the given answer files (default: every ``tests/content/explain_answers*
.toml``) once to warm up, then again timed, and prints the CPU time per answer (median over
rounds, and the slowest answer) and the whole-suite time. The grader runs when a learner checks
an explanation and thousands of times in the tests, so this is both a latency and a CI figure.

Run::

    .venv/bin/python bench/grader_speed.py                 # every answer file, 3 rounds
    .venv/bin/python bench/grader_speed.py --rounds 1 tests/content/explain_answers_blind68.toml
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradclip_core.quiz import load_bank  # noqa: E402
from gradclip_core.quiz.grading import grade_explanation  # noqa: E402


def _answers(files: list[Path]) -> list[tuple]:
    prompts = {p.id: p for p in load_bank(ROOT / "lessons" / "quiz").explain}
    out = []
    for path in files:
        for pid, by in tomllib.loads(path.read_text(encoding="utf-8")).items():
            out += [(prompts[pid], a) for kind in ("good", "wrong") for a in by.get(kind, [])]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="answer files (TOML)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    args = parser.parse_args(argv)
    files = args.files or sorted((ROOT / "tests" / "content").glob("explain_answers*.toml"))
    missing = [str(f) for f in files if not f.is_file()]
    if missing or args.rounds < 1:
        print(
            f"grader_speed: no such file: {', '.join(missing)}"
            if missing
            else "grader_speed: --rounds must be at least 1",
            file=sys.stderr,
        )
        return 2
    answers = _answers(files)
    for item, answer in answers:  # warm-up: compiled claims, caches
        grade_explanation(item, answer)
    totals, slowest = [], 0.0
    for _ in range(args.rounds):
        start = time.process_time()
        for item, answer in answers:
            t = time.process_time()
            grade_explanation(item, answer)
            slowest = max(slowest, time.process_time() - t)
        totals.append(time.process_time() - start)
    per = statistics.median(totals) / len(answers) * 1000
    print(
        f"{len(answers):,} answers from {len(files)} file{'s' * (len(files) > 1)}, "
        f"{args.rounds} round{'s' * (args.rounds > 1)}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"CPU per answer: median {per:.1f} ms; slowest answer {slowest * 1000:.0f} ms")
    print(f"all answers once: {statistics.median(totals):.0f} s of CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
