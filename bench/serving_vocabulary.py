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

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ab_serving as ab

from quantize.gguf_files import copy_metadata, open_gguf, write_added
from rlog_train.evaluate.runner import open_engine
from rlog_tui.engine.cpu_features import cpu_model
from rlog_tui.models import choose_model
from rlog_tui.protocol.decoding import VOCABULARY_METADATA_KEY


def without_vocabulary(adapter: Path, target: Path) -> Path:
    """A copy of ``adapter`` that does not record its trained vocabulary."""
    import gguf

    reader = open_gguf(adapter, "adapter")
    writer = gguf.GGUFWriter(target, str(reader.fields["general.architecture"].contents()))
    copy_metadata(reader, writer, skip=(VOCABULARY_METADATA_KEY, "general.architecture"))
    for tensor in reader.tensors:
        writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    write_added(writer)
    return target


def main() -> None:
    args = ab.sample_arguments(__doc__.splitlines()[0], "parse,interpret")
    names = ("whole vocabulary (262,144)", "trained vocabulary")
    with tempfile.TemporaryDirectory() as scratch:
        whole = without_vocabulary(args.adapter, Path(scratch) / "adapter-whole-vocabulary.gguf")
        paths = (whole, args.adapter)
        engines = [open_engine(choose_model(None, path), threads=1) for path in paths]
        runs = ab.take_turns(engines, args)
    print(f"machine: {cpu_model()}, one llama.cpp thread; adapter {args.adapter.name}; seed 0")
    print("| served over | set | n | ms per generated token | time to answer, median | figure |")
    print("|---|---|---|---|---|---|")
    timings: dict[str, list[tuple[float, float]]] = {}
    for name, records_of_run in zip(names, runs, strict=True):
        for set_name, records in ab.by_set(records_of_run).items():
            ms, answer = ab.per_token_ms(records), ab.median_seconds(records, "time_to_answer")
            timings.setdefault(set_name, []).append((ms, answer))
            print(
                f"| {name} | {set_name} | {len(records)} | {ms:.1f} | {answer:.2f} s | "
                f"{ab.figure(records):.3f} |"
            )
    for set_name, ((whole_ms, whole_answer), (kept_ms, kept_answer)) in timings.items():
        print(
            f"{set_name}: per token {whole_ms / kept_ms:.2f}x faster, "
            f"time to answer {whole_answer / kept_answer:.2f}x faster"
        )


if __name__ == "__main__":
    main()
