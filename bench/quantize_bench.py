"""gemma-3-270m base + LoRA at F16, Q8_0, Q4_K_M, Q4_0: size, speed, agreement with F16.

Why this shape: rlog ships the Q4_K_M base plus a separate adapter, and a fast variant may ship a
lighter merged file; each choice trades agreement with the full-precision model for size and
speed, so every candidate is measured against the same F16 reference, in the same run (machine
load hits both), on the same fixed prompts (``quantize.verify``).

The reference: the base dequantized to F16 (``llama_model_quantize`` to F16; Google's original
F16 weights are not shipped, so "F16" here means the Q4_K_M weights held exactly) with the adapter
merged in F16. Candidates are llama.cpp quantizations of that merged file, the product's own
configuration (Q4_K_M base + separate adapter), and a merge onto the Q4_K_M base with the adapted
matrices in Q8_0. Without ``--adapter-dir`` a random LoRA (r=16, seven projections, B ~ N(0, 0.01))
stands in for a trained one: agreement then measures how faithfully each format carries a LoRA,
not task quality (efficacy needs a trained adapter and ``rlog-quantize verify --efficacy``).

Run: ``OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python bench/quantize_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def random_lora_dir(base: Path, out_dir: Path, rank: int = 16) -> Path:
    """A random LoRA for the base (HF loads the GGUF dequantized: ~35 s on an idle machine)."""
    from transformers import AutoModelForCausalLM

    from rlog_train.random_lora import random_lora

    if (out_dir / "adapter_model.safetensors").exists():
        return out_dir
    model = AutoModelForCausalLM.from_pretrained(base.parent, gguf_file=base.name)
    peft_model = random_lora(model, rank=rank, alpha=2 * rank, b_scale=0.01, seed=0)
    peft_model.save_pretrained(out_dir)
    return out_dir


def machine() -> str:
    import llama_cpp

    from rlog_tui.engine.cpu_features import cpu_model

    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"llama-cpp-python {llama_cpp.__version__}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adapter-dir", type=Path, help="trained PEFT LoRA (default: random)")
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp dir)")
    parser.add_argument("--limit", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the rows as JSON")
    args = parser.parse_args()

    from quantize.adapter import convert_adapter
    from quantize.gguf_files import human_size
    from quantize.merge import merge_adapter
    from quantize.quantizer import quantize_model
    from quantize.verify import ModelSpec, verify
    from rlog_tui.models import embedded_model_path

    work = args.workdir or Path(tempfile.mkdtemp(prefix="rlog-quantize-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    base = embedded_model_path()
    started = time.perf_counter()
    lora_dir = args.adapter_dir or random_lora_dir(base, work / "random-lora")
    adapter = convert_adapter(lora_dir, base, work / "lora.f16.gguf", "f16").path
    base_f16 = quantize_model(base, work / "base.f16.gguf", "F16", allow_requantize=True).path
    ref = merge_adapter(base_f16, adapter, work / "merged.f16.gguf", "f16").path
    candidates = {"F16 (merged, reference)": ModelSpec(ref)}
    for qtype in ("Q8_0", "Q4_K_M", "Q4_0"):
        path = quantize_model(ref, work / f"merged.{qtype}.gguf", qtype).path
        candidates[f"{qtype} (merged)"] = ModelSpec(path)
    candidates["Q4_K_M base + F16 adapter (shipped)"] = ModelSpec(base, adapter)
    on_q4 = merge_adapter(base, adapter, work / "merged-on-q4.q8.gguf", "q8_0").path
    candidates["Q4_K_M base, adapted matrices merged as Q8_0"] = ModelSpec(on_q4)
    print(f"prepared in {time.perf_counter() - started:.0f} s; {machine()}", flush=True)

    rows = []
    for name, spec in candidates.items():
        report = verify(
            ModelSpec(ref),
            spec,
            ["anomaly", "parse"],
            args.limit,
            max_tokens=args.max_tokens,
            n_threads=args.threads,
        )
        row = {
            "model": name,
            "size": spec.file_bytes,
            "decode_tok_s": report.cand.decode_tok_s,
            "decode_ratio": report.cand.decode_tok_s / report.ref.decode_tok_s,
            "time_to_answer_s": report.cand.time_to_answer_s,
            "answer_ratio": report.cand.time_to_answer_s / report.ref.time_to_answer_s,
            "ref_decode_tok_s": report.ref.decode_tok_s,
            "top1_agreement": report.top1_agreement,
            "identical_outputs": report.identical_outputs,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    print(
        f"\n{machine()}; {args.limit} prompts, {args.max_tokens} new tokens, "
        f"{args.threads} thread(s)\n"
    )
    print(
        "| model | file size | decode tok/s | vs F16 in same run | time to answer | "
        "top-token agreement with F16 | identical outputs |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['model']} | {human_size(row['size'])} | {row['decode_tok_s']:.1f} | "
            f"{row['decode_ratio']:.2f}x | {row['time_to_answer_s']:.2f} s "
            f"({row['answer_ratio']:.2f}x) | {row['top1_agreement']:.1%} | "
            f"{row['identical_outputs']:.0%} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
