"""Base GGUF + GGUF LoRA adapter → one merged GGUF that runs without the adapter.

Each targeted matrix is dequantized, gets ``scale * B @ A`` added (``scale = alpha / rank``,
llama.cpp's own rule, times an optional user factor) and is written as F16, Q8_0 or F32. Every
other tensor is copied byte for byte (norms stay F32, the embedding keeps its type), and every
metadata key is kept. The adapter's own ``rlog.*`` records (the output order it was trained on, its
trained vocabulary) are carried into the merged file, so rlog serves it as it served base + adapter
(``engine.adapter_metadata`` reads them from a model that has no adapter). Re-quantizing a merged
model to the base's Q4 grid would erase most of the adapter (rounding undoes a small delta), so the
merge output types stop at Q8_0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quantize.errors import AdapterMismatch, BadInput, UnsupportedInput
from quantize.gguf_files import (
    architecture,
    copy_metadata,
    ensure_free_space,
    field_value,
    open_gguf,
)
from rlog_tui.engine.lora_fold import (
    LoraPairs,
    LoraUnreadable,
    LoraUnsupported,
    fold,
    folded_type,
    lora_pairs,
    misfit,
)
from rlog_tui.files import replaced_atomically

OUT_TYPES = ("f16", "q8_0", "f32")
RLOG_PREFIX = "rlog."
"""The adapter's metadata keys that describe how it was trained, carried into the merged file."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class MergedModel:
    """What ``merge_adapter`` wrote."""

    path: Path
    n_merged: int
    n_copied: int
    out_type: str


def read_adapter(path: Path) -> tuple[Any, LoraPairs]:
    """The adapter's reader and its LoRA pairs, checked to be a complete LoRA adapter."""
    reader = open_gguf(path, "adapter")
    try:
        return reader, lora_pairs(reader, path)
    except LoraUnsupported as error:
        raise UnsupportedInput(str(error)) from None
    except LoraUnreadable as error:
        raise BadInput(str(error)) from None


def check_fits(base: Any, adapter: LoraPairs, base_path: Path, adapter_path: Path) -> None:
    """Refuse an adapter for another architecture, with unknown tensor names or other shapes."""
    shapes = {t.name: (int(t.shape[0]), int(t.shape[1])) for t in base.tensors if len(t.shape) == 2}
    reason = misfit(adapter, architecture(base), shapes)
    if reason:
        raise AdapterMismatch(
            f"adapter {adapter_path.name} does not fit base {base_path.name}: {reason}"
        )


def merge_adapter(
    base_path: Path,
    adapter_path: Path,
    out_path: Path,
    out_type: str = "f16",
    scale: float = 1.0,
    progress: Progress | None = None,
) -> MergedModel:
    """Write ``base_path`` with ``adapter_path`` folded into its weights to ``out_path``."""
    import gguf

    if out_type not in OUT_TYPES:
        raise UnsupportedInput(
            f"merge output type {out_type!r} is not one of {', '.join(OUT_TYPES)} "
            "(quantize the merged file afterwards if you must: it erases most of a LoRA)"
        )
    base_path, adapter_path, out_path = Path(base_path), Path(adapter_path), Path(out_path)
    base = open_gguf(base_path, "base model")
    adapter_reader, adapter = read_adapter(adapter_path)
    records = tuple(key for key in adapter_reader.fields if key.startswith(RLOG_PREFIX))
    check_fits(base, adapter, base_path, adapter_path)
    qtype = {
        "f16": gguf.GGMLQuantizationType.F16,
        "q8_0": gguf.GGMLQuantizationType.Q8_0,
        "f32": gguf.GGMLQuantizationType.F32,
    }[out_type]

    plan: list[tuple[Any, gguf.GGMLQuantizationType | None]] = []
    for tensor in base.tensors:
        if tensor.name in adapter.pairs:
            plan.append((tensor, folded_type(int(tensor.shape[0]), qtype)))
        else:
            plan.append((tensor, None))

    out_bytes = sum(_merged_nbytes(t, q) if q is not None else int(t.n_bytes) for t, q in plan)
    base_tensor_bytes = sum(int(t.n_bytes) for t in base.tensors)
    ensure_free_space(out_path, out_bytes + max(base_path.stat().st_size - base_tensor_bytes, 0))

    with replaced_atomically(out_path) as partial:
        writer = gguf.GGUFWriter(partial, architecture(base))
        alignment = field_value(base, "general.alignment")
        if alignment:
            writer.data_alignment = int(alignment)
        copy_metadata(base, writer, skip=records)
        copy_metadata(adapter_reader, writer, only=records)
        writer.add_string("rlog.merged_adapter", adapter_path.name)
        writer.add_float32("rlog.merged_adapter_scale", float(scale))
        for tensor, target_type in plan:
            if target_type is None:
                writer.add_tensor_info(
                    tensor.name,
                    tensor.data.shape,
                    tensor.data.dtype,
                    int(tensor.n_bytes),
                    raw_dtype=tensor.tensor_type,
                )
            else:
                n_in, n_out = int(tensor.shape[0]), int(tensor.shape[1])
                writer.add_tensor_info(
                    tensor.name,
                    gguf.quant_shape_to_byte_shape((n_out, n_in), target_type),
                    np.dtype(np.uint8),
                    _merged_nbytes(tensor, target_type),
                    raw_dtype=target_type,
                )
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for done, (tensor, target_type) in enumerate(plan, start=1):
            if target_type is None:
                writer.write_tensor_data(tensor.data)
            else:
                factor = adapter.scale(tensor.name) * scale
                pair = adapter.pairs[tensor.name]
                data = fold(tensor.data, tensor.tensor_type, pair, factor, target_type)
                writer.write_tensor_data(data)
            if progress:
                progress(done, len(plan))
        writer.close()
    n_merged = sum(1 for _, q in plan if q is not None)
    return MergedModel(out_path, n_merged, len(plan) - n_merged, out_type)


def _merged_nbytes(tensor: Any, qtype: Any) -> int:
    import gguf

    block, type_size = gguf.GGML_QUANT_SIZES[qtype]
    return int(tensor.n_elements) // block * type_size
