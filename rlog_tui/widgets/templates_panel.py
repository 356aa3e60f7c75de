"""The templates panel: what the log keeps saying, how often, and what the model thinks of it.

A table of templates (by count, by recency or by anomaly score: ``s`` cycles), new ones
highlighted, each with its anomaly score and the verdict it gives (``abnormal`` in red,
``inconclusive`` in orange: between the thresholds); a sparkline of the highlighted template
across the file. Enter filters the tail
view to the highlighted template's lines (again to clear), ``e`` asks the model to explain it. The
app computes the entries (``PanelEntry``) from the screener; this widget only shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Sparkline, Static

from rlog_tui.safe_text import make_printable

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


class TemplatesPanel(Vertical):
    """Templates with counts and verdicts; posts messages, holds no analysis logic."""

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

    class Highlighted(Message):
        """The cursor moved to a template (the app answers with its rate sparkline)."""

        def __init__(self, template_id: int) -> None:
            super().__init__()
            self.template_id = template_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._entries: list[PanelEntry] = []
        self._shown: list[int] = []
        self._summary = ""

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

    def show(self, entries: Sequence[PanelEntry], summary: str) -> None:
        """Replace the rows, keeping the cursor on the same template."""
        self._entries = list(entries)
        self._summary = summary
        self._update_title()
        self._redraw()

    def show_rate(self, data: Sequence[float], label: str) -> None:
        self.query_one("#tp-rate", Sparkline).data = list(data)
        self.query_one("#tp-rate", Sparkline).tooltip = label

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
            self.post_message(self.Highlighted(int(event.row_key.value)))
