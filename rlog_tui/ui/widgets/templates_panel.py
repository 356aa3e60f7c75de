"""The templates panel: what the log keeps saying, how often, and what the model thinks of it.

A table of templates (by count, by recency or by anomaly score: ``s`` cycles), new ones
highlighted, each with its anomaly score and the verdict it gives (``abnormal`` in red,
``inconclusive`` in orange: between the thresholds); a sparkline of the highlighted template
across the file. Enter filters the tail
view to the highlighted template's lines (again to clear), ``e`` asks the model to explain it.

The panel owns its state: it reads the screener's templates and verdicts itself (when open, and
only when they changed) and the highlighted template's rate from the shown file's mined lines.
It tells the app what the user chose through messages (``Chosen``, ``Explain``); the app tells
it which file is shown (``show_source``), when templates count as new (``new_after``) and when
verdicts changed (``refresh_templates``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Sparkline, Static

from rlog_tui.protocol.safe_text import make_printable
from rlog_tui.screening.screener import Screener, score_of
from rlog_tui.templates.source_mining import SourceTemplates


@dataclass(frozen=True, slots=True)
class PanelEntry:
    """One row: a template as the app sees it now."""

    template_id: int
    count: int
    template: str
    verdict: str
    """``normal``/``abnormal``/``inconclusive``/``unknown``, or the screening state (``queued``,
    ``judging…``)."""
    last_seen: int
    is_new: bool
    score: float | None = None
    """P(abnormal) vs P(normal) (``protocol.scores``); None until scored."""


MAX_ROWS = 300
"""Rows drawn: the top of the current order (a flood of junk templates stays cheap to show)."""
TEMPLATE_CHARS = 200

VERDICT_STYLES = {
    "abnormal": "bold bright_red",
    "inconclusive": "bold dark_orange",
    "normal": "green",
    "unknown": "yellow",
}
ORDERS = ("count", "recency", "score")
"""What ``s`` cycles through."""
NEW_TEMPLATE_SECONDS = 300.0
"""A template that appeared after the first full pass is highlighted as new for this long."""
RATE_BUCKETS = 48
"""Slices of the file the rate sparkline counts the highlighted template's lines in."""


