"""How many test prompts a smaller serving cut would have to spell in pieces, per cut size.

Run by hand: ``.venv/bin/python bench/vocabulary_coverage.py [--adapter A]``. The engine serves an
adapter over the base cut to its trained tokens plus every ASCII text token (151,290 of gemma's
262,144 rows, ``rlog_tui.engine.compact_base``); each generated token pays for every kept row, so a
smaller cut decodes faster (trained tokens alone: 1.85x), but a prompt piece outside the cut is
spelt in smaller pieces, and spelt words were copied badly (``bench/README.md``). Gemma's ids run
roughly from common to rare, so this asks whether the ASCII tokens with the lowest ids would do:
for each cut (trained + the N lowest-id ASCII tokens), how many of the README's test prompts (the
eval sample, seed 0, the full tokenizer as the engine splits them) hold a piece the cut lacks, and
how many such pieces in all. Tokenizer only: no generation, a few seconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_train.evaluate import EvalOptions, build_sets
from rlog_tui.engine.adapter_metadata import recorded_order, recorded_vocabulary
from rlog_tui.engine.compact_base import ascii_text_ids
from rlog_tui.models import embedded_adapter_path, embedded_model_path
from rlog_tui.protocol import parse_task_list
from rlog_tui.protocol.prompt import build_prompt

CUTS = (0, 10_000, 20_000, 40_000, 80_000)
"""ASCII tokens kept beyond the trained ones, lowest ids first (and then all of them)."""


def main() -> None:
    import llama_cpp

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=None, help="default: the shipped adapter")
    args = parser.parse_args()
    adapter = args.adapter or embedded_adapter_path()
    base = embedded_model_path()
    trained = {int(token) for token in recorded_vocabulary(adapter)}
    ascii_ids = sorted(set(ascii_text_ids(base)) - trained)
    tokenizer = llama_cpp.Llama(str(base), vocab_only=True, verbose=False)
    options = EvalOptions(
        tasks=parse_task_list("parse,anomaly,interpret,root-cause,solution"),
        limit=50,
        per_unseen_system=20,
        fast=True,
        recorded_order=recorded_order(adapter),
    )
    cuts = [*CUTS, len(ascii_ids)]
    print(f"{adapter.name}: {len(trained):,} trained tokens, {len(ascii_ids):,} other ASCII ones")
    headers = [f"+{cut:,} ASCII ({len(trained) + cut:,} rows)" for cut in cuts]
    print("| set | n | " + " | ".join(headers) + " |")
    print("|---|---|" + "---|" * len(cuts))
    for eval_set in build_sets(options):
        prompts = [
            tokenizer.tokenize(
                build_prompt(
                    ex.task, ex.lines, options.order, instruction=ex.instruction
                ).text.encode(),
                add_bos=False,
                special=True,
            )
            for ex in eval_set.examples
        ]
        cells = []
        for cut in cuts:
            kept = trained | set(ascii_ids[:cut])
            spelt = [sum(token not in kept for token in prompt) for prompt in prompts]
            cells.append(f"{sum(1 for n in spelt if n)} prompts ({sum(spelt)} pieces)")
        print(f"| {eval_set.name} | {len(prompts)} | " + " | ".join(cells) + " |")
    tokenizer.close()


if __name__ == "__main__":
    main()
