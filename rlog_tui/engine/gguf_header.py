"""A GGUF's metadata and tensor table read as byte spans of the mapped file, in under a second.

Why: gguf's own ``GGUFReader`` builds a numpy view per vocabulary piece and takes ~20-25 s to
open gemma's 262,144-piece base on a shared core; the engine reads a few fields of it (and of
adapters and merged models) before every load, and ``engine.compact_base`` rewrites it. Only what
those need is decoded: scalars, strings, arrays as element spans, and the tensor table.
"""

from __future__ import annotations

import mmap
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GGUF_MAGIC = b"GGUF"
INT32, FLOAT32, STRING, ARRAY = 5, 6, 8, 9
"""GGUF value type tags used here (uint8 … float64 are 0-7, 10-12)."""
INT32_TYPES = (4, 5)
"""uint32, int32: how token types and token ids are stored."""
NORMAL_TOKEN = 1
"""``tokenizer.ggml.token_type`` of ordinary text pieces (control, byte and unused ones differ)."""
_PRINTABLE_ASCII = re.compile(rb"[\x20-\x7e]+")
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
"""GGUF value type -> bytes (uint8 … float64); strings and arrays are sized as they are read."""


@dataclass(frozen=True, slots=True)
class FieldSpan:
    key: str
    start: int  # where the key's length prefix begins (the raw entry is [start, end))
    value_start: int  # where the value's type tag begins
    end: int
    elements: list[tuple[int, int]] | None  # an array's elements as (start, end), else None
    element_type: int | None


@dataclass(frozen=True, slots=True)
class TensorInfo:
    name: str
    shape: list[int]
    ggml_type: int
    offset: int  # from the start of the data section


class GgufHeader:
    """The metadata and tensor table of a GGUF, as byte spans of the mapped file."""

    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        if data[:4] != GGUF_MAGIC:
            raise ValueError("not a GGUF file")
        try:
            self.version, n_tensors, self.n_fields = struct.unpack_from("<IQQ", data, 4)
            self.at = 24
            fields = (self._field() for _ in range(self.n_fields))
            self.fields = {field.key: field for field in fields}
            self.fields_end = self.at
            self.tensors = [self._tensor() for _ in range(n_tensors)]
        except (struct.error, OverflowError, KeyError) as error:  # a count or type read from junk
            raise ValueError(f"corrupt or truncated GGUF header ({error})") from None
        alignment = self.scalar("general.alignment", 32)
        self.alignment = alignment
        self.data_start = -(-self.at // alignment) * alignment

    def _u(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def _string(self) -> str:
        length = self._u("<Q")
        self.at += length
        return self.data[self.at - length : self.at].decode("utf-8", errors="replace")

    def _skip_value(self, value_type: int) -> None:
        if value_type == STRING:
            length = self._u("<Q")
            self.at += length
        else:
            self.at += _SCALAR_SIZES[value_type]

    def _field(self) -> FieldSpan:
        start = self.at
        key = self._string()
        value_start = self.at
        value_type = self._u("<I")
        if value_type != ARRAY:
            self._skip_value(value_type)
            return FieldSpan(key, start, value_start, self.at, None, None)
        element_type, count = self._u("<I"), self._u("<Q")
        elements = []
        if element_type == STRING:
            for _ in range(count):
                element_start = self.at
                self.at += 8 + struct.unpack_from("<Q", self.data, self.at)[0]
                elements.append((element_start, self.at))
        else:
            size = _SCALAR_SIZES[element_type]
            if self.at + count * size > len(self.data):
                raise struct.error(f"an array of {count} values runs past the end of the file")
            elements = [(self.at + i * size, self.at + (i + 1) * size) for i in range(count)]
            self.at += count * size
        return FieldSpan(key, start, value_start, self.at, elements, element_type)

    def _tensor(self) -> TensorInfo:
        name = self._string()
        shape = [self._u("<Q") for _ in range(self._u("<I"))]
        ggml_type = self._u("<I")
        return TensorInfo(name, shape, ggml_type, self._u("<Q"))

    def scalar(self, key: str, default: int) -> int:
        field = self.fields.get(key)
        if field is None:
            return default
        value_type = struct.unpack_from("<I", self.data, field.value_start)[0]
        size = _SCALAR_SIZES[value_type]
        raw = self.data[field.value_start + 4 : field.value_start + 4 + size]
        return int.from_bytes(raw, "little")

    def string(self, key: str) -> str:
        """The string value of metadata ``key`` ("" when absent or not a string)."""
        field = self.fields.get(key)
        if field is None or struct.unpack_from("<I", self.data, field.value_start)[0] != STRING:
            return ""
        (length,) = struct.unpack_from("<Q", self.data, field.value_start + 4)
        start = field.value_start + 12
        return self.data[start : start + length].decode("utf-8", errors="replace")

    def float32(self, key: str) -> float | None:
        """The float32 value of metadata ``key`` (None when absent or of another type)."""
        field = self.fields.get(key)
        if field is None or struct.unpack_from("<I", self.data, field.value_start)[0] != FLOAT32:
            return None
        return struct.unpack_from("<f", self.data, field.value_start + 4)[0]

    def int32_array(self, key: str) -> np.ndarray | None:
        """The values of an int32/uint32 array ``key`` as int64 (None when absent or not one)."""
        field = self.fields.get(key)
        if field is None or field.elements is None or field.element_type not in INT32_TYPES:
            return None
        dtype = "<i4" if field.element_type == INT32 else "<u4"
        start = field.elements[0][0] if field.elements else field.value_start
        return np.frombuffer(self.data, dtype, len(field.elements), start).astype(np.int64)

    def named_ids(self) -> list[int]:
        """The token ids the tokenizer metadata names (BOS, EOS, padding, unknown …)."""
        return [
            self.scalar(key, 0)
            for key in self.fields
            if key.startswith("tokenizer.ggml.") and key.endswith("_token_id")
        ]

    def n_vocab(self) -> int:
        return len(self.fields["tokenizer.ggml.tokens"].elements or [])

    def ascii_text_ids(self) -> list[int]:
        """Ids of normal tokens whose text is printable ASCII (sentencepiece's ``▁`` a space)."""
        pieces = self.fields["tokenizer.ggml.tokens"].elements or []
        types = self.fields.get("tokenizer.ggml.token_type")
        kinds = np.full(len(pieces), NORMAL_TOKEN)
        if types is not None and types.elements and types.element_type in INT32_TYPES:
            kinds = np.frombuffer(self.data, np.int32, len(pieces), types.elements[0][0])
        found = []
        for token, (start, end) in enumerate(pieces):
            text = self.data[start + 8 : end].replace("\u2581".encode(), b" ")
            if kinds[token] == NORMAL_TOKEN and text and _PRINTABLE_ASCII.fullmatch(text):
                found.append(token)
        return found


@contextmanager
def gguf_header(path: Path) -> Iterator[GgufHeader]:
    """The header of the GGUF at ``path``, mapped while the block runs (copy what you keep)."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield GgufHeader(data)
