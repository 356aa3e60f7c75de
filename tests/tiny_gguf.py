"""The tests' tiny Hugging Face Llama → a GGUF that llama.cpp loads (F32 or F16).

Only the tests need it: they build a tiny random Llama (``tiny_models.py``) and need real GGUF
files of it to quantize, merge and verify. Hyper-parameters go under the ``llama.*`` keys, tensor
names come from gguf's own name map, q/k rows are permuted for ggml's rope with the product's
``quantize.architectures`` (the adapter converter uses the same permutation, so a wrong one shows
here against Hugging Face's logits), norms stay F32, and the byte-level BPE tokenizer is written as
``gpt2``/``gpt-2`` with its tokens, types and merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quantize.architectures import name_map, permute_rope_rows
from quantize.gguf_files import write_tensors
from quantize.hf_files import read_json, read_safetensors

OUT_TYPES = ("f32", "f16")
_SKIPPED_SUFFIXES = ("rotary_emb.inv_freq",)


def llama_gguf(model_dir: Path, out_path: Path, out_type: str = "f16") -> Path:
    """Write the tiny Hugging Face Llama in ``model_dir`` as a GGUF at ``out_path``."""
    import gguf

    assert out_type in OUT_TYPES, out_type
    config = read_json(model_dir / "config.json", "model config")
    assert config.get("model_type") == "llama", config.get("model_type")
    hp = _hyper_parameters(config)
    weights = read_safetensors(model_dir / "model.safetensors")
    tensors = _gguf_tensors(weights, hp, out_type)
    vocab = _vocabulary(model_dir, config, hp["vocab_size"])

    writer = gguf.GGUFWriter(out_path, "llama")
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(model_dir.name)
    writer.add_file_type(
        gguf.LlamaFileType.ALL_F32 if out_type == "f32" else gguf.LlamaFileType.MOSTLY_F16
    )
    writer.add_context_length(hp["context_length"])
    writer.add_embedding_length(hp["hidden"])
    writer.add_block_count(hp["n_layers"])
    writer.add_feed_forward_length(hp["ffn"])
    writer.add_head_count(hp["n_head"])
    writer.add_head_count_kv(hp["n_head_kv"])
    writer.add_key_length(hp["head_dim"])
    writer.add_value_length(hp["head_dim"])
    writer.add_rope_dimension_count(hp["head_dim"])
    writer.add_rope_freq_base(hp["rope_theta"])
    writer.add_layer_norm_rms_eps(hp["rms_eps"])
    writer.add_vocab_size(hp["vocab_size"])
    _add_vocabulary(writer, vocab)
    write_tensors(writer, tensors)
    return out_path


def _hyper_parameters(config: dict[str, Any]) -> dict[str, Any]:
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    assert rope.get("rope_type", "default") == "default", rope
    n_head = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    return {
        "hidden": hidden,
        "n_layers": int(config["num_hidden_layers"]),
        "ffn": int(config["intermediate_size"]),
        "n_head": n_head,
        "n_head_kv": int(config.get("num_key_value_heads") or n_head),
        "head_dim": int(config.get("head_dim") or hidden // n_head),
        "rope_theta": float(rope.get("rope_theta", config.get("rope_theta", 10000.0))),
        "rms_eps": float(config.get("rms_norm_eps", 1e-6)),
        "context_length": int(config.get("max_position_embeddings", 2048)),
        "vocab_size": int(config["vocab_size"]),
    }


def _gguf_tensors(
    weights: dict[str, np.ndarray], hp: dict[str, Any], out_type: str
) -> list[tuple[str, np.ndarray]]:
    names = name_map("llama", hp["n_layers"])
    out: list[tuple[str, np.ndarray]] = []
    for hf_name in sorted(weights):
        if hf_name.endswith(_SKIPPED_SUFFIXES):
            continue
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        assert gguf_name is not None, f"no GGUF name for tensor {hf_name!r}"
        array = np.asarray(weights[hf_name], dtype=np.float32)
        if hf_name.endswith("self_attn.q_proj.weight"):
            array = permute_rope_rows(array, hp["n_head"])
        elif hf_name.endswith("self_attn.k_proj.weight"):
            array = permute_rope_rows(array, hp["n_head_kv"])
        # Norms (1-D) stay F32: llama.cpp expects them so and they are tiny.
        if out_type == "f16" and array.ndim >= 2:
            array = array.astype(np.float16)
        out.append((gguf_name, np.ascontiguousarray(array)))
    return out


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    tokens: list[str]
    types: list[int]
    merges: list[str]
    special_ids: dict[str, int]
    add_bos: bool


def _vocabulary(model_dir: Path, config: dict[str, Any], vocab_size: int) -> _Vocabulary:
    import gguf

    data = read_json(model_dir / "tokenizer.json", "tokenizer")
    model = data.get("model") or {}
    pre = data.get("pre_tokenizer") or {}
    assert model.get("type") == "BPE" and pre.get("type") == "ByteLevel", "byte-level BPE only"
    by_id: dict[int, str] = {int(i): tok for tok, i in model["vocab"].items()}
    special = {int(t["id"]) for t in data.get("added_tokens", []) if t.get("special")}
    for added in data.get("added_tokens", []):
        by_id[int(added["id"])] = added["content"]
    assert max(by_id) < vocab_size, "tokenizer ids beyond the model's vocab_size"
    tokens, types = [], []
    for token_id in range(vocab_size):
        if token_id in by_id:
            tokens.append(by_id[token_id])
            types.append(gguf.TokenType.CONTROL if token_id in special else gguf.TokenType.NORMAL)
        else:
            tokens.append(f"[PAD{token_id}]")
            types.append(gguf.TokenType.UNUSED)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    special_ids = {
        key: int(config[f"{key}_token_id"])
        for key in ("bos", "eos", "pad", "unk")
        if isinstance(config.get(f"{key}_token_id"), int)
    }
    post = data.get("post_processor") or {}
    add_bos = "bos" in special_ids and any(
        "SpecialToken" in piece and piece["SpecialToken"]["id"] == by_id[special_ids["bos"]]
        for piece in post.get("single", [])
    )
    return _Vocabulary(tokens, [int(t) for t in types], merges, special_ids, add_bos)


def _add_vocabulary(writer: Any, vocab: _Vocabulary) -> None:
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    writer.add_token_merges(vocab.merges)
    adders = {
        "bos": writer.add_bos_token_id,
        "eos": writer.add_eos_token_id,
        "pad": writer.add_pad_token_id,
        "unk": writer.add_unk_token_id,
    }
    for key, token_id in vocab.special_ids.items():
        adders[key](token_id)
    writer.add_add_bos_token(vocab.add_bos)
    writer.add_add_eos_token(False)
