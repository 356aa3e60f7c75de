"""What the converters must know per architecture: GGUF names, and whether q/k rows are permuted.

Hugging Face Llama checkpoints rotate the two halves of each attention head (``rotate_half``);
ggml's "normal" rope for the ``llama`` architecture rotates adjacent pairs, so q/k weights (and a
LoRA's B matrix, which produces q/k rows) are permuted per head when converted. Architectures that
llama.cpp runs with NEOX-style rope (Gemma, Qwen, Phi-3) keep the Hugging Face row order. An
architecture missing from this table is refused rather than converted on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quantize.errors import UnsupportedInput


@dataclass(frozen=True, slots=True)
class ArchInfo:
    """Conversion facts for one GGUF architecture."""

    name: str
    permute_qk: bool


ARCHITECTURES: dict[str, ArchInfo] = {
    info.name: info
    for info in (
        ArchInfo("llama", permute_qk=True),
        ArchInfo("gemma", permute_qk=False),
        ArchInfo("gemma2", permute_qk=False),
        ArchInfo("gemma3", permute_qk=False),
        ArchInfo("qwen2", permute_qk=False),
        ArchInfo("qwen3", permute_qk=False),
        ArchInfo("phi3", permute_qk=False),
    )
}


def arch_info(name: str) -> ArchInfo:
    """Facts for GGUF architecture ``name``, or a one-line refusal for one this tool lacks."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise UnsupportedInput(f"architecture {name!r} is not supported (known: {known})") from None


def name_map(arch: str, n_blocks: int):
    """gguf's Hugging Face → GGUF tensor name map for ``arch`` with ``n_blocks`` layers."""
    import gguf

    by_name = {value: key for key, value in gguf.MODEL_ARCH_NAMES.items()}
    if arch not in by_name:
        raise UnsupportedInput(f"architecture {arch!r} is unknown to the gguf package")
    return gguf.get_tensor_name_map(by_name[arch], n_blocks)


def permute_rope_rows(weight: np.ndarray, n_head: int) -> np.ndarray:
    """Reorder the output rows of a q/k projection from HF's half-split rope to ggml's pairs.

    Within each head, row ``i`` of the first half and row ``i`` of the second half become the
    adjacent rows ``2i`` and ``2i + 1``.
    """
    rows = weight.shape[0]
    if rows % n_head or (rows // n_head) % 2:
        raise UnsupportedInput(f"cannot split {rows} rows into {n_head} rope heads")
    head_dim = rows // n_head
    return (
        weight.reshape(n_head, 2, head_dim // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )
