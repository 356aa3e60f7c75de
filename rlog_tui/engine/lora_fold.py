"""A LoRA adapter folded into the base matrices it changes: ``W + scale · B·A``, written once.

Why: ``rlog-quantize merge`` writes one GGUF that needs no adapter, and the engine can serve an
adapter folded into its cut copy of the base (``engine.compact_base``, ``LlamaSettings.
fold_adapter``); both read the adapter and fold it here, so the two agree to the byte. Q8_0
because the base's own Q4/Q5 grid would round most of a small delta away (known facts: ~23% of
the change survives a Q4_K_M re-quantization); rows whose length is not a whole number of Q8_0
blocks (32 values; only tiny test models) are written as F16.

Measured on the shipped adapter (``bench/folded_adapter.py``, model card "Session 12"): folded,
it answers 1.2-1.3x sooner on one core, but its figures differ within noise of the separate
adapter's, lower on the validation items that decide what ships (F1 0.757 vs 0.821), so the
engine applies the adapter separately by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

LORA_SUFFIXES = (".lora_a", ".lora_b")


class LoraUnreadable(ValueError):
    """The file is no complete GGUF LoRA adapter; callers turn it into their own user error."""


class LoraUnsupported(LoraUnreadable):
    """An adapter kind or tensor this code does not fold."""


@dataclass(frozen=True, slots=True)
class LoraPairs:
    """A GGUF LoRA adapter read back: ``{base tensor: (A, B)}`` with A (rank, in), B (out, rank)."""

    architecture: str
    alpha: float
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]

    def scale(self, target: str) -> float:
        """llama.cpp's scale for one pair: ``alpha / rank``, or 1 when alpha is 0 (unset)."""
        rank = self.pairs[target][0].shape[0]
        return self.alpha / rank if self.alpha else 1.0


def read_lora(path: Path) -> LoraPairs:
    """The LoRA pairs of the GGUF adapter at ``path`` (raises ``LoraUnreadable``)."""
    import gguf

    try:
        reader = gguf.GGUFReader(path)
    except (ValueError, OSError, IndexError) as error:
        raise LoraUnreadable(f"adapter is a corrupt or truncated GGUF ({error}): {path}") from None
    return lora_pairs(reader, path)


def lora_pairs(reader: Any, path: Path) -> LoraPairs:
    """The LoRA pairs of an open ``gguf.GGUFReader`` on an adapter, checked to be complete."""
    import gguf

    def field(key: str, default: Any = None) -> Any:
        found = reader.get_field(key)
        return default if found is None else found.contents()

    if field("general.type") != "adapter":
        raise LoraUnreadable(f"not a GGUF adapter (general.type is not 'adapter'): {path}")
    if field("adapter.type") != "lora":
        raise LoraUnsupported(f"adapter type {field('adapter.type')!r} is not lora")
    halves: dict[str, dict[str, np.ndarray]] = {}
    for tensor in reader.tensors:
        suffix = next((s for s in LORA_SUFFIXES if tensor.name.endswith(s)), None)
        if suffix is None:
            raise LoraUnsupported(f"adapter tensor {tensor.name} is not a lora_a/lora_b tensor")
        data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        halves.setdefault(tensor.name[: -len(suffix)], {})[suffix[-1]] = data
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for target, parts in halves.items():
        if set(parts) != {"a", "b"}:
            raise LoraUnreadable(f"adapter tensor {target} lacks its lora_a or lora_b half: {path}")
        a, b = parts["a"], parts["b"]
        if a.shape[0] != b.shape[1]:
            raise LoraUnreadable(
                f"adapter tensor {target}: lora_a {a.shape} and lora_b {b.shape} differ"
            )
        pairs[target] = (a, b)
    return LoraPairs(
        str(field("general.architecture", "")), float(field("adapter.lora.alpha", 0.0)), pairs
    )


def misfit(lora: LoraPairs, architecture: str, shapes: dict[str, tuple[int, int]]) -> str | None:
    """Why ``lora`` does not fit a base of ``architecture`` with matrices ``{name: (in, out)}``."""
    if lora.architecture != architecture:
        return f"it is for {lora.architecture!r} but the base is {architecture!r}"
    for target, (a, b) in lora.pairs.items():
        if target not in shapes:
            return f"adapter tensor {target} does not exist in the base"
        n_in, n_out = shapes[target]
        if a.shape[1] != n_in or b.shape[0] != n_out:
            mapping = f"{a.shape[1]}→{b.shape[0]}"
            return f"adapter tensor {target} maps {mapping} but the base's is {n_in}→{n_out}"
    return None


def folded_type(n_in: int, wanted: Any) -> Any:
    """The type a folded matrix is written in: ``wanted``, or F16 where Q8_0 blocks do not fit."""
    import gguf

    if wanted == gguf.GGMLQuantizationType.Q8_0 and n_in % 32:
        return gguf.GGMLQuantizationType.F16
    return wanted


def fold(
    raw: np.ndarray, raw_type: Any, pair: tuple[np.ndarray, np.ndarray], scale: float, out_type: Any
) -> np.ndarray:
    """One base matrix (its stored bytes or values) with ``scale · B·A`` added, as ``out_type``."""
    import gguf

    a, b = pair
    weight = gguf.quants.dequantize(raw, raw_type)
    weight = weight.reshape(b.shape[0], a.shape[1]) + scale * (b @ a)
    return gguf.quants.quantize(weight.astype(np.float32), out_type).view(np.uint8)
