"""The base GGUF cut down for an adapter trained over a compact vocabulary: what the engine serves.

Why: the adapters are trained on a compact base (``rlog_train.gguf_base``: the ~17.6k of gemma's
262,144 tokens the training text uses), and every generated token pays for the base's whole output
layer: for gemma-3-270m the Q8_0 ``token_embd`` matrix (262,144 rows, 178 MB), more than the
100M-parameter body. Most of its rows are other scripts' words, which a log rarely holds.

The copy keeps the rows of the adapter's trained tokens (first, in the recorded order, so a compact
id below ``trained`` is a trained token), then every other base token whose text is printable
ASCII (``▁`` as the space), then any id the tokenizer metadata names (BOS, EOS, padding, unknown):
about 151k rows for gemma, 1.3x faster per generated token with the same answers
(``bench/serving_vocabulary.py``). Why keep the ASCII tokens though training never scored them: a
log line's own words must stay copyable whole. Cut to the trained tokens alone (1.85x faster), an
unseen word was spelt in pieces and copied wrongly (``Progressof``, ``CONTA C TING``): seen-system
parsing PA fell from 0.560 to 0.443 on the README's sample. Decoding is still limited to the
trained tokens plus the prompt's own (``engine.vocabulary``).

Everything else is the base's, byte for byte: metadata and body tensors unchanged, the embedding
and the tokenizer's per-token arrays renumbered ``0..K-1`` (a quantized row is a whole number of
blocks). The GGUF is read and written here at the byte level: gguf's own reader takes ~25 s to
parse the 262k-string vocabulary on a shared core, this takes under a second. The copy is built
once per (base, vocabulary) into the cache folder, atomically, then reused. Prompts are still
split by the full tokenizer (``engine.compact_tokens``): a sentencepiece vocabulary with pieces
removed splits text differently.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rlog_tui.files import replaced_atomically

logger = logging.getLogger(__name__)

EMBEDDING_TENSORS = frozenset({"token_embd.weight", "output.weight"})
PER_TOKEN_FIELDS = frozenset(
    {"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"}
)
FORMAT_VERSION = 3
"""Part of the cache key: a change to how the copy is written leaves old copies unused."""
KEPT_COPIES = 3
"""Cut copies kept per base in the cache (the most recently used ones)."""

_INT32, _STRING, _ARRAY = 5, 8, 9
KEPT_KEY = "rlog.base_token_ids"
"""The copy's first metadata field: the base id of each of its ids. Written first so that a reused
copy gives its ids back from a few bytes, without parsing the base's 262k-piece vocabulary again
(most of a load's time before)."""
_INT32_TYPES = (4, 5)  # uint32, int32: how token types are stored
NORMAL_TOKEN = 1
"""``tokenizer.ggml.token_type`` of ordinary text pieces (control, byte and unused ones differ)."""
_PRINTABLE_ASCII = re.compile(rb"[\x20-\x7e]+")
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
"""GGUF value type -> bytes (uint8 … float64); strings and arrays are sized as they are read."""


@dataclass(frozen=True, slots=True)
class CompactBase:
    """A served copy of a base: its file, and the base id of each of its ids (``kept[new]``)."""

    path: Path
    kept: np.ndarray
    trained: int
    """Compact ids below this are the adapter's trained tokens."""


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    start: int  # where the key's length prefix begins (the raw entry is [start, end))
    value_start: int  # where the value's type tag begins
    end: int
    elements: list[tuple[int, int]] | None  # an array's elements as (start, end), else None
    element_type: int | None


@dataclass(frozen=True, slots=True)
class _Tensor:
    name: str
    shape: list[int]
    ggml_type: int
    offset: int  # from the start of the data section


class _Header:
    """The metadata and tensor table of a GGUF, as byte spans of the mapped file."""

    def __init__(self, data: mmap.mmap) -> None:
        self.data = data
        if data[:4] != b"GGUF":
            raise ValueError("not a GGUF file")
        self.version, n_tensors, self.n_fields = struct.unpack_from("<IQQ", data, 4)
        self.at = 24
        self.fields = {field.key: field for field in (self._field() for _ in range(self.n_fields))}
        self.fields_end = self.at
        self.tensors = [self._tensor() for _ in range(n_tensors)]
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
        if value_type == _STRING:
            length = self._u("<Q")
            self.at += length
        else:
            self.at += _SCALAR_SIZES[value_type]

    def _field(self) -> _Field:
        start = self.at
        key = self._string()
        value_start = self.at
        value_type = self._u("<I")
        if value_type != _ARRAY:
            self._skip_value(value_type)
            return _Field(key, start, value_start, self.at, None, None)
        element_type, count = self._u("<I"), self._u("<Q")
        elements = []
        if element_type == _STRING:
            for _ in range(count):
                element_start = self.at
                self.at += 8 + struct.unpack_from("<Q", self.data, self.at)[0]
                elements.append((element_start, self.at))
        else:
            size = _SCALAR_SIZES[element_type]
            elements = [(self.at + i * size, self.at + (i + 1) * size) for i in range(count)]
            self.at += count * size
        return _Field(key, start, value_start, self.at, elements, element_type)

    def _tensor(self) -> _Tensor:
        name = self._string()
        shape = [self._u("<Q") for _ in range(self._u("<I"))]
        ggml_type = self._u("<I")
        return _Tensor(name, shape, ggml_type, self._u("<Q"))

    def scalar(self, key: str, default: int) -> int:
        field = self.fields.get(key)
        if field is None:
            return default
        value_type = struct.unpack_from("<I", self.data, field.value_start)[0]
        size = _SCALAR_SIZES[value_type]
        raw = self.data[field.value_start + 4 : field.value_start + 4 + size]
        return int.from_bytes(raw, "little")

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
        if types is not None and types.elements and types.element_type in _INT32_TYPES:
            kinds = np.frombuffer(self.data, np.int32, len(pieces), types.elements[0][0])
        found = []
        for token, (start, end) in enumerate(pieces):
            text = self.data[start + 8 : end].replace("\u2581".encode(), b" ")
            if kinds[token] == NORMAL_TOKEN and text and _PRINTABLE_ASCII.fullmatch(text):
                found.append(token)
        return found


def kept_ids(vocabulary: np.ndarray, *more: list[int]) -> tuple[np.ndarray, int]:
    """``vocabulary`` in its order, then each of ``more`` it lacks (each id once), and its size."""
    order = dict.fromkeys(int(i) for i in vocabulary)
    trained = len(order)
    for ids in more:
        order.update(dict.fromkeys(ids))
    return np.asarray(list(order), dtype=np.int64), trained


def ascii_text_ids(base: Path) -> list[int]:
    """Ids of the base's normal tokens whose text is printable ASCII (kept beside the trained)."""
    with base.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _Header(data).ascii_text_ids()


def cache_key(base: Path, vocabulary: np.ndarray, keep_ascii: bool = True) -> str:
    """Which base file (path, size, modification time), vocabulary and cut: 16 hex digits."""
    stat = base.stat()
    cut = "" if keep_ascii else "trained-only|"
    identity = f"{FORMAT_VERSION}|{cut}{base.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|"
    digest = hashlib.sha256(identity.encode())
    digest.update(np.asarray(vocabulary, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def compact_base(
    base: Path, vocabulary: np.ndarray, directory: Path, *, keep_ascii: bool = True
) -> CompactBase:
    """The served copy of ``base`` over ``vocabulary``, built into ``directory`` unless there.

    ``keep_ascii=False`` keeps the trained tokens alone (and the named ones): for an adapter
    trained to read words spelt in pieces (``protocol.decoding.SPELT_PIECES_METADATA_KEY``)."""
    target = directory / f"{base.stem}.vocab-{cache_key(base, vocabulary, keep_ascii)}.gguf"
    kept = _read_kept(target) if target.exists() else None
    if kept is not None:
        os.utime(target)  # recently used: kept by ``_forget_old_copies``
        return CompactBase(target, kept, kept_ids(vocabulary)[1])
    with base.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        header = _Header(data)
        n_vocab = header.n_vocab()
        if vocabulary.size == 0 or vocabulary.min() < 0 or vocabulary.max() >= n_vocab:
            raise ValueError(
                f"the adapter's trained vocabulary does not fit this base's {n_vocab} tokens"
            )
        ascii_ids = header.ascii_text_ids() if keep_ascii else []
        kept, trained = kept_ids(vocabulary, ascii_ids, header.named_ids())
        logger.info("writing %s: %d of the base's %d tokens (once)", target, kept.size, n_vocab)
        with replaced_atomically(target) as temporary, temporary.open("wb") as out:
            _write(header, kept, out)
    _forget_old_copies(directory, base.stem)
    return CompactBase(target, kept, trained)


def _read_kept(copy: Path) -> np.ndarray | None:
    """The base ids a copy records first (``KEPT_KEY``), or None: not a copy this code wrote."""
    key = KEPT_KEY.encode("utf-8")
    with copy.open("rb") as handle:
        head = handle.read(24 + 8 + len(key) + 16)
        if len(head) < 24 + 8 + len(key) + 16 or head[:4] != b"GGUF":
            return None
        (length,) = struct.unpack_from("<Q", head, 24)
        value_type, element_type, count = struct.unpack_from("<IIQ", head, 32 + len(key))
        ours = length == len(key) and head[32 : 32 + len(key)] == key
        if not ours or (value_type, element_type) != (_ARRAY, _INT32):
            return None
        ids = np.frombuffer(handle.read(4 * count), dtype="<i4")
    return ids.astype(np.int64) if ids.size == count else None


def _forget_old_copies(directory: Path, stem: str, keep: int = KEPT_COPIES) -> None:
    """Delete all but the ``keep`` most recently used copies of one base (each ~175 MB).

    Every adapter a user trains and serves gets its own copy; without this they would pile up in
    the cache. A deleted copy is rebuilt in about two seconds if its adapter comes back."""
    copies = sorted(
        directory.glob(f"{stem}.vocab-*.gguf"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in copies[keep:]:
        try:
            old.unlink()
        except OSError as error:  # another process may be reading it: try again next build
            logger.info("could not remove the old copy %s: %s", old, error)


def _write(header: _Header, kept: np.ndarray, out) -> None:
    data = header.data
    new_of_old = {int(old): new for new, old in enumerate(kept)}
    out.write(data[:16])  # magic, version, tensor count
    out.write(struct.pack("<Q", header.n_fields + 1))
    key = KEPT_KEY.encode("utf-8")
    out.write(struct.pack("<Q", len(key)) + key + struct.pack("<IIQ", _ARRAY, _INT32, kept.size))
    out.write(kept.astype("<i4").tobytes())
    for field in header.fields.values():
        if field.key in PER_TOKEN_FIELDS:
            elements = field.elements or []
            out.write(data[field.start : field.value_start])
            out.write(struct.pack("<IIQ", _ARRAY, field.element_type, kept.size))
            out.write(b"".join(data[slice(*elements[int(old)])] for old in kept))
        elif field.key.startswith("tokenizer.ggml.") and field.key.endswith("_token_id"):
            out.write(data[field.start : field.value_start + 4])
            out.write(struct.pack("<I", new_of_old[header.scalar(field.key, 0)]))
        else:
            out.write(data[field.start : field.end])
    sources, offset = [], 0
    for tensor in header.tensors:
        size = _nbytes(tensor.shape, tensor.ggml_type)
        start, shape = header.data_start + tensor.offset, list(tensor.shape)
        if tensor.name in EMBEDDING_TENSORS:
            row = size // shape[-1]
            shape[-1] = kept.size
            rows = np.frombuffer(data, np.uint8, size, start).reshape(-1, row)
            sources.append(rows[kept].tobytes())
            del rows  # a view of the map: the map cannot close while one is alive
        else:
            sources.append(data[start : start + size])
        name = tensor.name.encode("utf-8")
        out.write(struct.pack("<Q", len(name)) + name + struct.pack("<I", len(shape)))
        out.write(struct.pack(f"<{len(shape)}Q", *shape))
        out.write(struct.pack("<IQ", tensor.ggml_type, offset))
        offset += _padded(len(sources[-1]), header.alignment)
    out.write(b"\0" * (_padded(out.tell(), header.alignment) - out.tell()))
    for chunk in sources:
        out.write(chunk)
        out.write(b"\0" * (_padded(len(chunk), header.alignment) - len(chunk)))


def _padded(size: int, alignment: int) -> int:
    return -(-size // alignment) * alignment


def _nbytes(shape: list[int], ggml_type: int) -> int:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
    return int(np.prod(shape)) // block * type_size
