"""One followed file as the TUI shows it: its lines, their templates, and what its view shows.

Everything that happens to one file passes through here on the UI thread (so no locks): it
grows or is rotated (``refresh``), its older lines are found (``index_older``), its entries are
mined (``mine``), and a filter decides which lines its tail view shows: every line, the lines a
regex matches (or does not), or one template's lines. The app owns one per file and says when to
do each; this keeps the file's ``TailView`` in step. Work on a huge file is done a chunk at a
time, so the app can run it between key presses; ``busy`` says whether any is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rlog_tui.screening.screener import Screener
from rlog_tui.source import Appended, Deleted, LogFile, Rotated, Truncated
from rlog_tui.templates.source_mining import SourceTemplates
from rlog_tui.ui.widgets.tail_view import TailView

INDEX_CHUNK_BYTES = 1 << 20
"""Bytes of older lines indexed per step: the last screen shows at once, the rest fills in."""
FILTER_CHUNK = 20_000
"""Lines scanned per step while a filter is (re)computed, so huge files never freeze the UI."""


@dataclass(frozen=True, slots=True)
class LineFilter:
    """Lines ``pattern`` matches, or with ``exclude`` the lines it does not."""

    pattern: re.Pattern[str]
    exclude: bool

    def keeps(self, text: str) -> bool:
        return bool(self.pattern.search(text)) != self.exclude


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should hear about the file (the app shows it as a notification)."""

    text: str
    severity: str = "information"


class FollowedSource:
    """A ``LogFile``, the templates of its lines, and the ``TailView`` that shows it."""

    def __init__(
        self, source: LogFile, mining: SourceTemplates, view: TailView, screener: Screener
    ) -> None:
        self.source = source
        self.mining = mining
        self.view = view
        self.line_filter: LineFilter | None = None
        self.template_id: int | None = None
        """The template whose lines the view shows (None: no template filter)."""
        self._scan: tuple[int, list[int]] | None = None  # (next line, matches so far)
        is_abnormal = screener.is_abnormal
        view.flagged = lambda line: is_abnormal(mining.template_of(line))
        view.entry_of = mining.entry_span
        view.continues = mining.continues_entry

    @property
    def scanning(self) -> bool:
        """A line filter is still being computed over the file."""
        return self._scan is not None

    @property
    def busy(self) -> bool:
        """Chunked work is left: older lines to index, lines to mine or a filter to compute."""
        line_count = self.source.line_count
        return (
            not self.source.fully_indexed
            or not self.mining.complete(line_count)
            or self._scan is not None
        )

    # -- the file changes --------------------------------------------------------------------
    def refresh(self) -> list[Notice]:
        """Read what the file did since the last call; the view follows."""
        name = self.source.path.name
        notices = []
        for event in self.source.refresh():
            if isinstance(event, Appended):
                stop = event.first_line + event.count
                self.view.lines_added(self.source.line_count, self.matching(event.first_line, stop))
            elif isinstance(event, Truncated | Rotated):
                self.mining.reset()
                self.view.reset(self.source.line_count)
                if self.line_filter is not None:
                    self._start_scan()
                what = "truncated" if isinstance(event, Truncated) else "rotated"
                notices.append(Notice(f"{name} was {what}: following the new file"))
            elif isinstance(event, Deleted):
                notices.append(Notice(f"{name} was deleted: showing what was read", "warning"))
        return notices

    def index_older(self) -> bool:
        """Index a chunk of older lines (they come before every known one); True when found."""
        if self.source.fully_indexed:
            return False
        added = self.source.index_older(INDEX_CHUNK_BYTES)
        if added:
            self.mining.lines_prepended(added)
            self.view.lines_prepended(added, self.source.line_count, self.matching(0, added))
        return bool(added)

    def mine(self, screener: Screener, budget_s: float) -> bool:
        """Mine for about ``budget_s`` seconds; a template filter grows with what matched.

        True when any line was mined (the view may flag them: cached verdicts apply at once)."""
        source, view = self.source, self.view
        if self.mining.complete(source.line_count):
            return False
        mined = self.mining.mine(screener, source.lines, source.line_count, budget_s)
        view.add_entries(self.mining.take_entries())  # an idle flush mines an entry, no line
        if not mined.count:
            return False
        view.refresh()
        if self.template_id is not None:
            if mined.backward[0] < mined.backward[1]:
                view.set_rows(self.mining.lines_of(self.template_id))
            else:
                view.lines_added(source.line_count, self.matching(*mined.forward))
        return True

    # -- filters -----------------------------------------------------------------------------
    def matching(self, start: int, stop: int) -> list[int] | None:
        """Lines in ``[start, stop)`` the view shows; None when it shows every line."""
        if self.template_id is not None:
            template_of = self.mining.template_of
            return [line for line in range(start, stop) if template_of(line) == self.template_id]
        spec = self.line_filter
        if spec is None:
            return None
        texts = self.source.lines(start, stop)
        lines = range(start, stop)
        return [line for line, text in zip(lines, texts, strict=True) if spec.keeps(text)]

    def filter_lines(self, spec: LineFilter | None) -> None:
        """Show the lines ``spec`` keeps (computed a chunk at a time), or every line."""
        self.template_id = None
        self.line_filter = spec
        if spec is None:
            self._scan = None
            self.view.set_rows(None)
        else:
            self._start_scan()

    def filter_template(self, template_id: int | None) -> None:
        """Show only one template's lines (None: every line); any line filter goes."""
        self.line_filter, self._scan = None, None
        self.template_id = template_id
        rows = None if template_id is None else self.mining.lines_of(template_id)
        self.view.set_rows(rows)

    def _start_scan(self) -> None:
        self._scan = (0, [])
        self.view.set_rows([])
        self.scan_step()

    def scan_step(self) -> None:
        """Compute the next chunk of a line filter; the view shows the result when done."""
        if self._scan is None:
            return
        position, found = self._scan
        total = self.source.line_count
        stop = min(total, position + FILTER_CHUNK)
        found.extend(self.matching(position, stop) or [])
        if stop >= total:
            self._scan = None
            self.view.set_rows(found)
        else:
            self._scan = (stop, found)
