"""What an adapter GGUF says about itself beyond its weights: the output order it was trained on.

`rlog-quantize adapter` records `rlog.output_order` (see `protocol.ORDER_METADATA_KEY`); the TUI,
`analyze` and the evaluator read it here so a model is asked in the order it learnt. Only the small
adapter file is read (the 253 MB base takes seconds to parse with gguf's reader); a model without
an adapter, or an adapter that records nothing, gets None: R-Log's reason-first full mode.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rlog_tui.protocol import ORDER_METADATA_KEY

logger = logging.getLogger(__name__)


def recorded_order(adapter: Path | None) -> str | None:
    """The adapter's recorded output order, or None (no adapter, nothing recorded, unreadable)."""
    if adapter is None:
        return None
    try:
        import gguf

        field = gguf.GGUFReader(str(adapter)).get_field(ORDER_METADATA_KEY)
    except (OSError, ValueError) as error:
        logger.warning("cannot read %s's metadata: %s", adapter, error)
        return None
    if field is None:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8", errors="replace")
