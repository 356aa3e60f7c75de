"""R-Log vs R-Log-fast on the same fixed sample, in one run: time to answer and efficacy retention.

Run by hand: ``.venv/bin/python bench/fast_mode.py [--model GGUF] [--adapter A] [--fast-model Q]
[--tasks parse,anomaly] [--limit 10]``. Full mode reasons first; fast mode answers first and stops
at ``</answer>``, optionally on a lighter quantization (``--fast-model``). Both run through
``rlog_tui``'s engine on one llama.cpp thread over the same seeded sample of the test splits, so
the ratio compares like with like on this noisy shared machine. The paper's target: 5x faster at
93% of the efficacy.

Time to answer is measured from the request to the closing ``</answer>``; a response that never
closes its answer counts its whole generation time (it kept the user waiting that long).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_train.evaluate import (
    EvalOptions,
    all_figures,
    build_sets,
    evaluate_gguf,
    headline_score,
)
from rlog_tui.protocol import parse_task_list


def answer_times(result) -> list[float]:
    return [
        r.time_to_answer if r.time_to_answer is not None else r.total_time for r in result.records
    ]


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="base GGUF (default: embedded)")
    parser.add_argument("--adapter", default=None, help="GGUF LoRA adapter for both modes")
    parser.add_argument("--fast-model", default=None, help="lighter GGUF for fast mode")
    parser.add_argument("--tasks", default="parse,anomaly")
    parser.add_argument("--limit", type=int, default=10, help="examples per test set")
    parser.add_argument("--max-tokens", type=int, default=512)
    args = parser.parse_args()

    tasks = parse_task_list(args.tasks)
    full_options = EvalOptions(tasks=tasks, limit=args.limit, max_tokens=args.max_tokens)
    fast_options = EvalOptions(tasks=tasks, limit=args.limit, max_tokens=args.max_tokens, fast=True)
    sets = build_sets(full_options)  # one sample for both modes
    full = evaluate_gguf(full_options, args.model, args.adapter, threads=1, sets=sets)
    fast = evaluate_gguf(
        fast_options,
        args.fast_model or args.model,
        args.adapter,
        threads=1,
        sets=sets,
    )
    full_times, fast_times = answer_times(full), answer_times(fast)
    full_score, fast_score = headline_score(all_figures(full)), headline_score(all_figures(fast))
    n = len(full.records)
    print(f"sample: {n} examples ({args.tasks}, {args.limit} per set, seed 0)")
    print("| mode | time to answer, median | p90 | efficacy (headline) | format OK |")
    print("|---|---|---|---|---|")
    for name, result, times, score in (
        ("full (reason first)", full, full_times, full_score),
        ("fast (answer first, stop at </answer>)", fast, fast_times, fast_score),
    ):
        ok = sum(r.format_ok for r in result.records)
        print(
            f"| {name} | {statistics.median(times):.2f} s | {p90(times):.2f} s | "
            f"{score:.3f} | {ok}/{len(result.records)} |"
        )
    speedup = statistics.median(full_times) / statistics.median(fast_times)
    retention = fast_score / full_score if full_score else float("nan")
    print(f"speed-up (median time to answer): {speedup:.1f}x; efficacy retention: {retention:.0%}")


if __name__ == "__main__":
    main()
