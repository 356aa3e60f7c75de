"""The tail view: a virtual, line-based view over a (possibly huge, growing) log file.

Only the visible rows are read and rendered (``render_line``), so a 1 GB file draws at once. Rows
map to file lines through an optional filter (a list of matching line indices). Sticky follow: at
the bottom the view follows new lines; scrolling up pauses it and counts what arrives ("+N new
lines"); End resumes. A cursor and an anchor make the selection the user asks the model about.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rlog_tui.levels import Level, detect_level
from rlog_tui.safe_text import for_display

LEVEL_STYLES = {
    Level.FATAL: Style(color="bright_white", bgcolor="red", bold=True),
    Level.ERROR: Style(color="bright_red"),
    Level.WARNING: Style(color="yellow"),
    Level.INFO: Style(),
    Level.DEBUG: Style(color="grey50"),
    Level.UNKNOWN: Style(),
}
GUTTER_STYLE = Style(color="grey42")
CURSOR_STYLE = Style(bgcolor="grey27")
SELECTED_STYLE = Style(bgcolor="dark_blue")
MATCH_STYLE = Style(color="black", bgcolor="yellow")
FLAG_STYLE = Style(color="bright_red", bold=True)


class TailView(ScrollView, can_focus=True):
    """Rows of one log source; ``line_at(row)`` is the 0-based file line shown in ``row``."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("shift+up", "extend(-1)", "Extend up", show=False),
        Binding("shift+down", "extend(1)", "Extend down", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("home", "first", "First line", show=False),
        Binding("end", "follow", "Follow", show=False),
        Binding("space", "anchor", "Mark", show=False),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
    ]

    following: reactive[bool] = reactive(True)
    new_lines: reactive[int] = reactive(0)

    class SelectionChanged(Message):
        """The cursor or the selection moved (the status bar shows it)."""

    def __init__(
        self,
        read_line: Callable[[int], str],
        line_count: int,
        *,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self._read_line = read_line
        self._line_count = line_count
        self._rows: list[int] | None = None  # None: every line; else the filtered line indices
        self.cursor: int | None = None
        self.anchor: int | None = None
        self.search: re.Pattern[str] | None = None
        self.flagged: Callable[[int], bool] = lambda _line: False
        self._width = 80
        self._update_virtual_size()

    # -- rows and lines ----------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self._line_count if self._rows is None else len(self._rows)

    def line_at(self, row: int) -> int:
        return row if self._rows is None else self._rows[row]

    def row_of_line(self, line: int) -> int | None:
        if self._rows is None:
            return line if 0 <= line < self._line_count else None
        index = bisect.bisect_left(self._rows, line)
        return index if index < len(self._rows) and self._rows[index] == line else None

    def set_rows(self, rows: list[int] | None) -> None:
        """Show only these line indices (sorted), or every line with ``None``."""
        self._rows = rows
        self.cursor = None
        self.anchor = None
        self._update_virtual_size()
        self.refresh()
        if self.following:
            self.scroll_end(animate=False, immediate=True)

    def lines_added(self, line_count: int, new_rows: list[int] | None = None) -> None:
        """The source grew to ``line_count`` lines; ``new_rows`` are matching ones when filtered."""
        before = self.row_count
        self._line_count = line_count
        if self._rows is not None and new_rows:
            self._rows.extend(new_rows)
        added = self.row_count - before
        self._update_virtual_size()
        if added <= 0:
            self.refresh()
            return
        if self.following:
            self.scroll_end(animate=False, immediate=True)
        else:
            self.new_lines += added
        self.refresh()

    def lines_prepended(self, count: int, line_count: int, new_rows: list[int] | None) -> None:
        """``count`` older lines were found before the first known one: every line moves down.

        The view keeps showing the same lines (scroll, cursor and anchor shift with them).
        """
        self._line_count = line_count
        shift_rows = count
        if self._rows is not None:
            front = new_rows or []
            self._rows = front + [line + count for line in self._rows]
            shift_rows = len(front)
        if self.cursor is not None:
            self.cursor += shift_rows
        if self.anchor is not None:
            self.anchor += shift_rows
        self._update_virtual_size()
        if self.following and self.cursor is None:
            self.scroll_end(animate=False, immediate=True)
        else:
            self.scroll_to(y=self.scroll_y + shift_rows, animate=False, immediate=True)
        self.refresh()

    def reset(self, line_count: int) -> None:
        """The source was truncated or rotated: start again from its first line."""
        self._line_count = line_count
        if self._rows is not None:
            self._rows = []
        self.cursor = self.anchor = None
        self.new_lines = 0
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._width, self.row_count)

    # -- selection ---------------------------------------------------------------------------
    def selected_rows(self) -> tuple[int, int] | None:
        """Inclusive (first, last) rows of the selection, or None when nothing is selected."""
        if self.cursor is None:
            return None
        if self.anchor is None:
            return self.cursor, self.cursor
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor)

    def select_rows(self, first: int, last: int) -> None:
        last = min(last, self.row_count - 1)
        first = max(0, min(first, last))
        self.anchor, self.cursor = first, last
        self._show_cursor()

    def clear_selection(self) -> None:
        self.cursor = self.anchor = None
        self.refresh()
        self.post_message(self.SelectionChanged())

    def _show_cursor(self) -> None:
        if self.cursor is not None:
            if self.cursor < self.scroll_y or self.cursor >= self.scroll_y + self.size.height:
                self.scroll_to(
                    y=max(0, self.cursor - self.size.height // 2), animate=False, immediate=True
                )
            self.following = self.cursor >= self.row_count - 1 and self.is_vertical_scroll_end
        self.refresh()
        self.post_message(self.SelectionChanged())

    def _start_cursor(self) -> int:
        bottom = min(self.row_count, int(self.scroll_y) + self.size.height) - 1
        return max(0, bottom)

    def action_cursor(self, delta: int) -> None:
        if self.row_count == 0:
            return
        self.anchor = None
        self.cursor = self._start_cursor() if self.cursor is None else self.cursor + delta
        self.cursor = max(0, min(self.row_count - 1, self.cursor))
        self._show_cursor()

    def action_extend(self, delta: int) -> None:
        if self.row_count == 0:
            return
        if self.cursor is None:
            self.cursor = self._start_cursor()
        if self.anchor is None:
            self.anchor = self.cursor
        self.cursor = max(0, min(self.row_count - 1, self.cursor + delta))
        self._show_cursor()

    def action_cursor_page(self, direction: int) -> None:
        if self.cursor is None and self.row_count:
            self.cursor = self._start_cursor()  # a page from the bottom row, not just onto it
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_anchor(self) -> None:
        """Space: start a range at the cursor (or drop it when one is already anchored)."""
        if self.cursor is None:
            self.cursor = self._start_cursor()
        self.anchor = None if self.anchor is not None else self.cursor
        self._show_cursor()

    def action_first(self) -> None:
        self.following = False
        self.scroll_home(animate=False, immediate=True)

    def action_follow(self) -> None:
        """End: jump to the newest line and follow again."""
        self.cursor = self.anchor = None
        self.following = True
        self.new_lines = 0
        self.scroll_end(animate=False, immediate=True)
        self.refresh()
        self.post_message(self.SelectionChanged())

    def action_next_match(self, direction: int) -> None:
        if self.search is None or self.row_count == 0:
            return
        start = self._start_cursor() if self.cursor is None else self.cursor
        for step in range(1, self.row_count + 1):
            row = (start + direction * step) % self.row_count
            if self.search.search(self._read_line(self.line_at(row))):
                self.anchor = None
                self.cursor = row
                self._show_cursor()
                return
        self.notify(f"no line matches /{self.search.pattern}/", severity="warning")

    # -- following ---------------------------------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new < self.max_scroll_y:
            self.following = False
        elif new >= self.max_scroll_y and self.cursor is None:
            self.following = True
            self.new_lines = 0

    # -- rendering ---------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        if row >= self.row_count:
            return Strip.blank(width, self.rich_style)
        line = self.line_at(row)
        text = for_display(self._read_line(line))
        gutter_width = max(4, len(str(self._line_count)))
        base = LEVEL_STYLES[detect_level(text)]
        selection = self.selected_rows()
        if selection and selection[0] <= row <= selection[1]:
            base += (
                SELECTED_STYLE
                if selection[0] != selection[1] or self.anchor is not None
                else CURSOR_STYLE
            )
        flag = "!" if self.flagged(line) else " "
        segments = [
            Segment(f"{line + 1:>{gutter_width}}", GUTTER_STYLE),
            Segment(flag, FLAG_STYLE),
            Segment(" "),
            *self._highlight(text, base),
        ]
        full = Strip(segments)
        if full.cell_length > self._width:
            self._width = full.cell_length
            self.call_later(self._update_virtual_size)
        return full.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def _highlight(self, text: str, base: Style) -> list[Segment]:
        if self.search is None:
            return [Segment(text, base)]
        pieces: list[Segment] = []
        position = 0
        for match in self.search.finditer(text):
            if match.end() == match.start():
                continue
            pieces.append(Segment(text[position : match.start()], base))
            pieces.append(Segment(match.group(0), base + MATCH_STYLE))
            position = match.end()
        pieces.append(Segment(text[position:], base))
        return [piece for piece in pieces if piece.text]
