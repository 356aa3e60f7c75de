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
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rlog_tui.engine.gguf_header import ARRAY, INT32, GgufHeader, TensorInfo, gguf_header
from rlog_tui.engine.lora_fold import LoraPairs, fold, folded_type, misfit, read_lora
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

KEPT_KEY = "rlog.base_token_ids"
"""The copy's first metadata field: the base id of each of its ids. Written first so that a reused
copy gives its ids back from a few bytes, without parsing the base's 262k-piece vocabulary again
(most of a load's time before)."""
_FLOAT_DTYPES = {0: np.float32, 1: np.float16}
"""Stored values of unquantized matrices (GGML F32, F16); quantized ones are read as bytes."""


@dataclass(frozen=True, slots=True)
class CompactBase:
    """A served copy of a base: its file, and the base id of each of its ids (``kept[new]``)."""

    path: Path
    kept: np.ndarray
    trained: int
    """Compact ids below this are the adapter's trained tokens."""


def kept_ids(vocabulary: np.ndarray, *more: list[int]) -> tuple[np.ndarray, int]:
    """``vocabulary`` in its order, then each of ``more`` it lacks (each id once), and its size."""
    order = dict.fromkeys(int(i) for i in vocabulary)
    trained = len(order)
    for ids in more:
        order.update(dict.fromkeys(ids))
    return np.asarray(list(order), dtype=np.int64), trained


def ascii_text_ids(base: Path) -> list[int]:
    """Ids of the base's normal tokens whose text is printable ASCII (kept beside the trained)."""
    with gguf_header(base) as header:
        return header.ascii_text_ids()


def cache_key(
    base: Path, vocabulary: np.ndarray, keep_ascii: bool = True, folded_digest: str = ""
) -> str:
    """Which base file (path, size, modification time), vocabulary, cut and folded adapter."""
    stat = base.stat()
    cut = "" if keep_ascii else "trained-only|"
    fold = f"folded {folded_digest}|" if folded_digest else ""
    identity = f"{FORMAT_VERSION}|{cut}{fold}{base.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|"
    digest = hashlib.sha256(identity.encode())
    digest.update(np.asarray(vocabulary, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def compact_base(
    base: Path,
    vocabulary: np.ndarray,
    directory: Path,
    *,
    keep_ascii: bool = True,
    folded: Path | None = None,
) -> CompactBase:
    """The served copy of ``base`` over ``vocabulary``, built into ``directory`` unless there.

    ``keep_ascii=False`` keeps the trained tokens alone (and the named ones): for an adapter
    trained to read words spelt in pieces (``protocol.decoding.SPELT_PIECES_METADATA_KEY``).
    ``folded``: a GGUF LoRA adapter written into the copy's matrices (``engine.lora_fold``), so
    that the copy is served without it; a ``ValueError`` says why one does not fit."""
    digest = _file_digest(folded) if folded is not None else ""
    key = cache_key(base, vocabulary, keep_ascii, digest)
    target = directory / f"{base.stem}.vocab-{key}.gguf"
    kept = _read_kept(target) if target.exists() else None
    if kept is not None:
        os.utime(target)  # recently used: kept by ``_forget_old_copies``
        return CompactBase(target, kept, kept_ids(vocabulary)[1])
    lora = read_lora(folded) if folded is not None else None  # only when the copy is written
    with gguf_header(base) as header:
        n_vocab = header.n_vocab()
        if vocabulary.size == 0 or vocabulary.min() < 0 or vocabulary.max() >= n_vocab:
            raise ValueError(
                f"the adapter's trained vocabulary does not fit this base's {n_vocab} tokens"
            )
        if lora is not None:
            shapes = {t.name: (t.shape[0], t.shape[1]) for t in header.tensors if len(t.shape) == 2}
            reason = misfit(lora, header.string("general.architecture"), shapes)
            if reason:
                raise ValueError(f"the adapter does not fit {base.name}: {reason}")
        ascii_ids = header.ascii_text_ids() if keep_ascii else []
        kept, trained = kept_ids(vocabulary, ascii_ids, header.named_ids())
        with_adapter = ", the adapter folded in" if lora is not None else ""
        logger.info(
            "writing %s: %d of the base's %d tokens%s (once)",
            target,
            kept.size,
            n_vocab,
            with_adapter,
        )
        with replaced_atomically(target) as temporary, temporary.open("wb") as out:
            _write(header, kept, out, lora)
    _forget_old_copies(directory, base.stem)
    return CompactBase(target, kept, trained)


def _file_digest(path: Path) -> str:
    """sha256 of a (small) file: an adapter retrained in place gets a new served copy."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
        if not ours or (value_type, element_type) != (ARRAY, INT32):
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


def _write(header: GgufHeader, kept: np.ndarray, out, lora: LoraPairs | None = None) -> None:
    data = header.data
    new_of_old = {int(old): new for new, old in enumerate(kept)}
    out.write(data[:16])  # magic, version, tensor count
    out.write(struct.pack("<Q", header.n_fields + 1))
    key = KEPT_KEY.encode("utf-8")
    out.write(struct.pack("<Q", len(key)) + key + struct.pack("<IIQ", ARRAY, INT32, kept.size))
    out.write(kept.astype("<i4").tobytes())
    for field in header.fields.values():
        if field.key in PER_TOKEN_FIELDS:
            elements = field.elements or []
            out.write(data[field.start : field.value_start])
            out.write(struct.pack("<IIQ", ARRAY, field.element_type, kept.size))
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
        ggml_type = tensor.ggml_type
        if tensor.name in EMBEDDING_TENSORS:
            row = size // shape[-1]
            shape[-1] = kept.size
            rows = np.frombuffer(data, np.uint8, size, start).reshape(-1, row)
            sources.append(rows[kept].tobytes())
            del rows  # a view of the map: the map cannot close while one is alive
        elif lora is not None and tensor.name in lora.pairs:
            ggml_type, folded = _folded(tensor, data[start : start + size], lora)
            sources.append(folded)
        else:
            sources.append(data[start : start + size])
        name = tensor.name.encode("utf-8")
        out.write(struct.pack("<Q", len(name)) + name + struct.pack("<I", len(shape)))
        out.write(struct.pack(f"<{len(shape)}Q", *shape))
        out.write(struct.pack("<IQ", ggml_type, offset))
        offset += _padded(len(sources[-1]), header.alignment)
    out.write(b"\0" * (_padded(out.tell(), header.alignment) - out.tell()))
    for chunk in sources:
        out.write(chunk)
        out.write(b"\0" * (_padded(len(chunk), header.alignment) - len(chunk)))


def _folded(tensor: TensorInfo, raw: bytes, lora: LoraPairs) -> tuple[int, bytes]:
    """One targeted matrix with its LoRA pair folded in, and the type it is now stored in."""
    from gguf.constants import GGMLQuantizationType

    n_in, n_out = tensor.shape
    raw_type = GGMLQuantizationType(tensor.ggml_type)
    values = np.frombuffer(raw, _FLOAT_DTYPES.get(raw_type, np.uint8)).reshape(n_out, -1)
    out_type = folded_type(n_in, GGMLQuantizationType.Q8_0)
    pair = lora.pairs[tensor.name]
    return int(out_type), fold(values, raw_type, pair, lora.scale(tensor.name), out_type).tobytes()


def _padded(size: int, alignment: int) -> int:
    return -(-size // alignment) * alignment


def _nbytes(shape: list[int], ggml_type: int) -> int:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
    return int(np.prod(shape)) // block * type_size
