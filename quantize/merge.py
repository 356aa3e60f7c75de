"""Base GGUF + GGUF LoRA adapter → one merged GGUF that runs without the adapter.

Each targeted matrix is dequantized, gets ``scale * B @ A`` added (``scale = alpha / rank``,
llama.cpp's own rule, times an optional user factor) and is written as F16, Q8_0 or F32. Every
other tensor is copied byte for byte (norms stay F32, the embedding keeps its type), and every
metadata key is kept. Re-quantizing a merged model to the base's Q4 grid would erase most of the
adapter (rounding undoes a small delta), so the merge output types stop at Q8_0.
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
from rlog_tui.files import replaced_atomically

OUT_TYPES = ("f16", "q8_0", "f32")

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class AdapterTensors:
    """A GGUF LoRA adapter read back: ``{base tensor: (A, B)}`` with A (r, in), B (out, r)."""

    architecture: str
    alpha: float
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]

    def scale(self, target: str) -> float:
        """llama.cpp's scale for one pair: ``alpha / rank``, or 1 when alpha is 0 (unset)."""
        rank = self.pairs[target][0].shape[0]
        return self.alpha / rank if self.alpha else 1.0


@dataclass(frozen=True, slots=True)
class MergedModel:
    """What ``merge_adapter`` wrote."""

    path: Path
    n_merged: int
    n_copied: int
    out_type: str


def read_adapter(path: Path) -> AdapterTensors:
    """The LoRA pairs of a GGUF adapter, checked to be a complete LoRA adapter."""
    import gguf

    reader = open_gguf(path, "adapter")
    if field_value(reader, "general.type") != "adapter":
        raise BadInput(f"not a GGUF adapter (general.type is not 'adapter'): {path}")
    if field_value(reader, "adapter.type") != "lora":
        raise UnsupportedInput(f"adapter type {field_value(reader, 'adapter.type')!r} is not lora")
    alpha = float(field_value(reader, "adapter.lora.alpha", 0.0))
    halves: dict[str, dict[str, np.ndarray]] = {}
    for tensor in reader.tensors:
        for which in ("a", "b"):
            suffix = f".lora_{which}"
            if tensor.name.endswith(suffix):
                data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
                halves.setdefault(tensor.name[: -len(suffix)], {})[which] = data
                break
        else:
            raise UnsupportedInput(f"adapter tensor {tensor.name} is not a lora_a/lora_b tensor")
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for target, parts in halves.items():
        if set(parts) != {"a", "b"}:
            raise BadInput(f"adapter tensor {target} lacks its lora_a or lora_b half: {path}")
        a, b = parts["a"], parts["b"]
        if a.shape[0] != b.shape[1]:
            raise BadInput(f"adapter tensor {target}: lora_a {a.shape} and lora_b {b.shape} differ")
        pairs[target] = (a, b)
    return AdapterTensors(architecture(reader), alpha, pairs)


def check_fits(base: Any, adapter: AdapterTensors, base_path: Path, adapter_path: Path) -> None:
    """Refuse an adapter for another architecture, with unknown tensor names or other shapes."""
    arch = architecture(base)
    if adapter.architecture != arch:
        raise AdapterMismatch(
            f"adapter {adapter_path.name} is for {adapter.architecture!r} but base "
            f"{base_path.name} is {arch!r}"
        )
    shapes = {t.name: (int(t.shape[0]), int(t.shape[1])) for t in base.tensors if len(t.shape) == 2}
    for target, (a, b) in adapter.pairs.items():
        if target not in shapes:
            raise AdapterMismatch(
                f"adapter tensor {target} does not exist in base {base_path.name}"
            )
        n_in, n_out = shapes[target]
        if a.shape[1] != n_in or b.shape[0] != n_out:
            raise AdapterMismatch(
                f"adapter tensor {target} maps {a.shape[1]}→{b.shape[0]} but the base's is "
                f"{n_in}→{n_out}"
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
    adapter = read_adapter(adapter_path)
    check_fits(base, adapter, base_path, adapter_path)
    qtype = {
        "f16": gguf.GGMLQuantizationType.F16,
        "q8_0": gguf.GGMLQuantizationType.Q8_0,
        "f32": gguf.GGMLQuantizationType.F32,
    }[out_type]

    plan: list[tuple[Any, gguf.GGMLQuantizationType | None]] = []
    for tensor in base.tensors:
        if tensor.name in adapter.pairs:
            n_in = int(tensor.shape[0])
            target_type = qtype
            if qtype == gguf.GGMLQuantizationType.Q8_0 and n_in % 32:
                target_type = gguf.GGMLQuantizationType.F16  # Q8_0 needs rows of 32s
            plan.append((tensor, target_type))
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
        copy_metadata(base, writer)
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
                a, b = adapter.pairs[tensor.name]
                weight = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
                weight = weight + (adapter.scale(tensor.name) * scale) * (b @ a)
                data = gguf.quants.quantize(weight.astype(np.float32), target_type)
                writer.write_tensor_data(data.view(np.uint8))
            if progress:
                progress(done, len(plan))
        writer.close()
    n_merged = sum(1 for _, q in plan if q is not None)
    return MergedModel(out_path, n_merged, len(plan) - n_merged, out_type)


def _merged_nbytes(tensor: Any, qtype: Any) -> int:
    import gguf

    block, type_size = gguf.GGML_QUANT_SIZES[qtype]
    return int(tensor.n_elements) // block * type_size
