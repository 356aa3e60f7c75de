"""The tail view: a virtual, line-based view over a (possibly huge, growing) log file.

Only the visible rows are read and rendered (``render_line``), so a 1 GB file draws at once. Rows
map to file lines through an optional filter (a list of matching line indices). Sticky follow: at
the bottom the view follows new lines; scrolling up pauses it and counts what arrives ("+N new
lines"); End resumes. A cursor and an anchor make the selection the user asks the model about.

Long lines either scroll sideways under a fixed gutter (line numbers stay on screen) or wrap
(``wrap_layout`` decides which piece of which row goes on each screen line). Lines the model's
answer cited (``L<n>``, checked) are highlighted, and ``c`` / ``C`` move the cursor to them.
A multi-line entry (a stack trace) is folded into one row as soon as it is mined (``entry_folds``;
``x`` opens or folds the entry at the cursor, ``X`` all of them); folds apply to the unfiltered
view, a filter shows exactly the lines that match.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable

from rich.cells import cell_len
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rlog_tui.safe_text import for_display
from rlog_tui.widgets.entry_folds import EntryFolds
from rlog_tui.widgets.tail_row import (
    CURSOR_STYLE,
    GUTTER_EXTRA,
    SELECTED_STYLE,
    paint_gutter,
    paint_text,
    text_style,
)
from rlog_tui.widgets.wrap_layout import ScreenLine, fill_down, fill_up, pieces, rows_fitting_at_end

PAN_CELLS = 8
"""Cells one ← / → moves the text sideways when lines are not wrapped."""


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
        Binding("c", "next_cited(1)", "Next cited line", show=False),
        Binding("C", "next_cited(-1)", "Previous cited line", show=False),
        Binding("x", "toggle_entry", "Open/fold entry", show=False),
        Binding("X", "toggle_all_entries", "Open/fold all entries", show=False),
        Binding("left", "pan(-1)", "Scroll left", show=False),
        Binding("right", "pan(1)", "Scroll right", show=False),
    ]

    following: reactive[bool] = reactive(True)
    new_lines: reactive[int] = reactive(0)
    wrap: reactive[bool] = reactive(False)

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
        self.cited: frozenset[int] = frozenset()
        self.entry_of: Callable[[int], tuple[int, int]] = lambda line: (line, line)
        """(first, last) 0-based lines of the entry holding a line (the app's mined entries)."""
        self.continues: Callable[[int], bool] = lambda _line: False
        self.folds = EntryFolds()
        self.fold_new = True
        """Fold each multi-line entry as it is mined (``X`` turns it off and opens them all)."""
        self._entries: dict[int, int] = {}  # every multi-line entry mined: first → last line
        self._fold_version = 0
        """0-based file lines the last answer cited (verified ones: they were sent)."""
        self._text_width = 0  # the widest text drawn so far (for sideways scrolling)
        self._end_rows = 0  # wrapped: how many of the last rows fit on one screen
        self._sized_for: tuple[object, ...] = ()
        self._screen_cache: tuple[tuple[object, ...], list[ScreenLine]] | None = None
        self._update_virtual_size()

    # -- rows and lines ----------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self._line_count - self.folds.hidden if self._rows is None else len(self._rows)

    def line_at(self, row: int) -> int:
        return self.folds.line_of_row(row) if self._rows is None else self._rows[row]

    def row_of_line(self, line: int) -> int | None:
        if self._rows is None:
            return self.folds.row_of_line(line) if 0 <= line < self._line_count else None
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
        self.folds.shift(count)
        self._entries = {first + count: last + count for first, last in self._entries.items()}
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
        self.folds.clear()
        self._entries.clear()
        self.cursor = self.anchor = None
        self.new_lines = 0
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        """Unwrapped: one row a line, as wide as the widest text. Wrapped: scrolled by rows, with
        exactly enough range that the last ``_end_rows`` rows fill the screen at the end."""
        if not self.wrap:
            width = self._gutter_width() + GUTTER_EXTRA + self._text_width
            self.virtual_size = Size(width, self.row_count)
            return
        height = max(1, self._shown.height)
        count = self.row_count
        self._sized_for = self._wrap_key()
        self._end_rows = rows_fitting_at_end(count, height, self._row_pieces)
        self.virtual_size = Size(0, count - self._end_rows + height if count else 0)
        if self.following and self.cursor is None and self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True)

    def _wrap_key(self) -> tuple[object, ...]:
        """What the wrapped scroll range depends on (a scrollbar coming or going changes it too,
        without a resize event: the screen checks the key and re-sizes when it moved)."""
        return (self._shown, self.row_count, self._line_count, id(self._rows), self._fold_version)

    def on_resize(self) -> None:
        self._update_virtual_size()

    def watch_wrap(self) -> None:
        self.scroll_to(x=0, animate=False, immediate=True)
        self._update_virtual_size()
        if self.cursor is not None:
            self._show_cursor()
        elif self.following:
            self.scroll_end(animate=False, immediate=True)
        self.refresh()

    # -- entries -----------------------------------------------------------------------------
    def add_entries(self, spans: list[tuple[int, int]]) -> None:
        """Multi-line entries were mined ((first, last) 0-based lines): fold them (by default)."""
        if not spans:
            return
        self._entries.update(spans)
        if self.fold_new:
            self._keep_place(lambda: self.folds.fold(spans))

    def action_toggle_entry(self) -> None:
        """``x``: open the folded entry at the cursor, or fold the open one it is in."""
        if self.row_count == 0:
            return
        if self.cursor is None:
            self.cursor = self._start_cursor()
        first, last = self.entry_of(self.line_at(self.cursor))
        if last == first:
            self.notify("this line is an entry of its own", severity="warning")
            return
        if self._rows is not None:
            self.notify("entries fold in the unfiltered view", severity="warning")
            return

        def change() -> None:
            if not self.folds.unfold(first):
                self.folds.fold([(first, last)])

        self._keep_place(change)
        self.anchor, self.cursor = None, self.folds.nearest_row(first)
        self._show_cursor()

    def action_toggle_all_entries(self) -> None:
        """``X``: open every entry (and leave new ones open), or fold them all again."""
        self.fold_new = not self.fold_new
        spans = list(self._entries.items())
        self._keep_place(lambda: self.folds.fold(spans) if self.fold_new else self.folds.clear())
        self.notify("entries folded" if self.fold_new else "entries open")

    def _keep_place(self, change: Callable[[], None]) -> None:
        """Change the folds; the cursor, the anchor and the top row keep showing their lines."""
        if self._rows is not None:  # a filtered view shows no folds
            change()
            self._fold_version += 1
            return

        def line_of(row: int | None) -> int | None:
            return None if row is None or row >= self.row_count else self.line_at(row)

        cursor, anchor, top = (
            line_of(self.cursor),
            line_of(self.anchor),
            line_of(int(self.scroll_y)),
        )
        change()
        self._fold_version += 1
        self.cursor = None if cursor is None else self.folds.nearest_row(cursor)
        self.anchor = None if anchor is None else self.folds.nearest_row(anchor)
        self._update_virtual_size()
        if top is not None:  # at the end, this is still the end: following goes on
            self.scroll_to(y=self.folds.nearest_row(top), animate=False, immediate=True)
        self.refresh()

    def set_cited(self, lines: frozenset[int]) -> None:
        """Highlight these 0-based file lines as cited by the answer (an empty set clears)."""
        self.cited = lines
        self.refresh()

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
            if self.wrap:
                self._bring_into_wrapped_view(self.cursor)
            elif self.cursor < self.scroll_y or self.cursor >= self.scroll_y + self._shown.height:
                self.scroll_to(
                    y=max(0, self.cursor - self._shown.height // 2), animate=False, immediate=True
                )
            self.following = self.cursor >= self.row_count - 1 and self.is_vertical_scroll_end
        self.refresh()
        self.post_message(self.SelectionChanged())

    def _bring_into_wrapped_view(self, row: int) -> None:
        """Scroll (by rows) so that every piece of ``row`` is on screen."""
        whole = self._whole_rows()
        if whole and whole[0] <= row <= whole[-1]:
            return
        if row < int(self.scroll_y) or not whole:
            top = row
        else:  # below: the top row that makes ``row`` the last one shown whole
            screen = fill_up(row, max(1, self._shown.height), self._row_pieces)
            top = next((r for r, piece in screen if piece == 0), row)
        self.scroll_to(y=top, animate=False, immediate=True)

    def _whole_rows(self) -> list[int]:
        """Rows shown with all their pieces on the current screen."""
        shown = Counter(row for row, _ in self._screen())
        return [row for row, count in shown.items() if count == self._row_pieces(row)]

    def _start_cursor(self) -> int:
        if self.wrap:
            screen = self._screen()
            return screen[-1][0] if screen else max(0, self.row_count - 1)
        bottom = min(self.row_count, int(self.scroll_y) + self._shown.height) - 1
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
        self.action_cursor(direction * max(1, self._shown.height - 1))

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

    def action_next_cited(self, direction: int) -> None:
        """Move the cursor to the next (or previous) line the answer cited, wrapping around."""
        rows = sorted(row for line in self.cited if (row := self.row_of_line(line)) is not None)
        if not rows:
            self.notify(
                "no cited line in view" if self.cited else "the answer cites no line it was sent",
                severity="warning",
            )
            return
        start = self._start_cursor() if self.cursor is None else self.cursor
        if direction > 0:
            target = next((row for row in rows if row > start), rows[0])
        else:
            target = next((row for row in reversed(rows) if row < start), rows[-1])
        self.anchor = None
        self.cursor = target
        self._show_cursor()

    def action_pan(self, direction: int) -> None:
        """Scroll the text sideways (the gutter stays); nothing to do while wrapping."""
        if not self.wrap:
            self.scroll_to(x=self.scroll_x + direction * PAN_CELLS, animate=False, immediate=True)

    # -- following ---------------------------------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new < self.max_scroll_y:
            self.following = False
        elif new >= self.max_scroll_y and self.cursor is None:
            self.following = True
            self.new_lines = 0

    # -- rendering ---------------------------------------------------------------------------
    @property
    def _shown(self) -> Size:
        """The size of the text area: the widget less its scrollbars."""
        return self.scrollable_content_region.size

    def _gutter_width(self) -> int:
        return max(4, len(str(self._line_count)))

    def _text_room(self) -> int:
        """Cells left for the text beside the gutter (number, flag, entry mark, space)."""
        return max(1, self._shown.width - self._gutter_width() - GUTTER_EXTRA)

    def _display_text(self, row: int) -> str:
        return for_display(self._read_line(self.line_at(row)))

    def _folded_note(self, line: int) -> str:
        """`` +N lines`` after a folded entry's first line, else nothing."""
        last = self.folds.folded_last(line) if self._rows is None else None
        return "" if last is None else f"  +{last - line} lines"

    def _entry_mark(self, line: int) -> str:
        if line in self._entries:
            return "▸" if self._folded_note(line) else "▾"
        return "│" if self.continues(line) else " "

    def _row_pieces(self, row: int) -> int:
        text = self._display_text(row) + self._folded_note(self.line_at(row))
        return pieces(cell_len(text), self._text_room())

    def _screen(self) -> list[ScreenLine]:
        """(row, piece) for each screen line, worked out once per scroll position and size."""
        height = self._shown.height
        first = int(self.scroll_y)
        if not self.wrap:
            return [(row, 0) for row in range(first, min(self.row_count, first + height))]
        if self._wrap_key() != self._sized_for:
            self.call_later(self._update_virtual_size)
        at_end = self.row_count and first >= self.row_count - self._end_rows
        key = (
            first,
            at_end,
            height,
            self._shown.width,
            self.row_count,
            self._line_count,
            id(self._rows),
            self._fold_version,
        )
        if self._screen_cache is not None and self._screen_cache[0] == key:
            return self._screen_cache[1]
        if at_end:
            screen = fill_up(self.row_count - 1, height, self._row_pieces)
        else:
            screen = fill_down(first, self.row_count, height, self._row_pieces)
        self._screen_cache = (key, screen)
        return screen

    def render_line(self, y: int) -> Strip:
        width = self._shown.width
        screen = self._screen()
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
                self.call_later(self._update_virtual_size)
        body = body.crop(start, start + room).extend_cell_length(room, style)
        return Strip.join([gutter, body]).crop(0, width)
