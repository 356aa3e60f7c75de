"""What holding parsing answers to templates of their line costs and buys, in one run.

Run by hand: ``.venv/bin/python bench/template_rule.py [--adapter A] [--limit 20]
[--per-unseen-system 4]``. Each parsing example of a seeded sample of the seen and unseen test
splits is answered three times in turn on one llama.cpp thread (fast mode, through the engine the
TUI runs): unaided; under the rule as rlog serves it (``engine.template_constraint``: the model's
best-scored tokens checked, the rest masked); and under the same rule written as a GBNF grammar
(llama.cpp checks every token of the vocabulary at each step), the design not taken. Taking the
three in turn on each example keeps this shared machine's noise out of the ratios; the one that
goes first reads the prompt, the next two find it in llama.cpp's cache, so the order rotates from
one example to the next and the rule's own cost is read from the decoding time (time to answer
less time to the first token).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_train.evaluate import EvalOptions, build_sets
from rlog_train.evaluate.records import make_record
from rlog_train.evaluate.runner import generate_one, open_engine, request_for
from rlog_train.evaluate.summary import parsing_figures
from rlog_tui.models import choose_model
from rlog_tui.protocol import Task


def _literal(char: str) -> str:
    return f'"\\U{ord(char):08X}"'


def gbnf_template_rule(line: str) -> str:
    """The rule as GBNF, after the ``<answer>`` lead: each byte of the line copied, or a ``<*>``
    standing for any span (possibly empty) not followed by another ``<*>``."""
    n = len(line)
    rules = ['root ::= " "* s0']
    for i, char in enumerate(line):
        after = f"w{i + 1}" if i + 1 < n else "end"
        rules.append(f"w{i} ::= {_literal(char)} s{i + 1} | {after}")
        rules.append(f's{i} ::= {_literal(char)} s{i + 1} | "<*>" w{i}')
    rules.append(f's{n} ::= end | "<*>" end')
    rules.append('end ::= "</answer>"')
    return "\n".join(rules) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="base GGUF (default: embedded)")
    parser.add_argument("--adapter", default=None, help="GGUF LoRA adapter (default: shipped)")
    parser.add_argument("--limit", type=int, default=20, help="seen-system examples")
    parser.add_argument("--per-unseen-system", type=int, default=4)
    args = parser.parse_args()

    options = EvalOptions(
        tasks=(Task.PARSE,),
        limit=args.limit,
        per_unseen_system=args.per_unseen_system,
        fast=True,
        max_tokens=256,
    )
    sets = build_sets(options)
    engine = open_engine(choose_model(args.model, args.adapter), threads=1)
    variants = ("unaided", "rule (served)", "rule as GBNF")
    records: dict[str, dict[str, list]] = {v: {s.name: [] for s in sets} for v in variants}
    try:
        for eval_set in sets:
            for turn, example in enumerate(eval_set.examples):
                base = request_for(example, options)
                requests = (
                    replace(base, sampling=replace(base.sampling, template_rule=False)),
                    base,
                    replace(
                        base,
                        sampling=replace(
                            base.sampling,
                            template_rule=False,
                            grammar=gbnf_template_rule(example.lines[0]),
                        ),
                    ),
                )
                first = turn % len(variants)
                order = [*range(first, len(variants)), *range(first)]
                for variant, request in ((variants[i], requests[i]) for i in order):
                    generation = generate_one(engine, request)
                    records[variant][eval_set.name].append(
                        make_record(eval_set.name, example, generation)
                    )
    finally:
        engine.close()

    print(f"sample: {', '.join(f'{s.name} {len(s.examples)}' for s in sets)} (seed 0)")
    print(
        "| decoding | set | token-F1 | PA | time to answer, median | decoding time, median "
        "| vs unaided | tokens, mean |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for eval_set in sets:
        base_decoding = None
        for variant in variants:
            group = records[variant][eval_set.name]
            answered = [r.time_to_answer or r.total_time for r in group]
            decoding = [
                (r.time_to_answer or r.total_time) - (r.time_to_first_token or 0.0) for r in group
            ]
            median = statistics.median(decoding)
            base_decoding = base_decoding or median
            figures = parsing_figures(group)
            tokens = statistics.mean(r.completion_tokens for r in group)
            print(
                f"| {variant} | {eval_set.name} | {figures['token_f1']:.3f} | "
                f"{figures['pa']:.3f} | {statistics.median(answered):.2f} s | {median:.2f} s | "
                f"{median / base_decoding:.2f}x | {tokens:.1f} |"
            )


if __name__ == "__main__":
    main()
