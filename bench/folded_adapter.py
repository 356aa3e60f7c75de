"""The shipped adapter folded into the served copy vs applied by llama.cpp at every step, one run.

Run by hand: ``.venv/bin/python bench/folded_adapter.py [--adapter A] [--tasks parse,interpret]
[--limit 10]``. Both engines serve the same adapter over the same cut base
(``engine.compact_base``); one has it folded into the copy's matrices as Q8_0 (``engine.lora_fold``,
``LlamaSettings.fold_adapter=True``), the baseline loads it as a llama.cpp LoRA adapter (what the
product serves). Both are open at once and take turns on each example of the
same seeded sample (the product's engine and requests, ``rlog_train.evaluate``; one llama.cpp
thread, greedy, fast mode), so other load on a shared machine falls on both alike.

``--q8-base FILE`` adds a third engine: the base with the adapter's target matrices stored again
as Q8_0 and nothing added (``rlog-quantize merge --type q8_0 --scale 0``), the adapter applied at
every step; it tells how much of folding's gain is Q8_0's arithmetic, not the adapter's steps.

Per set: milliseconds per generated token (after the first), median time to the first token (mostly
reading the prompt), median time to answer (request to ``</answer>``), the set's figure (token-F1
for parsing, ROUGE-L for free text, accuracy for A.D.), and how many answers are the same text.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ab_serving as ab

from rlog_tui.engine.cpu_features import cpu_model

RUNS = ("applied at every step (served, baseline)", "folded into the copy")
Q8_RUN = "Q8_0 base, applied at every step"


def main() -> None:
    every_task = "parse,anomaly,interpret,root-cause,solution"
    args = ab.sample_arguments(
        __doc__.splitlines()[0], every_task, ("--q8-base", {"type": Path, "default": None})
    )
    engines = [ab.open_served(args.adapter, fold) for fold in (False, True)]
    names = list(RUNS)
    if args.q8_base:
        engines.append(ab.open_served(args.adapter, False, model=args.q8_base))
        names.append(Q8_RUN)
    runs = ab.take_turns(engines, args)
    print(f"machine: {cpu_model()}, one llama.cpp thread; adapter {args.adapter.name}; fast mode")
    print(
        "| adapter | set | n | ms per token | first token | time to answer | figure | same answer |"
    )
    print("|---|---|---|---|---|---|---|---|")
    timings: dict[str, list[tuple[float, float, float]]] = {}
    baseline = ab.by_set(runs[0])
    for name, records_of_run in zip(names, runs, strict=True):
        for set_name, records in ab.by_set(records_of_run).items():
            pairs = zip(records, baseline[set_name], strict=True)
            same = sum(record.answer == other.answer for record, other in pairs)
            ms = ab.per_token_ms(records)
            first = ab.median_seconds(records, "time_to_first_token")
            answer = ab.median_seconds(records, "time_to_answer")
            timings.setdefault(set_name, []).append((ms, first, answer))
            print(
                f"| {name} | {set_name} | {len(records)} | {ms:.1f} | {first:.2f} s | "
                f"{answer:.2f} s | {ab.figure(records):.3f} | {same}/{len(records)} |"
            )
    for set_name, ((ms0, first0, answer0), *others) in timings.items():
        for name, (ms1, first1, answer1) in zip(names[1:], others, strict=True):
            print(
                f"{set_name}, {name}: per token {ms0 / ms1:.2f}x, first token "
                f"{first0 / first1:.2f}x, time to answer {answer0 / answer1:.2f}x faster"
            )


if __name__ == "__main__":
    main()
