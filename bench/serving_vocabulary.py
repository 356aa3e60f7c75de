"""Serving an adapter over its trained vocabulary vs over the base's whole vocabulary, in one run.

Run by hand: ``.venv/bin/python bench/serving_vocabulary.py [--adapter A] [--tasks parse,interpret]
[--limit 10]``. The adapter (default: the shipped one) records the vocabulary it was trained over,
so the engine serves the base cut to it (``rlog_tui.engine.compact_base``); the baseline is the same
adapter with that record removed, which the engine serves over gemma's whole 262,144 tokens (and
without the trained-vocabulary rule: its bias costs nothing measurable, 51.2 vs 51.6 ms per token).
Both engines are open at once and take turns on each example of the same seeded sample (the
product's engine and requests, ``rlog_train.evaluate``; one llama.cpp thread, greedy), so other
load on a shared machine falls on both alike.

Per set: milliseconds per generated token (after the first), median time to answer (request to
``</answer>``), and the set's figure (token-F1 for parsing, ROUGE-L for free text, F1 for A.D.).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quantize.gguf_files import copy_metadata, open_gguf
from rlog_train.evaluate import EvalOptions, build_sets
from rlog_train.evaluate.records import make_record
from rlog_train.evaluate.runner import generate_one, open_engine, request_for
from rlog_tui.engine.adapter_metadata import recorded_order
from rlog_tui.engine.cpu_features import cpu_model
from rlog_tui.models import choose_model, embedded_adapter_path
from rlog_tui.protocol import parse_task_list
from rlog_tui.protocol.decoding import VOCABULARY_METADATA_KEY


def without_vocabulary(adapter: Path, target: Path) -> Path:
    """A copy of ``adapter`` that does not record its trained vocabulary."""
    import gguf

    reader = open_gguf(adapter, "adapter")
    writer = gguf.GGUFWriter(target, str(reader.fields["general.architecture"].contents()))
    copy_metadata(reader, writer, skip=(VOCABULARY_METADATA_KEY, "general.architecture"))
    for tensor in reader.tensors:
        writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def per_token_ms(records) -> float:
    """Decode time per generated token after the first, over all records of a set."""
    spent = sum(r.total_time - r.time_to_first_token for r in records if r.completion_tokens > 1)
    tokens = sum(r.completion_tokens - 1 for r in records if r.completion_tokens > 1)
    return 1000 * spent / max(tokens, 1)


def answer_time(records) -> float:
    return statistics.median(
        r.time_to_answer if r.time_to_answer is not None else r.total_time for r in records
    )


def figure(records) -> float:
    values = [r.metric.get(key) for r in records for key in ("token_f1", "rouge_l", "correct")]
    values = [float(v) for v in values if v is not None]
    return statistics.fmean(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=None, help="default: the shipped adapter")
    parser.add_argument("--tasks", default="parse,interpret")
    parser.add_argument("--limit", type=int, default=10, help="examples per test set")
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()

    adapter = args.adapter or embedded_adapter_path()
    options = EvalOptions(
        tasks=parse_task_list(args.tasks),
        limit=args.limit,
        max_tokens=args.max_tokens,
        fast=True,
        recorded_order=recorded_order(adapter),
    )
    sets = build_sets(options)
    runs: dict[str, list] = {"whole vocabulary (262,144)": [], "trained vocabulary": []}
    with tempfile.TemporaryDirectory() as scratch:
        whole = without_vocabulary(adapter, Path(scratch) / "adapter-whole-vocabulary.gguf")
        engines = [open_engine(choose_model(None, path), threads=1) for path in (whole, adapter)]
        try:
            turn = 0
            for eval_set in sets:
                for example in eval_set.examples:
                    order = [0, 1] if turn % 2 == 0 else [1, 0]
                    turn += 1
                    for index in order:
                        generation = generate_one(engines[index], request_for(example, options))
                        record = make_record(eval_set.name, example, generation)
                        list(runs.values())[index].append(record)
        finally:
            for engine in engines:
                engine.close()
    print(f"machine: {cpu_model()}, one llama.cpp thread; adapter {adapter.name}; seed 0")
    print("| served over | set | n | ms per generated token | time to answer, median | figure |")
    print("|---|---|---|---|---|---|")
    by_set: dict[str, dict[str, tuple[float, float]]] = {}
    for name, records_of_run in runs.items():
        groups: dict[str, list] = {}
        for record in records_of_run:
            groups.setdefault(record.set, []).append(record)
        for set_name, records in groups.items():
            ms, answer = per_token_ms(records), answer_time(records)
            by_set.setdefault(set_name, {})[name] = (ms, answer)
            print(
                f"| {name} | {set_name} | {len(records)} | {ms:.1f} | {answer:.2f} s | "
                f"{figure(records):.3f} |"
            )
    for set_name, pair in by_set.items():
        (whole_ms, whole_answer), (kept_ms, kept_answer) = pair.values()
        print(
            f"{set_name}: per token {whole_ms / kept_ms:.2f}x faster, "
            f"time to answer {whole_answer / kept_answer:.2f}x faster"
        )


if __name__ == "__main__":
    main()