class TemplatesPanel(Vertical):
    """Templates with counts and verdicts from ``screener``; posts messages up to the app."""

    DEFAULT_CSS = """
    TemplatesPanel { height: 16; border-top: hkey $primary-darken-2; }
    TemplatesPanel #tp-title { height: 1; color: $text-muted; }
    TemplatesPanel #tp-rate { height: 2; }
    TemplatesPanel DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "toggle_order", "Order", show=False),
        Binding("e", "explain", "Explain", show=False),
    ]

    order: reactive[str] = reactive("count")

    class Chosen(Message):
        """Enter on a template: filter the tail to its lines."""

        def __init__(self, template_id: int) -> None:
            super().__init__()
            self.template_id = template_id

    class Explain(Message):
        """``e`` on a template: ask the model about it."""

        def __init__(self, template_id: int) -> None:
            super().__init__()
            self.template_id = template_id

    def __init__(
        self, screener: Screener, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._screener = screener
        self._entries: list[PanelEntry] = []
        self._shown: list[int] = []
        self._summary = ""
        self._built_from: tuple[int, int, int] | None = None  # the screener's counts then
        self._source: tuple[str, SourceTemplates] | None = None
        self.new_after: float | None = None
        """Templates created after this ``time.monotonic()`` (the first full pass over the
        files) are new; None until that pass is done."""

    def compose(self) -> ComposeResult:
        yield Static(id="tp-title")
        yield Sparkline([], summary_function=max, id="tp-rate")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="tp-table")
        table.add_columns("#", "count", "score", "verdict", "template")
        yield table

    def on_mount(self) -> None:
        self._update_title()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#tp-table", DataTable)

    @property
    def highlighted(self) -> int | None:
        """The template under the cursor, if any."""
        table = self.table
        if not self._shown or not 0 <= table.cursor_row < len(self._shown):
            return None
        return self._shown[table.cursor_row]

    @property
    def shown_ids(self) -> list[int]:
        """Template ids in the order the rows show them."""
        return list(self._shown)

    @property
    def is_open(self) -> bool:
        return self.has_class("open")

    def toggle(self) -> bool:
        """Open (rows rebuilt, the table focused) or close the panel; True when it opened."""
        opening = not self.is_open
        self.set_class(opening, "open")
        if opening:
            self.refresh_templates(force=True)
            self.table.focus()
        return opening

    def show_source(self, name: str, mining: SourceTemplates) -> None:
        """The file the tail shows now: the rate sparkline counts its lines."""
        self._source = (name, mining)

    def refresh_templates(self, *, force: bool = False) -> None:
        """Rebuild the rows from the screener when open and something changed (or ``force``)."""
        screener = self._screener
        state = (screener.lines_seen, len(screener.miner), screener.calls + screener.cache_hits)
        if not self.is_open or (state == self._built_from and not force):
            return
        self._built_from = state
        now = time.monotonic()
        entries = []
        for template, info in screener.templates():
            if info.verdict is not None:
                verdict = info.verdict.label
            elif not screener.usable:  # no engine, or one that failed or cannot score
                verdict = "-"
            else:
                verdict = {"screening": "judging…"}.get(info.state, info.state)
            # "New": appeared after the first full pass over the files, and recently.
            is_new = (
                self.new_after is not None
                and info.created > self.new_after
                and now - info.created < NEW_TEMPLATE_SECONDS
            )
            entries.append(
                PanelEntry(
                    template.id,
                    template.count,
                    template.text,
                    verdict,
                    info.last_seen,
                    is_new,
                    score_of(info),
                )
            )
        self.show(entries, f"{len(entries):,} templates")

    def show(self, entries: Sequence[PanelEntry], summary: str) -> None:
        """Replace the rows, keeping the cursor on the same template."""
        self._entries = list(entries)
        self._summary = summary
        self._update_title()
        self._redraw()

    def show_rate(self, template_id: int) -> None:
        """The sparkline: where in the shown file the template's lines are."""
        if self._source is None:
            return
        name, mining = self._source
        positions = mining.lines_of(template_id)
        total = max(1, len(mining.ids))
        buckets = np.bincount(
            np.asarray(positions, dtype=np.int64) * RATE_BUCKETS // total, minlength=RATE_BUCKETS
        )
        sparkline = self.query_one("#tp-rate", Sparkline)
        sparkline.data = buckets.tolist()
        sparkline.tooltip = (
            f"template #{template_id}: {len(positions):,} lines in {name}, "
            f"across the file in {RATE_BUCKETS} slices"
        )

    def _update_title(self) -> None:
        title = f"Templates by {self.order} · {self._summary} · enter filter · e explain · s order"
        self.query_one("#tp-title", Static).update(Text(title))

    def watch_order(self) -> None:
        if self.is_mounted:
            self._update_title()
            self._redraw()

    def _redraw(self) -> None:
        if self.order == "count":
            ordered = sorted(self._entries, key=lambda e: (-e.count, e.template_id))
        elif self.order == "score":
            ordered = sorted(
                self._entries,
                key=lambda e: (e.score is None, -(e.score or 0.0), -e.count, e.template_id),
            )
        else:
            ordered = sorted(self._entries, key=lambda e: -e.last_seen)
        ordered = ordered[:MAX_ROWS]
        table = self.table
        keep = self.highlighted
        table.clear()
        for entry in ordered:
            style = "bold yellow" if entry.is_new else ""
            template = make_printable(entry.template)[:TEMPLATE_CHARS] or "(empty line)"
            table.add_row(
                Text(str(entry.template_id), style=style),
                Text(f"{entry.count:,}", style=style),
                Text("–" if entry.score is None else f"{entry.score:.2f}", style=style),
                Text(entry.verdict, style=VERDICT_STYLES.get(entry.verdict, "dim")),
                Text(("new " if entry.is_new else "") + template, style=style),
                key=str(entry.template_id),
            )
        self._shown = [entry.template_id for entry in ordered]
        if keep is not None and keep in self._shown:
            table.move_cursor(row=self._shown.index(keep), animate=False)

    def action_toggle_order(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]

    def action_explain(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Explain(self.highlighted))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(int(event.row_key.value)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.show_rate(int(event.row_key.value))
