"""A Hugging Face Llama-family causal LM → a GGUF that llama.cpp loads (F32 or F16).

Written for the tiny test models (``tests/tiny_models.py``) and any Llama checkpoint with a
byte-level BPE tokenizer (GPT-2 style): hyper-parameters under the ``llama.*`` keys, tensor names
from gguf's own name map, q/k rows permuted for ggml's rope (see ``architectures``), norms kept in
F32, and the tokenizer as ``gpt2``/``gpt-2`` with its tokens, types and merges. Gemma 3 is not
converted here: its SentencePiece vocabulary and ``1 + w`` norms need a converter of their own, and
rlog ships its base as a GGUF already.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quantize.architectures import name_map, permute_rope_rows
from quantize.errors import BadInput, InputNotFound, UnsupportedInput
from quantize.gguf_files import ensure_free_space, write_tensors
from quantize.hf_files import read_json, read_model_weights
from rlog_tui.files import replaced_atomically

OUT_TYPES = ("f32", "f16")
_SKIPPED_SUFFIXES = ("rotary_emb.inv_freq",)

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called after each tensor."""


@dataclass(frozen=True, slots=True)
class ConvertedModel:
    """What ``convert_model`` wrote."""

    path: Path
    architecture: str
    n_tensors: int
    out_type: str


def convert_model(
    model_dir: Path, out_path: Path, out_type: str = "f16", progress: Progress | None = None
) -> ConvertedModel:
    """Write the Hugging Face model in ``model_dir`` as a GGUF at ``out_path``."""
    import gguf

    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise InputNotFound(f"model directory not found: {model_dir}")
    if out_type not in OUT_TYPES:
        raise UnsupportedInput(f"output type {out_type!r} is not one of {', '.join(OUT_TYPES)}")
    config = read_json(model_dir / "config.json", "model config")
    if config.get("model_type") not in ("llama", "mistral"):
        raise UnsupportedInput(
            f"model type {config.get('model_type')!r} cannot be converted (Llama family only)"
        )
    hp = _hyper_parameters(config)
    weights = read_model_weights(model_dir)
    tensors = _gguf_tensors(weights, hp, out_type)
    vocab = _vocabulary(model_dir, config, hp["vocab_size"])

    ensure_free_space(out_path, sum(array.nbytes for _, array in tensors) + (4 << 20))
    with replaced_atomically(Path(out_path)) as partial:
        writer = gguf.GGUFWriter(partial, "llama")
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
        write_tensors(writer, tensors, progress)
    return ConvertedModel(Path(out_path), "llama", len(tensors), out_type)


def _hyper_parameters(config: dict[str, Any]) -> dict[str, Any]:
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", "default") != "default":
        raise UnsupportedInput(f"rope scaling {rope.get('rope_type')!r} is not supported")
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
        if gguf_name is None:
            raise UnsupportedInput(f"no GGUF name for tensor {hf_name!r}")
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
    if model.get("type") != "BPE" or pre.get("type") != "ByteLevel":
        raise UnsupportedInput(
            "only byte-level BPE tokenizers (GPT-2 style) are converted; "
            f"found {model.get('type')!r} with pre-tokenizer {pre.get('type')!r}"
        )
    by_id: dict[int, str] = {int(i): tok for tok, i in model["vocab"].items()}
    special = {int(t["id"]) for t in data.get("added_tokens", []) if t.get("special")}
    for added in data.get("added_tokens", []):
        by_id[int(added["id"])] = added["content"]
    if max(by_id) >= vocab_size:
        raise BadInput(f"tokenizer has id {max(by_id)} beyond the model's vocab_size {vocab_size}")
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
