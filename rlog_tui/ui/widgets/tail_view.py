"""The tail view: a virtual, line-based view over a (possibly huge, growing) log file, and its keys.

Sticky follow: at the bottom the view follows new lines; scrolling up pauses it and counts what
arrives ("+N new lines"); End resumes. A cursor and an anchor make the selection the user asks the
model about. Lines the model's answer cited (``L<n>``, checked) are highlighted, and ``c`` / ``C``
move the cursor to them. A multi-line entry (a stack trace) is folded into one row as soon as it
is mined (``x`` opens or folds the entry at the cursor, ``X`` all of them); folds apply to the
unfiltered view, a filter shows exactly the lines that match. What a row is and how it is drawn
lives in ``tail_rows``; this module is what the keys do.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.message import Message

from rlog_tui.ui.widgets.tail_rows import TailRows
from rlog_tui.ui.widgets.wrap_layout import fill_up

PAN_CELLS = 8
"""Cells one ← / → moves the text sideways when lines are not wrapped."""


class TailView(TailRows, can_focus=True):
    """Rows of one log source with a cursor, a selection, folding keys and sticky follow."""

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

    class SelectionChanged(Message):
        """The cursor or the selection moved (the status bar shows it)."""

    class FollowingChanged(Message):
        """The view started or stopped following the file (the status bar shows it)."""

    def watch_following(self) -> None:
        self.post_message(self.FollowingChanged())

    def watch_wrap(self) -> None:
        self.scroll_to(x=0, animate=False, immediate=True)
        self.update_virtual_size()
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
        self.entries.update(spans)
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
        if self.filtered:
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
        spans = list(self.entries.items())
        self._keep_place(lambda: self.folds.fold(spans) if self.fold_new else self.folds.clear())
        self.notify("entries folded" if self.fold_new else "entries open")

    def _keep_place(self, change: Callable[[], None]) -> None:
        """Change the folds; the cursor, the anchor and the top row keep showing their lines."""
        if self.filtered:  # a filtered view shows no folds
            change()
            self.folds_changed()
            return

        def line_of(row: int | None) -> int | None:
            return None if row is None or row >= self.row_count else self.line_at(row)

        cursor, anchor, top = (
            line_of(self.cursor),
            line_of(self.anchor),
            line_of(int(self.scroll_y)),
        )
        change()
        self.folds_changed()
        self.cursor = None if cursor is None else self.folds.nearest_row(cursor)
        self.anchor = None if anchor is None else self.folds.nearest_row(anchor)
        self.update_virtual_size()
        if top is not None:  # at the end, this is still the end: following goes on
            self.scroll_to(y=self.folds.nearest_row(top), animate=False, immediate=True)
        self.refresh()

    def set_cited(self, lines: frozenset[int]) -> None:
        """Highlight these 0-based file lines as cited by the answer (an empty set clears)."""
        self.cited = lines
        self.refresh()

    # -- selection ---------------------------------------------------------------------------
    def select_rows(self, first: int, last: int) -> None:
        last = min(last, self.row_count - 1)
        first = max(0, min(first, last))
        self.anchor, self.cursor = first, last
        self._show_cursor()

    def go_to_line(self, line: int) -> bool:
        """Put the cursor on the row showing file ``line`` (or on its folded entry); False when
        a filter hides it."""
        if not self.filtered:
            row = self.folds.nearest_row(line) if 0 <= line < self.line_count else None
        else:
            row = self.row_of_line(line)
        if row is None:
            return False
        self.anchor, self.cursor = None, row
        self._show_cursor()
        return True

    def clear_selection(self) -> None:
        self.cursor = self.anchor = None
        self.refresh()
        self.post_message(self.SelectionChanged())

    def _show_cursor(self) -> None:
        if self.cursor is not None:
            if self.wrap:
                self._bring_into_wrapped_view(self.cursor)
            elif self.cursor < self.scroll_y or self.cursor >= self.scroll_y + self.shown.height:
                self.scroll_to(
                    y=max(0, self.cursor - self.shown.height // 2), animate=False, immediate=True
                )
            self.following = self.cursor >= self.row_count - 1 and self.is_vertical_scroll_end
        self.refresh()
        self.post_message(self.SelectionChanged())

    def _bring_into_wrapped_view(self, row: int) -> None:
        """Scroll (by rows) so that every piece of ``row`` is on screen."""
        whole = self.whole_rows()
        if whole and whole[0] <= row <= whole[-1]:
            return
        if row < int(self.scroll_y) or not whole:
            top = row
        else:  # below: the top row that makes ``row`` the last one shown whole
            screen = fill_up(row, max(1, self.shown.height), self.row_pieces)
            top = next((r for r, piece in screen if piece == 0), row)
        self.scroll_to(y=top, animate=False, immediate=True)

    def _start_cursor(self) -> int:
        if self.wrap:
            screen = self.screen_lines()
            return screen[-1][0] if screen else max(0, self.row_count - 1)
        bottom = min(self.row_count, int(self.scroll_y) + self.shown.height) - 1
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
        self.action_cursor(direction * max(1, self.shown.height - 1))

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
            if self.search.search(self.read_line(self.line_at(row))):
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
