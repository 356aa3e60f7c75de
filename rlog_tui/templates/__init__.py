"""Online log template mining: stable template ids and texts with `<*>` for variables.

Pure Python and stdlib only (no Textual, no Rich), so the CLI, the screener and tests can use it
headless. `TemplateMiner` is the entry point; `HeaderStripper` and `mask_token` are exposed for
callers that want the same normalisation without mining. ``source_mining`` (imported by name)
gives every line of a followed source its entry's template id, a little at a time, for the TUI.
"""

from __future__ import annotations

from rlog_tui.templates.headers import HeaderStripper
from rlog_tui.templates.masking import WILDCARD, Masker, mask_token
from rlog_tui.templates.miner import (
    MatchResult,
    MinerConfig,
    Template,
    TemplateEvent,
    TemplateMiner,
)

__all__ = [
    "WILDCARD",
    "HeaderStripper",
    "Masker",
    "MatchResult",
    "MinerConfig",
    "Template",
    "TemplateEvent",
    "TemplateMiner",
    "mask_token",
]
