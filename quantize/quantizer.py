"""Quantization through llama.cpp's own quantizer (``llama_model_quantize``), not a rewrite.

Only ``ftype``, ``nthread`` and ``allow_requantize`` of the parameter struct are touched: the struct
changes between llama.cpp releases and its defaults are what ``llama-quantize`` uses. An input that
is already quantized is refused unless re-quantization is asked for: its weights were rounded once
already, and rounding them again onto another grid loses more than quantizing the F16 original.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quantize.errors import AlreadyQuantized, QuantizeFailed, UnsupportedInput
from quantize.gguf_files import (
    ensure_free_space,
    field_value,
    is_quantized,
    open_gguf,
)
from rlog_tui.files import replaced_atomically

# Output types offered, by the name llama.cpp's tools use (case-insensitive on the command line).
QUANT_TYPES: dict[str, str] = {
    "F16": "LLAMA_FTYPE_MOSTLY_F16",
    "BF16": "LLAMA_FTYPE_MOSTLY_BF16",
    "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "Q6_K": "LLAMA_FTYPE_MOSTLY_Q6_K",
    "Q5_K_M": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
    "Q5_K_S": "LLAMA_FTYPE_MOSTLY_Q5_K_S",
    "Q5_0": "LLAMA_FTYPE_MOSTLY_Q5_0",
    "Q5_1": "LLAMA_FTYPE_MOSTLY_Q5_1",
    "Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "Q4_K_S": "LLAMA_FTYPE_MOSTLY_Q4_K_S",
    "Q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0",
    "Q4_1": "LLAMA_FTYPE_MOSTLY_Q4_1",
    "Q3_K_M": "LLAMA_FTYPE_MOSTLY_Q3_K_M",
    "Q3_K_S": "LLAMA_FTYPE_MOSTLY_Q3_K_S",
    "Q3_K_L": "LLAMA_FTYPE_MOSTLY_Q3_K_L",
    "Q2_K": "LLAMA_FTYPE_MOSTLY_Q2_K",
}


@dataclass(frozen=True, slots=True)
class QuantizedModel:
    """What ``quantize_model`` wrote."""

    path: Path
    qtype: str
    in_bytes: int
    out_bytes: int


def normalise_type(name: str) -> str:
    """``q4_k_m`` → ``Q4_K_M``, or a one-line refusal listing the types offered."""
    key = name.strip().upper()
    if key not in QUANT_TYPES:
        raise UnsupportedInput(
            f"quantization type {name!r} is not supported (choose from {', '.join(QUANT_TYPES)})"
        )
    return key


def quantize_model(
    src: Path,
    dst: Path,
    qtype: str,
    *,
    nthread: int = 0,
    allow_requantize: bool = False,
) -> QuantizedModel:
    """Quantize GGUF ``src`` to ``qtype`` at ``dst`` with llama.cpp (``nthread`` 0 = all cores)."""
    import llama_cpp

    key = normalise_type(qtype)
    src, dst = Path(src), Path(dst)
    reader = open_gguf(src, "model")
    if field_value(reader, "general.type", "model") == "adapter":
        raise UnsupportedInput(f"{src} is a LoRA adapter; quantize the base or a merged model")
    if is_quantized(reader) and not allow_requantize:
        raise AlreadyQuantized(
            f"{src} is already quantized; re-quantizing rounds rounded weights again and loses "
            "quality (quantize the F16/F32 original, or pass --allow-requantize)"
        )
    del reader  # release the memory map before llama.cpp opens the file
    in_bytes = src.stat().st_size
    ensure_free_space(dst, in_bytes)  # an upper bound unless the output type is wider

    _route_logs()
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_TYPES[key])
    params.nthread = nthread
    params.allow_requantize = allow_requantize
    with replaced_atomically(dst) as partial:
        status = llama_cpp.llama_model_quantize(str(src).encode(), str(partial).encode(), params)
        if status != 0:
            raise QuantizeFailed(
                f"llama.cpp could not quantize {src} to {key} (status {status}): "
                f"{_last_error() or 'see --debug for its log'}"
            )
    return QuantizedModel(dst, key, in_bytes, dst.stat().st_size)


def _route_logs() -> None:
    from rlog_tui.engine.llama_log import route_llama_logs

    route_llama_logs()


def _last_error() -> str:
    from rlog_tui.engine.llama_log import last_error

    return last_error()
