"""What the repeat guard on free-text answers costs per token and buys, in one run.

Run by hand: ``.venv/bin/python bench/repeat_guard.py [--adapter A] [--limit 10]``. Each example
of a seeded sample of the interpretation, root-cause and solution test sets is answered twice in
turn by one engine on one llama.cpp thread (fast mode, the product's requests): unaided, and under
the guard as rlog serves it (``engine.repeat_guard``: the response searched for runs it already
wrote at every step). Taking the two in turn on each example (``bench/ab_serving.py``) keeps this
shared machine's noise out of the ratio; the one that goes first reads the prompt, the other finds
it in llama.cpp's cache, so the guard's cost is read per decoded token.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ab_serving as ab

from rlog_tui.engine import Request

VARIANTS = ("unaided", "guard (served)")


def unaided(request: Request) -> Request:
    return replace(request, sampling=replace(request.sampling, guard_repeats=False))


def main() -> None:
    args = ab.sample_arguments(__doc__.splitlines()[0], "interpret,root-cause,solution")
    engine = ab.open_served(args.adapter, fold=False)
    runs = ab.take_turns([engine, engine], args, [unaided, lambda request: request])
    print(f"adapter: {args.adapter.name}; {args.limit} examples per set (seed 0), fast mode")
    print(
        "| decoding | set | well-formed | ROUGE-L | tokens, mean | decoding ms per token "
        "| vs unaided | same text as unaided |"
    )
    print("|---|---|---|---|---|---|---|---|")
    free = ab.by_set(runs[0])
    for variant, records in zip(VARIANTS, runs, strict=True):
        for name, group in ab.by_set(records).items():
            base = free[name]
            same = sum(r.raw_output == b.raw_output for r, b in zip(group, base, strict=True))
            tokens = sum(r.completion_tokens for r in group) / len(group)
            print(
                f"| {variant} | {name} | {sum(r.format_ok for r in group)}/{len(group)} | "
                f"{ab.figure(group):.1f} | {tokens:.0f} | {ab.per_token_ms(group):.1f} | "
                f"{ab.per_token_ms(group) / ab.per_token_ms(base):.2f}x | {same}/{len(group)} |"
            )


if __name__ == "__main__":
    main()
