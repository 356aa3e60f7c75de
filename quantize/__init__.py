"""GGUF tooling for rlog: LoRA adapters, merges, quantization and their verification.

- ``convert``: a Hugging Face causal LM (Llama family) → GGUF F32/F16.
- ``adapter``: a PEFT LoRA adapter → GGUF LoRA adapter that llama.cpp applies to a base GGUF.
- ``merge``: base GGUF + GGUF adapter → one merged GGUF.
- ``quantizer``: llama.cpp's own quantizer (Q8_0, Q4_K_M, Q4_0, ...).
- ``verify``: agreement and speed of a candidate model against its reference on a fixed sample.

Heavy imports (llama_cpp, transformers) stay inside the functions: importing this is cheap.
"""

from quantize.errors import (
    AdapterMismatch,
    AlreadyQuantized,
    BadInput,
    InputNotFound,
    NotEnoughDiskSpace,
    QuantizeError,
    QuantizeFailed,
    UnsupportedInput,
)

__all__ = [
    "AdapterMismatch",
    "AlreadyQuantized",
    "BadInput",
    "InputNotFound",
    "NotEnoughDiskSpace",
    "QuantizeError",
    "QuantizeFailed",
    "UnsupportedInput",
]
