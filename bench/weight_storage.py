"""How the served base's weights are stored, and how fast one core reads a prompt and writes tokens.

Run by hand: ``.venv/bin/python bench/weight_storage.py [--adapter A] [--rounds 5]``. The served
copy of the base (cut to the adapter's trained vocabulary and the ASCII tokens,
``engine.compact_base``: Q5_0/Q4_K/Q6_K body, Q8_0 output matrix) is written again four ways into
a scratch folder: its output matrix (``token_embd``, tied) as Q5_0 or Q4_0, and its body matrices
dequantized and stored as F16 or F32. Each copy is opened by llama.cpp with the adapter applied,
one thread, and in each round every copy in turn reads the same prompt from an empty cache and
then writes 30 tokens one at a time, so this shared machine's load falls on all alike. Why: the
issue asks free-text answers within 1.5 s on one core, and these are the two costs such an answer
pays (model card, "Session 14"). Speed only: the copies' answers and scores are not checked.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from quantize.gguf_files import architecture, copy_metadata, open_gguf, write_added
from rlog_tui.config import cache_dir
from rlog_tui.engine.adapter_metadata import recorded_spelt_share, recorded_vocabulary
from rlog_tui.engine.compact_base import compact_base
from rlog_tui.engine.cpu_features import cpu_model
from rlog_tui.engine.llama_log import route_llama_logs
from rlog_tui.models import choose_model
from rlog_tui.protocol import OutputOrder, Task, build_prompt, select_format

LINE = (
    "2017-12-03T14:18:45.747195+00:00 app[web.1]: [autoindex:error] [pid 122] AH01276: Cannot "
    "serve directory /app/: No matching DirectoryIndex (index.php,index.html) found"
)
WRITTEN = 30
"""Tokens written one at a time per round."""


def rewritten(source: Path, target: Path, embedding: str | None, body: str | None) -> Path:
    """``source`` with ``token_embd`` stored as ``embedding`` and/or the body's quantized
    matrices as ``body`` (gguf's own reader and writer: slow, but a bench's scratch copy)."""
    from gguf import GGMLQuantizationType, GGUFWriter, quants

    reader = open_gguf(source, "served base")
    writer = GGUFWriter(target, architecture(reader))
    copy_metadata(reader, writer, skip=("general.architecture",))
    float_types = (GGMLQuantizationType.F32, GGMLQuantizationType.F16)
    for tensor in reader.tensors:
        if embedding and tensor.name == "token_embd.weight":
            kind = GGMLQuantizationType[embedding]
            values = quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
            writer.add_tensor(tensor.name, quants.quantize(values, kind), raw_dtype=kind)
        elif body and tensor.name.startswith("blk.") and tensor.tensor_type not in float_types:
            values = quants.dequantize(tensor.data, tensor.tensor_type)
            dtype = np.float16 if body == "F16" else np.float32
            writer.add_tensor(tensor.name, values.astype(dtype))
        else:
            writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    write_added(writer)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=None, help="default: the shipped one")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    route_llama_logs()  # llama.cpp's load messages to logging, not over the table
    choice = choose_model(None, args.adapter)
    adapter = choice.adapter_path
    vocabulary = recorded_vocabulary(adapter)
    if adapter is None or vocabulary is None:
        raise SystemExit("this bench needs an adapter that records its trained vocabulary")
    served = compact_base(
        choice.model_path,
        vocabulary,
        cache_dir() / "models",
        keep_ascii=recorded_spelt_share(adapter) == 0.0,
    ).path
    with tempfile.TemporaryDirectory(prefix="rlog-weights-") as scratch:
        variants = {"served (Q8_0 output, quantized body)": served}
        for label, embedding, body in (
            ("output matrix Q5_0", "Q5_0", None),
            ("output matrix Q4_0", "Q4_0", None),
            ("body F16", None, "F16"),
            ("body F32", None, "F32"),
        ):
            print(f"writing {label} …", flush=True)
            target = Path(scratch) / f"{embedding or body}.gguf"
            variants[label] = rewritten(served, target, embedding, body)
        sizes = {label: path.stat().st_size / 1e6 for label, path in variants.items()}
        read, write, prompt_tokens = measure(variants, adapter, args.rounds)

    print(f"machine: {cpu_model()}; one llama.cpp thread; {args.rounds} rounds")
    print(f"prompt: {prompt_tokens} tokens read from an empty cache; {WRITTEN} written one by one")
    print("| weights | file | prompt read, tokens/s | tokens written/s | read / write vs served |")
    print("|---|---|---|---|---|")
    base_read = statistics.median(read[next(iter(read))])
    base_write = statistics.median(write[next(iter(write))])
    for label in variants:
        r, w = statistics.median(read[label]), statistics.median(write[label])
        print(
            f"| {label} | {sizes[label]:.0f} MB | {r:.0f} | {w:.1f} | "
            f"{r / base_read:.2f}x / {w / base_write:.2f}x |"
        )


def measure(
    variants: dict[str, Path], adapter: Path, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], int]:
    """Per copy, each round's prompt-reading and token-writing rates, and the prompt's length."""
    import llama_cpp

    engines = {
        label: llama_cpp.Llama(
            model_path=str(path),
            lora_path=str(adapter),
            n_ctx=1024,
            n_threads=1,
            n_threads_batch=1,
            verbose=False,
        )
        for label, path in variants.items()
    }
    prompts = {
        label: llama.tokenize(
            build_prompt(
                Task.INTERPRET, [LINE], OutputOrder.ANSWER_FIRST, select_format(llama.metadata)
            ).text.encode("utf-8"),
            add_bos=True,
            special=True,
        )
        for label, llama in engines.items()
    }
    read: dict[str, list[float]] = {label: [] for label in engines}
    write: dict[str, list[float]] = {label: [] for label in engines}
    try:
        for _ in range(rounds):
            for label, llama in engines.items():
                tokens = prompts[label]
                llama.reset()
                started = time.perf_counter()
                llama.eval(tokens)
                read[label].append(len(tokens) / (time.perf_counter() - started))
                started = time.perf_counter()
                for token in tokens[:WRITTEN]:
                    llama.eval([token])
                write[label].append(WRITTEN / (time.perf_counter() - started))
    finally:
        for llama in engines.values():
            llama.close()
    return read, write, len(next(iter(prompts.values())))


if __name__ == "__main__":
    main()
