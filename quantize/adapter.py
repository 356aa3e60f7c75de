"""A PEFT LoRA adapter (safetensors) → a GGUF LoRA adapter that llama.cpp applies to a base GGUF.

The adapter is checked against the base it will run on, before anything is written: same
architecture, every target module has a tensor of that name in the base, and shapes agree. Tensor
names come from gguf's name map for the base's architecture; B matrices of q/k projections are
permuted per head exactly like the base's q/k rows were (``architectures``), since ``B @ A`` must
land in the base's row order. llama.cpp scales each pair by ``alpha / rank`` with rank read from
the tensors, which is PEFT's scaling when one ``lora_alpha`` holds for all modules; rsLoRA
(``alpha / sqrt(r)``) is written as the equivalent ``alpha * sqrt(r)``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quantize.architectures import arch_info, name_map, permute_rope_rows
from quantize.errors import AdapterMismatch, BadInput, InputNotFound, UnsupportedInput
from quantize.gguf_files import (
    architecture,
    ensure_free_space,
    field_value,
    open_gguf,
    write_tensors,
)
from quantize.hf_files import read_json, read_json_value, read_safetensors
from rlog_tui.files import replaced_atomically
from rlog_tui.protocol import ORDER_METADATA_KEY, OutputOrder
from rlog_tui.protocol.decoding import SPELT_PIECES_METADATA_KEY, VOCABULARY_METADATA_KEY

OUT_TYPES = ("f16", "f32")
COMPACT_ID_MAP = "id_map.json"
"""A compact training base's list of kept original token ids (``rlog_train``'s compact base)."""
_PEFT_PREFIX = "base_model.model."

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class LoraPair:
    """One adapted matrix: ``delta = scale * b @ a`` for base tensor ``target``."""

    target: str
    a: np.ndarray
    """Shape (rank, n_in)."""
    b: np.ndarray
    """Shape (n_out, rank)."""


@dataclass(frozen=True, slots=True)
class ConvertedAdapter:
    """What ``convert_adapter`` wrote."""

    path: Path
    architecture: str
    alpha: float
    n_pairs: int
    ranks: tuple[int, ...]
    out_type: str


def convert_adapter(
    adapter_dir: Path,
    base_path: Path,
    out_path: Path,
    out_type: str = "f16",
    progress: Progress | None = None,
    output_order: str | None = None,
    vocabulary: Path | None = None,
) -> ConvertedAdapter:
    """Convert the PEFT LoRA in ``adapter_dir`` for the base GGUF ``base_path`` to ``out_path``.

    ``output_order`` (default: the single order the run was trained on, from its
    ``run_config.json``) is recorded as ``rlog.output_order``: the TUI asks the model in that
    order outside fast mode, so the mode is the adapter's own, not guessed. ``vocabulary`` (a
    compact base folder or its ``id_map.json``; default: the compact base ``run_config.json``
    names, when it is on this machine) is recorded as ``rlog.trained_vocabulary``: served tokens
    stay within what training scored (``protocol.decoding``).
    """
    import gguf

    if out_type not in OUT_TYPES:
        raise UnsupportedInput(f"adapter type {out_type!r} is not one of {', '.join(OUT_TYPES)}")
    adapter_dir = Path(adapter_dir)
    if not adapter_dir.exists():
        raise InputNotFound(f"adapter directory not found: {adapter_dir}")
    if not adapter_dir.is_dir():
        raise BadInput(
            f"adapter must be a PEFT directory (adapter_config.json + weights): {adapter_dir}"
        )
    config = read_json(adapter_dir / "adapter_config.json", "adapter config")
    alpha = _alpha(config, adapter_dir)
    weights = _adapter_weights(adapter_dir)
    base = open_gguf(base_path, "base model")
    arch = architecture(base)
    _check_trained_architecture(config, arch, base_path)
    pairs = _pairs_for_base(weights, base, arch, adapter_dir)
    ranks = sorted({pair.a.shape[0] for pair in pairs})
    if config.get("use_rslora"):
        if len(ranks) != 1:
            raise UnsupportedInput("rsLoRA with different ranks per module is not supported")
        alpha *= math.sqrt(ranks[0])

    dtype = np.float16 if out_type == "f16" else np.float32
    tensors: list[tuple[str, np.ndarray]] = []
    for pair in pairs:
        tensors.append((_lora_name(pair.target, "a"), np.ascontiguousarray(pair.a, dtype=dtype)))
        tensors.append((_lora_name(pair.target, "b"), np.ascontiguousarray(pair.b, dtype=dtype)))
    trained_ids = trained_vocabulary(adapter_dir, vocabulary)
    ensure_free_space(out_path, sum(array.nbytes for _, array in tensors) + (1 << 20))
    with replaced_atomically(Path(out_path)) as partial:
        writer = gguf.GGUFWriter(partial, arch)
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_name(f"{adapter_dir.name} (LoRA)")
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
        order = output_order or trained_order(adapter_dir)
        if order:
            writer.add_string(ORDER_METADATA_KEY, order)
        if trained_ids is not None:
            writer.add_array(VOCABULARY_METADATA_KEY, trained_ids)
            if spelt := trained_spelt_share(adapter_dir):
                writer.add_float32(SPELT_PIECES_METADATA_KEY, spelt)
        writer.add_file_type(
            gguf.LlamaFileType.MOSTLY_F16 if out_type == "f16" else gguf.LlamaFileType.ALL_F32
        )
        write_tensors(writer, tensors, progress)
    return ConvertedAdapter(Path(out_path), arch, float(alpha), len(pairs), tuple(ranks), out_type)


def trained_order(adapter_dir: Path) -> str | None:
    """The output order a run trained on alone (``run_config.json``), or None (both, unknown)."""
    path = Path(adapter_dir) / "run_config.json"
    if not path.is_file():
        return None
    orders = read_json(path, "run config").get("orders")
    if orders == "label-only":  # X→Y: the answer block alone, served answer-first
        return str(OutputOrder.ANSWER_FIRST)
    return str(OutputOrder(orders)) if orders in tuple(OutputOrder) else None


def trained_spelt_share(adapter_dir: Path) -> float:
    """The share of log words the run spelt in pieces (``run_config.json``'s ``spelt_pieces``)."""
    path = Path(adapter_dir) / "run_config.json"
    share = read_json(path, "run config").get("spelt_pieces") if path.is_file() else None
    return float(share) if isinstance(share, int | float) and share > 0 else 0.0


def trained_vocabulary(adapter_dir: Path, given: Path | None = None) -> list[int] | None:
    """The original token ids a run's softmax covered, when it trained on a compact base.

    ``given`` names the compact base (or its ``id_map.json``); without it, the base the run's
    ``run_config.json`` names is used when it is a compact base present here. None: an ordinary
    base (the whole vocabulary was trained), or a compact base not on this machine (logged).
    """
    if given is None:
        path = Path(adapter_dir) / "run_config.json"
        base = read_json(path, "run config").get("base") if path.is_file() else None
        if not base or not (Path(base) / COMPACT_ID_MAP).is_file():
            if base and Path(base).suffix == "" and not Path(base).exists():
                log.warning("the run's base %s is not here: no trained vocabulary recorded", base)
            return None
        given = Path(base)
    id_map = given / COMPACT_ID_MAP if given.is_dir() else given
    if not id_map.is_file():
        raise InputNotFound(f"no {COMPACT_ID_MAP} for the trained vocabulary: {given}")
    ids = read_json_value(id_map, "compact base id map")
    if not isinstance(ids, list) or not all(isinstance(i, int) and i >= 0 for i in ids):
        raise BadInput(f"{id_map} is not a list of token ids")
    return ids


def _lora_name(target: str, which: str) -> str:
    return f"{target}.lora_{which}"


def _alpha(config: dict[str, Any], adapter_dir: Path) -> float:
    """The one ``lora_alpha`` llama.cpp can express, or a refusal for what it cannot."""
    peft_type = str(config.get("peft_type", "")).upper()
    if peft_type != "LORA":
        raise UnsupportedInput(
            f"adapter type {peft_type or 'unknown'!r} is not LoRA: {adapter_dir}"
        )
    if config.get("use_dora"):
        raise UnsupportedInput("DoRA adapters cannot run in llama.cpp; train without use_dora")
    if config.get("bias", "none") != "none":
        raise UnsupportedInput("LoRA bias terms are not supported; train with bias='none'")
    if config.get("alpha_pattern"):
        raise UnsupportedInput("per-module lora_alpha (alpha_pattern) is not supported")
    if config.get("modules_to_save"):
        raise UnsupportedInput(
            "modules_to_save (fully trained layers) cannot go in a LoRA adapter; "
            "merge in HF instead"
        )
    alpha = config.get("lora_alpha")
    if not isinstance(alpha, int | float):
        raise BadInput(f"adapter config has no numeric lora_alpha: {adapter_dir}")
    return float(alpha)


# Hugging Face ``model_type`` → the GGUF architecture llama.cpp gives that model.
_HF_TO_GGUF_ARCH = {
    "llama": "llama",
    "mistral": "llama",
    "gemma": "gemma",
    "gemma2": "gemma2",
    "gemma3": "gemma3",
    "gemma3_text": "gemma3",
    "qwen2": "qwen2",
    "qwen3": "qwen3",
    "phi3": "phi3",
}


def _check_trained_architecture(config: dict[str, Any], arch: str, base_path: Path) -> None:
    """Refuse when the adapter's own base model (if still on disk) is another architecture."""
    trained_on = config.get("base_model_name_or_path")
    if not trained_on or not (Path(trained_on) / "config.json").is_file():
        return
    model_type = read_json(Path(trained_on) / "config.json", "base config").get("model_type")
    expected = _HF_TO_GGUF_ARCH.get(str(model_type))
    if expected and expected != arch:
        raise AdapterMismatch(
            f"adapter was trained on a {model_type} model but {base_path} is {arch}"
        )


def _adapter_weights(adapter_dir: Path) -> dict[str, np.ndarray]:
    path = adapter_dir / "adapter_model.safetensors"
    if not path.is_file():
        if (adapter_dir / "adapter_model.bin").is_file():
            raise UnsupportedInput(
                f"{adapter_dir} holds adapter_model.bin; save with safe_serialization=True"
            )
        raise InputNotFound(f"adapter weights not found: {path}")
    return read_safetensors(path)


def _module_name(key: str) -> tuple[str, str] | None:
    """``(module, "A"|"B")`` for a PEFT LoRA weight key, else None."""
    for which in ("A", "B"):
        suffix = f".lora_{which}.weight"
        if key.endswith(suffix):
            module = key[: -len(suffix)]
            return module.removeprefix(_PEFT_PREFIX), which
    return None


def _pairs_for_base(
    weights: dict[str, np.ndarray], base: Any, arch: str, adapter_dir: Path
) -> list[LoraPair]:
    """The adapter's A/B pairs named and shaped for ``base`` (a GGUFReader), checked."""
    info = arch_info(arch)
    n_blocks = int(field_value(base, f"{arch}.block_count", 0))
    n_head = int(field_value(base, f"{arch}.attention.head_count", 0))
    n_head_kv = int(field_value(base, f"{arch}.attention.head_count_kv", n_head))
    names = name_map(arch, n_blocks)
    base_shapes = {t.name: tuple(int(n) for n in t.shape) for t in base.tensors}

    modules: dict[str, dict[str, np.ndarray]] = {}
    for key, array in weights.items():
        parsed = _module_name(key)
        if parsed is None:
            raise UnsupportedInput(f"adapter tensor {key!r} is not a LoRA A/B weight")
        module, which = parsed
        modules.setdefault(module, {})[which] = array
    if not modules:
        raise BadInput(f"adapter holds no LoRA weights: {adapter_dir}")

    pairs: list[LoraPair] = []
    for module in sorted(modules, key=_natural_key):
        parts = modules[module]
        if set(parts) != {"A", "B"}:
            raise BadInput(f"adapter module {module} lacks its lora_A or lora_B weight")
        target = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if target is None or target not in base_shapes:
            raise AdapterMismatch(
                f"adapter module {module} has no tensor in the {arch} base "
                f"({target or 'no GGUF name'}): adapter trained for another model?"
            )
        a = np.asarray(parts["A"], dtype=np.float32)
        b = np.asarray(parts["B"], dtype=np.float32)
        n_in, n_out = base_shapes[target][0], base_shapes[target][1]
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
            raise BadInput(f"adapter module {module}: lora_A {a.shape} and lora_B {b.shape} differ")
        if a.shape[1] != n_in or b.shape[0] != n_out:
            raise AdapterMismatch(
                f"adapter module {module} maps {a.shape[1]}→{b.shape[0]} but base tensor "
                f"{target} is {n_in}→{n_out}: adapter trained for another model?"
            )
        if info.permute_qk and target.endswith("attn_q.weight"):
            b = permute_rope_rows(b, n_head)
        elif info.permute_qk and target.endswith("attn_k.weight"):
            b = permute_rope_rows(b, n_head_kv)
        pairs.append(LoraPair(target, a, b))
    return pairs


def _natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in name.split(".")]
