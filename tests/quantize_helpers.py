"""Tiny models, adapters and GGUFs shared by the ``test_quantize_*`` files (built once a process).

A tiny random Llama (tests/tiny_models.py), a PEFT LoRA on all seven projections with a non-zero,
random B (``rlog_train.random_lora``: a fresh LoRA's B is zero and would change nothing), and their
GGUF conversions.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tiny_gguf import llama_gguf
from tiny_models import build_tiny_llama

# Fixed prompts (as token ids, BOS first) so HF and llama.cpp see exactly the same input.
PROMPTS = [
    "RAS KERNEL FATAL data TLB error interrupt",
    "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106",
    "<think>The log reports an error.</think><answer>",
]


@dataclass(frozen=True)
class TinyAssets:
    root: Path
    hf_dir: Path
    lora_dir: Path
    f32: Path
    f16: Path
    lora_gguf: Path


@functools.cache
def tiny_assets() -> TinyAssets:
    """Build the tiny model, its LoRA and their GGUFs once per test process."""
    from transformers import AutoModelForCausalLM

    from quantize.adapter import convert_adapter
    from rlog_train.random_lora import random_lora

    root = Path(tempfile.mkdtemp(prefix="rlog-quantize-tests-"))
    atexit.register(shutil.rmtree, root, True)
    hf_dir = build_tiny_llama(root / "tiny-llama")
    model = AutoModelForCausalLM.from_pretrained(hf_dir)
    peft_model = random_lora(model, rank=8, alpha=16, b_scale=0.05, seed=1)
    lora_dir = root / "tiny-lora"
    peft_model.save_pretrained(lora_dir)
    f32 = llama_gguf(hf_dir, root / "tiny.f32.gguf", "f32")
    f16 = llama_gguf(hf_dir, root / "tiny.f16.gguf", "f16")
    lora_gguf = convert_adapter(lora_dir, f32, root / "tiny-lora.gguf", "f32").path
    return TinyAssets(root, hf_dir, lora_dir, f32, f16, lora_gguf)


def prompt_ids(hf_dir: Path) -> list[list[int]]:
    """The fixed prompts as ids (BOS + the HF tokenizer's ids)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(hf_dir)
    return [[tokenizer.bos_token_id, *tokenizer(text)["input_ids"]] for text in PROMPTS]


def open_llama(path: Path, lora: Path | None = None):
    """A one-thread llama.cpp model; fails if an adapter was given but not applied."""
    from rlog_tui.engine.llama_open import open_llama as open_with_cpu_params

    llm = open_with_cpu_params(
        model_path=str(path),
        lora_path=str(lora) if lora else None,
        n_ctx=256,
        n_threads=1,
        n_threads_batch=1,
        logits_all=True,
        verbose=False,
    )
    if lora is not None:
        assert llm._lora_adapter, "llama.cpp rejected the adapter"  # 0.3.36: NULL is not None
    return llm


def llama_logits(path: Path, ids: list[int], lora: Path | None = None) -> np.ndarray:
    """llama.cpp's logits at every position of ``ids``."""
    llm = open_llama(path, lora)
    try:
        llm.eval(ids)
        return np.array(llm.scores[: len(ids)])
    finally:
        llm.close()


def llama_greedy(path: Path, prompts: list[list[int]], n: int, lora: Path | None = None):
    """llama.cpp's greedy continuation (``n`` ids) of each prompt, one model load."""
    llm = open_llama(path, lora)
    try:
        outputs = []
        for ids in prompts:
            llm.reset()
            llm.eval(ids)
            out = []
            for _ in range(n):
                token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
                out.append(token)
                llm.eval([token])
            outputs.append(out)
        return outputs
    finally:
        llm.close()


def hf_greedy(model, prompts: list[list[int]], n: int) -> list[list[int]]:
    """Hugging Face's greedy continuation (``n`` ids) of each prompt."""
    import torch

    outputs = []
    with torch.no_grad():
        for ids in prompts:
            tokens = list(ids)
            for _ in range(n):
                logits = model(torch.tensor([tokens])).logits[0, -1]
                tokens.append(int(torch.argmax(logits)))
            outputs.append(tokens[len(ids) :])
    return outputs


def hf_logits(model, ids: list[int]) -> np.ndarray:
    import torch

    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].numpy()


def hf_models(assets: TinyAssets):
    """(base, base+LoRA) Hugging Face models in eval mode."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(assets.hf_dir).eval()
    tuned = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(assets.hf_dir), assets.lora_dir
    ).eval()
    return base, tuned


def rewritten_adapter(
    source: Path,
    target: Path,
    *,
    arch: str | None = None,
    b_factor: float = 1.0,
    records: dict | None = None,
) -> Path:
    """A copy of a GGUF adapter with another architecture, its B halves multiplied, or more
    metadata (``rlog.*`` records as `rlog-quantize adapter` writes them: strings or id lists)."""
    import gguf

    from quantize.gguf_files import copy_metadata

    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(target, arch or str(reader.fields["general.architecture"].contents()))
    copy_metadata(reader, writer)
    for key, value in (records or {}).items():
        if isinstance(value, str):
            writer.add_string(key, value)
        else:
            writer.add_array(key, value)
    for tensor in reader.tensors:
        data = np.array(tensor.data)
        writer.add_tensor(tensor.name, data * b_factor if tensor.name.endswith("lora_b") else data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target
