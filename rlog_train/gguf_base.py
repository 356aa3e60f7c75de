"""Training bases: an HF model, a GGUF file (dequantized by transformers), or a compact base.

``load_base`` opens any of the three. A GGUF is how the embedded gemma-3-270m is trained:
transformers dequantizes it into an ordinary ``Gemma3ForCausalLM`` (fp32, ~35 s).

**The compact base** exists because the GPU machine receives at most 64 MiB per call while the
gemma GGUF is 253 MB, 178 MB of which is the 262,144-row token embedding. Training touches only a
few thousand of those rows, and a LoRA on the body's projections never touches them, so it
transfers unchanged to the full base. ``build_compact_base`` keeps the rows the training text
uses (prompts and completions, all tasks, both orders) plus every special/control token and the
256 byte-fallback pieces, and renumbers them ``0..K-1``.

The tokenizer is *permuted*, not trimmed: it keeps the full original vocabulary and merge rules,
only the ids change (kept pieces first, the rest after ``K``). Trimming a BPE vocabulary breaks
the merge chains that pass through dropped pieces, and wrapping a tokenizer to remap ids would
have to intercept every path TRL and ``generate`` use (``__call__``, ``batch_decode``, special
ids, padding). A permuted ``tokenizer.json`` is an ordinary fast tokenizer: it splits every text
into exactly the same pieces as the original, so text made of kept pieces maps to ids ``< K`` that
index the compact embedding, and a model whose head has ``K`` outputs can only generate kept
pieces. ``id_map.json`` (``new -> old``) records the renumbering for checks and for mapping back.

The body is stored in one of two ways:

- ``safetensors`` (bf16/f16/f32): an ordinary HF checkpoint, ``from_pretrained`` loads it. For
  gemma-3-270m the 100M body parameters alone are ~200 MB in bf16.
- ``gguf``: the GGUF's own quantized body tensors copied byte for byte, and the kept
  ``token_embd`` rows sliced out of their quantized blocks (a row is a whole number of blocks), in
  a small GGUF beside an HF ``config.json``. It is dequantized by transformers' own GGUF loader at
  load time, so the compact base holds exactly the values the full GGUF would load to, in about a
  third of the bf16 size. This is the form that travels to the GPU machine.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

COMPACT_MARKER = "compact_base.json"
ID_MAP = "id_map.json"
BODY_GGUF = "body.gguf"
TOKENIZER_JSON = "tokenizer.json"
BodyFormat = Literal["safetensors", "gguf"]
_BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")
_DTYPES = {"bf16": "bfloat16", "bfloat16": "bfloat16", "f16": "float16", "float16": "float16"}


def _torch_dtype(name: str | None) -> Any:
    import torch

    if name is None:
        return None
    return getattr(torch, _DTYPES.get(name, name))


def is_gguf(base: str | Path) -> bool:
    """Whether ``base`` names a GGUF file."""
    return str(base).lower().endswith(".gguf")


def is_compact_base(base: str | Path) -> bool:
    """Whether ``base`` is a folder written by ``build_compact_base``."""
    return (Path(base) / COMPACT_MARKER).is_file()


def load_tokenizer(base: str | Path) -> Any:
    """The tokenizer of a base (HF id/path, GGUF file or compact base)."""
    from transformers import AutoTokenizer

    if is_compact_base(base):
        _unpack_tokenizer(Path(base))
    if is_gguf(base):
        path = Path(base)
        return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return AutoTokenizer.from_pretrained(base)


def _unpack_tokenizer(folder: Path) -> None:
    """Unpack a compact base's ``tokenizer.json.gz`` (33 MB → 7 MB for Gemma's on the wire)."""
    packed, target = folder / (TOKENIZER_JSON + ".gz"), folder / TOKENIZER_JSON
    if packed.is_file() and not target.is_file():
        partial = target.with_suffix(".partial")
        with gzip.open(packed, "rb") as source, partial.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        partial.replace(target)


def load_base(base: str | Path, dtype: str | None = None) -> tuple[Any, Any]:
    """``(model, tokenizer)`` for an HF id/path, a GGUF file or a compact base folder."""
    from transformers import AutoModelForCausalLM

    torch_dtype = _torch_dtype(dtype)
    if is_compact_base(base):
        return load_compact_base(base, dtype), load_tokenizer(base)
    if is_gguf(base):
        path = Path(base)
        if not path.is_file():
            raise FileNotFoundError(f"GGUF base {path} not found")
        model = AutoModelForCausalLM.from_pretrained(
            path.parent, gguf_file=path.name, dtype=torch_dtype or "float32"
        )
        # Trainer refuses a model marked as GGUF-quantized even though its weights are
        # dequantized: the same weights in a model built from the config train (and save).
        return standalone_copy(model), load_tokenizer(path)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch_dtype or "auto")
    return model, load_tokenizer(base)


def plain_config(config: Any) -> Any:
    """A copy of ``config`` without the GGUF ``quantization_config`` a GGUF load leaves in it."""
    copy = config.__class__.from_dict(config.to_dict())
    if hasattr(copy, "quantization_config"):
        del copy.quantization_config
    return copy


def standalone_copy(model: Any) -> Any:
    """The same weights in a model built from its config (``save_pretrained`` refuses GGUF ones)."""
    from transformers import AutoModelForCausalLM

    fresh = AutoModelForCausalLM.from_config(plain_config(model.config), dtype=model.dtype)
    fresh.load_state_dict(model.state_dict())
    fresh.generation_config = model.generation_config
    return fresh


# --- compact base -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompactBaseReport:
    """What ``build_compact_base`` kept and wrote."""

    original_vocab: int
    kept_tokens: int
    used_by_data: int
    body_format: str
    dtype: str
    bytes_on_disk: int
    files: dict[str, int]


def used_token_ids(tokenizer: Any, texts: Iterable[str]) -> set[int]:
    """Ids of every token the tokenizer produces for ``texts`` (BOS included)."""
    used: set[int] = set()
    for text in texts:
        used.update(tokenizer(text)["input_ids"])
    return used


def always_kept_ids(tokenizer: Any) -> set[int]:
    """Special and control tokens, and byte-fallback pieces: kept whatever the data uses."""
    kept = set(tokenizer.all_special_ids)
    kept.update(tokenizer.added_tokens_decoder)
    for piece, index in tokenizer.get_vocab().items():
        if _BYTE_PIECE.match(piece):
            kept.add(index)
    return kept


def permute_tokenizer_json(data: dict[str, Any], new_of_old: dict[int, int]) -> dict[str, Any]:
    """A ``tokenizer.json`` with ids renumbered by ``new_of_old``; pieces and merges untouched."""
    model = data["model"]
    if model["type"] in ("BPE", "WordPiece", "WordLevel"):
        model["vocab"] = {piece: new_of_old[old] for piece, old in model["vocab"].items()}
    elif model["type"] == "Unigram":
        order = sorted(range(len(model["vocab"])), key=lambda old: new_of_old[old])
        model["vocab"] = [model["vocab"][old] for old in order]
        if model.get("unk_id") is not None:
            model["unk_id"] = new_of_old[model["unk_id"]]
    else:
        raise ValueError(f"cannot renumber a {model['type']} tokenizer")
    for token in data.get("added_tokens") or []:
        token["id"] = new_of_old[token["id"]]
    _permute_post_processor(data.get("post_processor"), new_of_old)
    return data


def _permute_post_processor(node: Any, new_of_old: dict[int, int]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ids" and isinstance(value, list):
                node[key] = [new_of_old[int(i)] for i in value]
            elif key in ("sep", "cls") and isinstance(value, list) and len(value) == 2:
                value[1] = new_of_old[int(value[1])]
            else:
                _permute_post_processor(value, new_of_old)
    elif isinstance(node, list):
        for item in node:
            _permute_post_processor(item, new_of_old)


def _save_permuted_tokenizer(tokenizer: Any, new_of_old: dict[int, int], out: Path) -> None:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    data = permute_tokenizer_json(json.loads(tokenizer.backend_tokenizer.to_str()), new_of_old)
    special = {
        name: getattr(tokenizer, name)
        for name in ("bos_token", "eos_token", "unk_token", "pad_token")
        if getattr(tokenizer, name, None)
    }
    permuted = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(json.dumps(data)),
        additional_special_tokens=[
            t for t in tokenizer.all_special_tokens if t not in special.values()
        ],
        **special,
    )
    permuted.padding_side = tokenizer.padding_side
    permuted.save_pretrained(out)


def _remap_config_ids(config: Any, new_of_old: dict[int, int]) -> None:
    for name in ("bos_token_id", "eos_token_id", "pad_token_id"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            setattr(config, name, new_of_old[value])
        elif isinstance(value, list):
            setattr(config, name, [new_of_old[v] for v in value])


def build_compact_base(
    base: str | Path,
    texts: Iterable[str],
    out_dir: str | Path,
    *,
    body: BodyFormat = "safetensors",
    dtype: str = "bf16",
    pack_tokenizer: bool = False,
) -> CompactBaseReport:
    """Write a compact training base of ``base`` for ``texts`` in ``out_dir`` (see module doc).

    ``pack_tokenizer`` gzips ``tokenizer.json`` (unpacked again on first load): Gemma's full
    vocabulary and merges are 33 MB of JSON, half of what one call to the GPU machine carries.
    """
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if body == "gguf" and not is_gguf(base):
        raise ValueError("body='gguf' needs a GGUF base")
    model, tokenizer = load_base(base)
    rows = model.get_input_embeddings().weight.shape[0]
    size = max(rows, len(tokenizer))
    used = used_token_ids(tokenizer, texts)
    kept = sorted((used | always_kept_ids(tokenizer)) & set(range(rows)))
    dropped = sorted(set(range(size)) - set(kept))
    new_of_old = {old: new for new, old in enumerate([*kept, *dropped])}

    _save_permuted_tokenizer(tokenizer, new_of_old, out)
    (out / ID_MAP).write_text(json.dumps(kept))

    config = plain_config(model.config)
    config.vocab_size = len(kept)
    if hasattr(config, "get_text_config"):
        config.get_text_config().vocab_size = len(kept)
    _remap_config_ids(config, new_of_old)
    index = torch.tensor(kept)
    vocab_params = {id(model.get_input_embeddings().weight)}
    if model.get_output_embeddings() is not None:
        vocab_params.add(id(model.get_output_embeddings().weight))
    vocab_names = {
        n for n, p in model.named_parameters(remove_duplicate=False) if id(p) in vocab_params
    }
    state = {
        name: (tensor[index] if name in vocab_names else tensor)
        for name, tensor in model.state_dict().items()
    }
    if body == "safetensors":
        from transformers import AutoModelForCausalLM

        compact = AutoModelForCausalLM.from_config(config, dtype=_torch_dtype(dtype))
        compact.load_state_dict(state)
        compact.generation_config = model.generation_config
        _remap_config_ids(compact.generation_config, new_of_old)
        compact.save_pretrained(out)
    else:
        config.save_pretrained(out)
        _write_body_gguf(Path(base), kept, out / BODY_GGUF)
    if pack_tokenizer:
        packed = out / (TOKENIZER_JSON + ".gz")
        with (out / TOKENIZER_JSON).open("rb") as source, gzip.open(packed, "wb") as sink:
            shutil.copyfileobj(source, sink)
        (out / TOKENIZER_JSON).unlink()
    files = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    report = CompactBaseReport(
        original_vocab=rows,
        kept_tokens=len(kept),
        used_by_data=len(used),
        body_format=body,
        dtype=dtype if body == "safetensors" else "gguf-quantized",
        bytes_on_disk=sum(files.values()),
        files=files,
    )
    (out / COMPACT_MARKER).write_text(json.dumps(asdict(report), indent=2))
    return report


def _write_body_gguf(source: Path, kept: list[int], target: Path) -> None:
    """Copy ``source``'s metadata (not its vocabulary) and tensors, only ``kept`` embedding rows."""
    import numpy as np
    from gguf import GGUFReader, GGUFValueType, GGUFWriter

    reader = GGUFReader(source)
    arch = reader.fields["general.architecture"].contents()
    writer = GGUFWriter(target, arch)
    for name, field in reader.fields.items():
        if name.startswith(("GGUF.", "tokenizer.")) or name == "general.architecture":
            continue
        vtype = field.types[0]
        sub = field.types[1] if vtype == GGUFValueType.ARRAY and len(field.types) > 1 else None
        writer.add_key_value(name, field.contents(), vtype, sub)
    rows = np.asarray(kept)
    for tensor in reader.tensors:
        # ``data`` is the logical array for float types, ``(rows, bytes per row)`` for quantized
        # ones: either way one row per token, and the writer derives the shape from it.
        data = tensor.data
        if tensor.name in ("token_embd.weight", "output.weight"):
            data = np.ascontiguousarray(data.reshape(data.shape[0], -1)[rows])
        writer.add_tensor(tensor.name, data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def load_compact_base(folder: str | Path, dtype: str | None = None) -> Any:
    """The model of a compact base (its tokenizer: ``load_tokenizer(folder)``)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    folder = Path(folder)
    torch_dtype = _torch_dtype(dtype)
    if not (folder / BODY_GGUF).is_file():
        return AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype or "auto")
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    config = plain_config(AutoConfig.from_pretrained(folder))
    model = AutoModelForCausalLM.from_config(config, dtype=torch_dtype)
    tensors = load_gguf_checkpoint(
        str(folder / BODY_GGUF), return_tensors=True, model_to_load=model, torch_dtype=torch_dtype
    )["tensors"]
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [name for name in missing if not _is_tied(model, name)]
    if missing or unexpected:
        raise ValueError(
            f"compact base {folder}: missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    if getattr(model.config, "tie_word_embeddings", False):
        model.tie_weights()
    return model


def _is_tied(model: Any, name: str) -> bool:
    return name.startswith("lm_head") and getattr(model.config, "tie_word_embeddings", False)
