"""The status bar's text: the file, its format and filter, the selection, following, the model.

One line that answers "what am I looking at, and is rlog keeping up": lines read (and whether
older ones are still being indexed), the format recognised, how many lines a filter shows, what is
selected, whether the view follows the file or is paused (and how many lines came since), and the
model's state next to how many calls screening made for how many lines. Built from public state
only; the app refreshes it when one of those changes, not on a timer.
"""

from __future__ import annotations

from rich.text import Text

from rlog_tui.engine import Engine
from rlog_tui.engine.worker import EngineState
from rlog_tui.screening.screener import Screener
from rlog_tui.source.stdin_spool import StdinSpool
from rlog_tui.ui.widgets.followed_source import FollowedSource

SEPARATOR = " │ "


def status_line(
    followed: FollowedSource,
    *,
    engine: Engine,
    screener: Screener,
    stdin_spool: StdinSpool | None,
    wrap: bool,
    mined_once: bool,
) -> Text:
    """The status bar for the file shown now."""
    source, view = followed.source, followed.view
    from_stdin = stdin_spool is not None and source.path == stdin_spool.path
    head = f"{'stdin' if from_stdin else source.path.name}: {source.line_count:,} lines"
    if not source.fully_indexed:
        head += " (indexing…)"
    if followed.mining.format_name:
        head += f" [{followed.mining.format_name}]"
    parts = [head]
    if from_stdin and stdin_spool is not None:
        parts.append(stdin_spool.describe())
    if followed.line_filter is not None:
        scanning = " (scanning…)" if followed.scanning else ""
        parts.append(f"filter: {view.row_count:,} shown{scanning}")
    if followed.template_id is not None:
        parts.append(f"template #{followed.template_id}: {view.row_count:,} shown")
    rows = view.selected_rows()
    if rows:
        first, last = view.line_at(rows[0]) + 1, view.line_at(rows[1]) + 1
        parts.append(f"selected {first}-{last}" if last != first else f"line {first}")
    if wrap:
        parts.append("wrap")
    if view.following:
        parts.append("following")
    else:
        parts.append(
            f"paused +{view.new_lines} new lines (End)" if view.new_lines else "paused (End)"
        )
    state = {EngineState.LOADING: "loading model…", EngineState.FAILED: "model failed"}.get(
        engine.state, engine.description
    )
    mining = "" if mined_once else " (mining…)"
    waiting = f" ({screener.waiting} queued)" if screener.busy else ""
    parts.append(
        f"templates {len(screener.miner):,}{mining} · "
        f"model calls {screener.calls:,} / lines {screener.lines_seen:,}{waiting}"
    )
    parts.append(f"model: {state}")
    return Text(SEPARATOR.join(parts))
