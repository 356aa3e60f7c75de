"""Reading Hugging Face checkpoints without torch: safetensors → numpy, JSON configs.

safetensors is a JSON header followed by raw little-endian tensors; reading it directly keeps the
converters free of torch and handles bf16 (which numpy lacks) by widening it to float32.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from quantize.errors import BadInput, InputNotFound

_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``, with one-line errors for missing or malformed files."""
    data = read_json_value(path, what)
    if not isinstance(data, dict):
        raise BadInput(f"{what} is not a JSON object: {path}")
    return data


def read_json_value(path: Path, what: str) -> Any:
    """Any JSON value from ``path``, with one-line errors for missing or malformed files."""
    if not path.is_file():
        raise InputNotFound(f"{what} not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInput(f"{what} is not valid JSON ({error}): {path}") from None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a numpy array (bf16 widened to float32)."""
    if not path.is_file():
        raise InputNotFound(f"weights not found: {path}")
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    try:
        (header_len,) = struct.unpack("<Q", raw[:8].tobytes())
        header = json.loads(raw[8 : 8 + header_len].tobytes())
    except (struct.error, ValueError, UnicodeDecodeError):
        raise BadInput(f"not a safetensors file: {path}") from None
    base = 8 + header_len
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        chunk = raw[base + start : base + end]
        dtype = info["dtype"]
        if dtype == "BF16":
            widened = chunk.view(np.uint16).astype(np.uint32) << 16
            array = widened.view(np.float32)
        elif dtype in _DTYPES:
            array = chunk.view(_DTYPES[dtype])
        else:
            raise BadInput(f"unsupported tensor dtype {dtype} for {name} in {path}")
        tensors[name] = np.asarray(array).reshape(info["shape"])
    return tensors
