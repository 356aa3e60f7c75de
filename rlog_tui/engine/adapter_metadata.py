"""What an adapter GGUF (or a model merged with one) says about itself beyond its weights: the
output order it was trained on, and the vocabulary it was trained over (when that was a compact
base's).

`rlog-quantize adapter` records `rlog.output_order` (see `protocol.ORDER_METADATA_KEY`) and the
trained vocabulary; `rlog-quantize merge` carries them into the merged model. The TUI, `analyze`
and the evaluator read them here (``ModelChoice.recorded_by``: the adapter, else the model) so a
model is asked in the order it learnt. Fields are read from the file's header bytes
(``engine.gguf_header``: well under a second even for the 253 MB base, whose 262k-piece
vocabulary gguf's own reader takes ~20 s to parse). A file that records nothing, or none at all,
gets None: R-Log's reason-first full mode.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rlog_tui.engine.gguf_header import GGUF_MAGIC, gguf_header
from rlog_tui.protocol import ORDER_METADATA_KEY
from rlog_tui.protocol.decoding import SPELT_PIECES_METADATA_KEY, VOCABULARY_METADATA_KEY

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Records:
    """Everything a weights file records about its training, read in one pass over its header."""

    order: str | None
    vocabulary: np.ndarray | None
    spelt_share: float


NOTHING = Records(None, None, 0.0)


def records_of(weights: Path | None) -> Records:
    """What the GGUF at ``weights`` records (``NOTHING``: no file, nothing recorded, unreadable).

    A missing file or one that is no GGUF is left to the model load, which says so in one line; a
    GGUF whose header cannot be read is worth a warning here, since its records would silently
    change how the model is asked. A file is read once per process while it stays the same: a
    bare base's header (its 262k-piece vocabulary) takes ~0.4 s, and the command line, the engine
    and the evaluator each ask."""
    if weights is None or not _is_gguf(Path(weights)):
        return NOTHING
    path = Path(weights).resolve()
    stat = path.stat()
    return _records(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _records(path: Path, size: int, mtime_ns: int) -> Records:
    try:
        with gguf_header(path) as header:
            return Records(
                header.string(ORDER_METADATA_KEY) or None,
                header.int32_array(VOCABULARY_METADATA_KEY),
                header.float32(SPELT_PIECES_METADATA_KEY) or 0.0,
            )
    except (OSError, ValueError) as error:
        logger.warning("cannot read %s's metadata: %s", path, error)
        return NOTHING


def _is_gguf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == GGUF_MAGIC
    except OSError:
        return False


def recorded_order(weights: Path | None) -> str | None:
    """The recorded output order, or None (no file, nothing recorded, unreadable)."""
    return records_of(weights).order


def recorded_vocabulary(weights: Path | None) -> np.ndarray | None:
    """The token ids recorded as the training vocabulary (``protocol.decoding``)."""
    vocabulary = records_of(weights).vocabulary
    return None if vocabulary is None else vocabulary.copy()  # the cached one stays as read


def recorded_spelt_share(weights: Path | None) -> float:
    """The share of log words the training spelt in pieces (0.0: none recorded)."""
    return records_of(weights).spelt_share
