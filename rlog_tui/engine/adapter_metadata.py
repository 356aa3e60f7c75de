"""What an adapter GGUF says about itself beyond its weights: the output order it was trained on,
and the vocabulary it was trained over (when that was a compact base's).

`rlog-quantize adapter` records `rlog.output_order` (see `protocol.ORDER_METADATA_KEY`); the TUI,
`analyze` and the evaluator read it here so a model is asked in the order it learnt. Only the small
adapter file is read (the 253 MB base takes seconds to parse with gguf's reader); a model without
an adapter, or an adapter that records nothing, gets None: R-Log's reason-first full mode.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from rlog_tui.protocol import ORDER_METADATA_KEY
from rlog_tui.protocol.decoding import SPELT_PIECES_METADATA_KEY, VOCABULARY_METADATA_KEY

logger = logging.getLogger(__name__)


def _field(adapter: Path | None, key: str) -> Any:
    """The adapter GGUF's metadata field ``key``, or None (no adapter, no field, unreadable)."""
    if adapter is None:
        return None
    try:
        import gguf

        return gguf.GGUFReader(str(adapter)).get_field(key)
    except (OSError, ValueError) as error:
        logger.warning("cannot read %s's metadata: %s", adapter, error)
        return None


def recorded_order(adapter: Path | None) -> str | None:
    """The adapter's recorded output order, or None (no adapter, nothing recorded, unreadable)."""
    field = _field(adapter, ORDER_METADATA_KEY)
    if field is None:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8", errors="replace")


def recorded_vocabulary(adapter: Path | None) -> np.ndarray | None:
    """The token ids the adapter records as its training vocabulary (``protocol.decoding``)."""
    field = _field(adapter, VOCABULARY_METADATA_KEY)
    if field is None:
        return None
    return np.asarray([int(field.parts[index][0]) for index in field.data], dtype=np.int64)


def recorded_spelt_share(adapter: Path | None) -> float:
    """The share of log words the adapter's training spelt in pieces (0.0: none recorded)."""
    field = _field(adapter, SPELT_PIECES_METADATA_KEY)
    if field is None:
        return 0.0
    return float(field.parts[field.data[0]][0])
