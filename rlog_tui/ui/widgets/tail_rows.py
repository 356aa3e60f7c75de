"""The rows of the tail view: which file line each row shows, and how the visible ones are drawn.

Only the visible rows are read and rendered (``render_line``), so a 1 GB file draws at once. Rows
map to file lines through an optional filter (a list of matching line indices) or else through the
folds (``entry_folds``: a folded stack trace is one row). Long lines either scroll sideways under
a fixed gutter (line numbers stay on screen) or wrap (``wrap_layout`` decides which piece of which
row goes on each screen line). ``TailView`` adds the keys, the cursor movements and following;
this base holds what a row is and what is drawn, so the two ideas read apart.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable

from rich.cells import cell_len
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rlog_tui.protocol.safe_text import for_display
from rlog_tui.ui.widgets.entry_folds import EntryFolds
from rlog_tui.ui.widgets.tail_row import (
    CURSOR_STYLE,
    GUTTER_EXTRA,
    SELECTED_STYLE,
    paint_gutter,
    paint_text,
    text_style,
)
from rlog_tui.ui.widgets.wrap_layout import (
    ScreenLine,
    fill_down,
    fill_up,
    pieces,
    rows_fitting_at_end,
)


class TailRows(ScrollView):
    """Rows of one log source; ``line_at(row)`` is the 0-based file line shown in ``row``."""

    following: reactive[bool] = reactive(True)
    new_lines: reactive[int] = reactive(0)
    wrap: reactive[bool] = reactive(False)

    def __init__(
        self,
        read_line: Callable[[int], str],
        line_count: int,
        *,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.read_line = read_line
        self._line_count = line_count
        self._rows: list[int] | None = None  # None: every line; else the filtered line indices
        self.cursor: int | None = None
        self.anchor: int | None = None
        self.search: re.Pattern[str] | None = None
        self.flagged: Callable[[int], bool] = lambda _line: False
        self.cited: frozenset[int] = frozenset()
        """0-based file lines the last answer cited (verified ones: they were sent)."""
        self.entry_of: Callable[[int], tuple[int, int]] = lambda line: (line, line)
        """(first, last) 0-based lines of the entry holding a line (the app's mined entries)."""
        self.continues: Callable[[int], bool] = lambda _line: False
        self.folds = EntryFolds()
        self.fold_new = True
        """Fold each multi-line entry as it is mined (``X`` turns it off and opens them all)."""
        self.entries: dict[int, int] = {}
        """Every multi-line entry mined: first → last 0-based line."""
        self._fold_version = 0  # bumped by every change of the folds (screen caches key on it)
        self._text_width = 0  # the widest text drawn so far (for sideways scrolling)
        self.end_rows = 0
        """Wrapped: how many of the last rows fit on one screen."""
        self._sized_for: tuple[object, ...] = ()
        self._screen_cache: tuple[tuple[object, ...], list[ScreenLine]] | None = None
        self.update_virtual_size()

    # -- rows and lines ----------------------------------------------------------------------
    @property
    def line_count(self) -> int:
        """Lines of the file known so far (filtered or folded ones too)."""
        return self._line_count

    @property
    def filtered(self) -> bool:
        """A filter decides the rows (folds apply to the unfiltered view only)."""
        return self._rows is not None

    @property
    def row_count(self) -> int:
        return self._line_count - self.folds.hidden if not self.filtered else len(self._rows)

    def line_at(self, row: int) -> int:
        return self.folds.line_of_row(row) if not self.filtered else self._rows[row]

    def row_of_line(self, line: int) -> int | None:
        if not self.filtered:
            return self.folds.row_of_line(line) if 0 <= line < self._line_count else None
        index = bisect.bisect_left(self._rows, line)
        return index if index < len(self._rows) and self._rows[index] == line else None

    def set_rows(self, rows: list[int] | None) -> None:
        """Show only these line indices (sorted), or every line with ``None``."""
        self._rows = rows
        self.cursor = None
        self.anchor = None
        self.update_virtual_size()
        self.refresh()
        if self.following:
            self.scroll_end(animate=False, immediate=True)

    def lines_added(self, line_count: int, new_rows: list[int] | None = None) -> None:
        """The source grew to ``line_count`` lines; ``new_rows`` are matching ones when filtered."""
        before = self.row_count
        self._line_count = line_count
        if self.filtered and new_rows:
            self._rows.extend(new_rows)
        added = self.row_count - before
        self.update_virtual_size()
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
        self.folds.shift(count)
        self.entries = {first + count: last + count for first, last in self.entries.items()}
        if self.filtered:
            front = new_rows or []
            self._rows = front + [line + count for line in self._rows]
            shift_rows = len(front)
        if self.cursor is not None:
            self.cursor += shift_rows
        if self.anchor is not None:
            self.anchor += shift_rows
        self.update_virtual_size()
        if self.following and self.cursor is None:
            self.scroll_end(animate=False, immediate=True)
        else:
            self.scroll_to(y=self.scroll_y + shift_rows, animate=False, immediate=True)
        self.refresh()

    def reset(self, line_count: int) -> None:
        """The source was truncated or rotated: start again from its first line."""
        self._line_count = line_count
        if self.filtered:
            self._rows = []
        self.folds.clear()
        self.entries.clear()
        self.cursor = self.anchor = None
        self.new_lines = 0
        self.update_virtual_size()
        self.refresh()

    def update_virtual_size(self) -> None:
        """Unwrapped: one row a line, as wide as the widest text. Wrapped: scrolled by rows, with
        exactly enough range that the last ``end_rows`` rows fill the screen at the end."""
        if not self.wrap:
            width = self._gutter_width() + GUTTER_EXTRA + self._text_width
            self.virtual_size = Size(width, self.row_count)
            return
        height = max(1, self.shown.height)
        count = self.row_count
        self._sized_for = self._wrap_key()
        self.end_rows = rows_fitting_at_end(count, height, self.row_pieces)
        self.virtual_size = Size(0, count - self.end_rows + height if count else 0)
        if self.following and self.cursor is None and self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True)

    def _wrap_key(self) -> tuple[object, ...]:
        """What the wrapped scroll range depends on (a scrollbar coming or going changes it too,
        without a resize event: the screen checks the key and re-sizes when it moved)."""
        return (self.shown, self.row_count, self._line_count, id(self._rows), self._fold_version)

    def folds_changed(self) -> None:
        """The folds changed: what is on screen and the wrapped scroll range are worked out anew."""
        self._fold_version += 1

    def on_resize(self) -> None:
        self.update_virtual_size()

    # -- what is selected and on screen ---------------------------------------------------
    def selected_rows(self) -> tuple[int, int] | None:
        """Inclusive (first, last) rows of the selection, or None when nothing is selected."""
        if self.cursor is None:
            return None
        if self.anchor is None:
            return self.cursor, self.cursor
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor)

    def whole_rows(self) -> list[int]:
        """Rows shown with all their pieces on the current screen."""
        shown = Counter(row for row, _ in self.screen_lines())
        return [row for row, count in shown.items() if count == self.row_pieces(row)]

    # -- rendering ---------------------------------------------------------------------------
    @property
    def shown(self) -> Size:
        """The size of the text area: the widget less its scrollbars."""
        return self.scrollable_content_region.size

    def _gutter_width(self) -> int:
        return max(4, len(str(self._line_count)))

    def _text_room(self) -> int:
        """Cells left for the text beside the gutter (number, flag, entry mark, space)."""
        return max(1, self.shown.width - self._gutter_width() - GUTTER_EXTRA)

    def _display_text(self, row: int) -> str:
        return for_display(self.read_line(self.line_at(row)))

    def _folded_note(self, line: int) -> str:
        """`` +N lines`` after a folded entry's first line, else nothing."""
        last = self.folds.folded_last(line) if not self.filtered else None
        return "" if last is None else f"  +{last - line} lines"

    def _entry_mark(self, line: int) -> str:
        if line in self.entries:
            return "▸" if self._folded_note(line) else "▾"
        return "│" if self.continues(line) else " "

    def row_pieces(self, row: int) -> int:
        text = self._display_text(row) + self._folded_note(self.line_at(row))
        return pieces(cell_len(text), self._text_room())

    def screen_lines(self) -> list[ScreenLine]:
        """(row, piece) for each screen line, worked out once per scroll position and size."""
        height = self.shown.height
        first = int(self.scroll_y)
        if not self.wrap:
            return [(row, 0) for row in range(first, min(self.row_count, first + height))]
        if self._wrap_key() != self._sized_for:
            self.call_later(self.update_virtual_size)
        at_end = self.row_count and first >= self.row_count - self.end_rows
        key = (
            first,
            at_end,
            height,
            self.shown.width,
            self.row_count,
            self._line_count,
            id(self._rows),
            self._fold_version,
        )
        if self._screen_cache is not None and self._screen_cache[0] == key:
            return self._screen_cache[1]
        if at_end:
            screen = fill_up(self.row_count - 1, height, self.row_pieces)
        else:
            screen = fill_down(first, self.row_count, height, self.row_pieces)
        self._screen_cache = (key, screen)
        return screen

    def render_line(self, y: int) -> Strip:
        width = self.shown.width
        screen = self.screen_lines()
        if y >= len(screen):
            return Strip.blank(width, self.rich_style)
        row, piece = screen[y]
        line = self.line_at(row)
        text = self._display_text(row)
        cited = line in self.cited
        selection = self.selected_rows()
        selected = None
        if selection and selection[0] <= row <= selection[1]:
            ranged = selection[0] != selection[1] or self.anchor is not None
            selected = SELECTED_STYLE if ranged else CURSOR_STYLE
        style = text_style(text, cited=cited, selection=selected)
        gutter_width = self._gutter_width()
        gutter = paint_gutter(
            f"{line + 1:>{gutter_width}}" if piece == 0 else " " * gutter_width,
            "!" if piece == 0 and self.flagged(line) else " ",
            self._entry_mark(line) if piece == 0 or self.continues(line) else " ",
            cited=cited,
        )
        body = paint_text(text, self._folded_note(line), style, self.search)
        room = self._text_room()
        if self.wrap:
            start = piece * room
        else:
            start = int(self.scroll_x)
            if body.cell_length > self._text_width:
                self._text_width = body.cell_length
                self.call_later(self.update_virtual_size)
        body = body.crop(start, start + room).extend_cell_length(room, style)
        return Strip.join([gutter, body]).crop(0, width)
