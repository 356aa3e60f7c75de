"""The template of every line of a followed source, mined entry by entry in small time boxes.

The TUI calls ``SourceTemplates.mine`` from a timer, so a huge file never stalls the UI: lines at
the end first (what is happening now), then older lines as the source's index finds them. Lines
are grouped into entries (``source.entries``) in the file's format, detected from its first lines
unless given; every line of an entry gets the entry's template id. The newest entry may still be
growing (a stack trace being written): it is mined when the next entry starts or when no line has
come for ``ENTRY_IDLE_S``. An older chunk starts at an entry's first line, so a trace is not cut
between two chunks (except one longer than a chunk). Each line also records whether it continues
the entry above it, so the TUI can fold an entry into one row and snap a selection to entries.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rlog_tui.source.entries import (
    MAX_ENTRY_LINES,
    Entry,
    EntryAssembler,
    assemble,
    looks_like_continuation,
)
from rlog_tui.source.formats import SAMPLE_LINES, LogFormat, resolve_format


class EntryFeed(Protocol):
    """What mines an entry into a template id: the screener (``Screener.feed_entry``), which
    also queues each new template for scoring. Typed by what is used, so mining a source does not
    import the screener and the engine behind it."""

    def feed_entry(self, entry: Entry, first_line: str) -> int: ...


ENTRY_IDLE_S = 1.0
"""A growing entry at the end of a tailed file is finished after this long without a new line."""


@dataclass(frozen=True, slots=True)
class Mined:
    """Lines one ``SourceTemplates.mine`` call mined: ``[start, stop)`` at the end and/or before."""

    forward: tuple[int, int]
    backward: tuple[int, int]

    @property
    def count(self) -> int:
        return (self.forward[1] - self.forward[0]) + (self.backward[1] - self.backward[0])


class SourceTemplates:
    """The template id of every line (0-based) of one source (0: not mined yet), and whether
    each line continues the entry above it (1 byte a line).

    ``format_name``: the source's format (``--format``); None recognises it from its first lines.
    ``lines_prepended``/``reset`` keep ids aligned with line numbers.
    """

    __slots__ = (
        "_assembler",
        "_format",
        "_format_name",
        "_hi",
        "_idle_since",
        "_lo",
        "_new_entries",
        "_open_text",
        "continues",
        "ids",
    )

    def __init__(self, format_name: str | None = None) -> None:
        self.ids = array("I")
        self.continues = bytearray()
        self._new_entries: list[tuple[int, int]] = []
        self._lo = self._hi = 0  # lines read are [lo, hi); the open entry's lines are not mined
        self._format_name = format_name
        self._format: LogFormat | None = None
        self._assembler: EntryAssembler | None = None
        self._open_text = ""
        self._idle_since: float | None = None

    @property
    def format_name(self) -> str | None:
        """The source's format, once known."""
        return self._format_name if self._format is None else self._format.name

    def log_format(self, read_lines: Callable[[int, int], list[str]], line_count: int) -> LogFormat:
        """The source's format: ``--format``'s, else recognised from its first lines (once)."""
        if self._format is None:
            sample = read_lines(0, min(line_count, SAMPLE_LINES))
            self._format = resolve_format(self._format_name, sample)
        return self._format

    def template_of(self, line: int) -> int:
        ids = self.ids
        return ids[line] if 0 <= line < len(ids) else 0

    def lines_of(self, template_id: int) -> list[int]:
        """The 0-based lines mined into ``template_id``, in order (a template filter's rows)."""
        ids = np.frombuffer(self.ids, dtype=np.uint32)
        return np.flatnonzero(ids == template_id).tolist()

    def entry_span(self, line: int) -> tuple[int, int]:
        """(first, last) 0-based lines of the mined entry holding ``line`` (alone if unmined)."""
        flags = self.continues
        first = line
        while 0 < first < len(flags) and flags[first] and line - first < MAX_ENTRY_LINES:
            first -= 1
        last = line
        while last + 1 < len(flags) and flags[last + 1] and last - line < MAX_ENTRY_LINES:
            last += 1
        return first, last

    def continues_entry(self, line: int) -> bool:
        """True when ``line`` (0-based) continues the mined entry above it."""
        return 0 <= line < len(self.continues) and bool(self.continues[line])

    def take_entries(self) -> list[tuple[int, int]]:
        """The multi-line entries mined since the last call: (first, last) 0-based lines."""
        entries, self._new_entries = self._new_entries, []
        return entries

    def complete(self, line_count: int) -> bool:
        open_entry = self._assembler is not None and self._assembler.pending_first_line is not None
        return self._lo == 0 and self._hi >= line_count and not open_entry

    def lines_prepended(self, count: int) -> None:
        """``count`` older lines now come first: shift what was mined."""
        self.ids = array("I", bytes(4 * count)) + self.ids
        self.continues = bytearray(count) + self.continues
        self._new_entries = [(first + count, last + count) for first, last in self._new_entries]
        self._lo += count
        self._hi += count
        if self._assembler is not None:
            self._assembler.shift(count)

    def reset(self) -> None:
        """The source was truncated or rotated: its lines are new."""
        self.ids = array("I")
        self.continues = bytearray()
        self._new_entries = []
        self._lo = self._hi = 0
        self._assembler, self._idle_since = None, None

    def mine(
        self,
        screener: EntryFeed,
        read_lines: Callable[[int, int], list[str]],
        line_count: int,
        budget_s: float = 0.012,
        step: int = 512,
        *,
        now: float | None = None,
        idle_s: float = ENTRY_IDLE_S,
    ) -> Mined:
        """Mine unmined lines for about ``budget_s`` seconds; say which were mined.

        ``now`` (``time.monotonic()`` by default) decides when the open entry has been idle.
        """
        if len(self.ids) < line_count:
            self.continues.extend(bytes(line_count - len(self.ids)))
            self.ids.frombytes(bytes(4 * (line_count - len(self.ids))))
        hi0, lo0 = self._hi, self._lo
        if line_count == 0:
            return Mined((hi0, hi0), (lo0, lo0))
        log_format = self.log_format(read_lines, line_count)
        if self._assembler is None:
            self._assembler = EntryAssembler(log_format)
        deadline = time.perf_counter() + budget_s
        while time.perf_counter() < deadline:
            if self._hi < line_count:
                start, stop = self._hi, min(line_count, self._hi + step)
                self._hi = stop
                self._mine_forward(screener, read_lines(start, stop), start)
            elif self._lo > 0:
                self._mine_backward(screener, read_lines, step)
            else:
                break
        now = time.monotonic() if now is None else now
        if self._hi > hi0 or self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since >= idle_s:
            entry = self._assembler.flush()
            if entry is not None:
                self._record(screener, entry, self._open_text)
        return Mined((hi0, self._hi), (self._lo, lo0))

    def _mine_forward(self, screener: EntryFeed, texts: list[str], start: int) -> None:
        assembler = self._assembler
        assert assembler is not None
        for number, text in enumerate(texts, start + 1):
            first_text = self._open_text
            finished = assembler.push(number, text)
            if assembler.pending_first_line == number:
                self._open_text = text
            if finished is not None:
                self._record(screener, finished, first_text)

    def _mine_backward(
        self, screener: EntryFeed, read_lines: Callable[[int, int], list[str]], step: int
    ) -> None:
        """Mine the newest whole entries before ``lo``, reading back to an entry's first line."""
        log_format = self._format
        assert log_format is not None
        size = step
        while True:
            start = max(0, self._lo - size)
            texts = read_lines(start, self._lo)
            skip = 0  # a leading continuation is left for the next, older chunk
            while skip < len(texts) and (
                looks_like_continuation(texts[skip]) or log_format.parse(texts[skip]) is None
            ):
                skip += 1
            if start == 0 or skip < len(texts):
                break
            if size > MAX_ENTRY_LINES:  # no first line anywhere near: take the lines as they are
                skip = 0
                break
            size *= 2
        if start == 0:
            skip = 0
        texts = texts[skip:]
        for entry in assemble(log_format, texts, start + skip + 1):
            self._record(screener, entry, texts[entry.first_line - start - skip - 1])
        self._lo = start + skip

    def _record(self, screener: EntryFeed, entry: Entry, first_text: str) -> None:
        template_id = screener.feed_entry(entry, first_text)
        ids = self.ids
        last = min(entry.last_line, len(ids))
        for index in range(entry.first_line - 1, last):
            ids[index] = template_id
        if last > entry.first_line:
            self.continues[entry.first_line : last] = b"\x01" * (last - entry.first_line)
            self._new_entries.append((entry.first_line - 1, last - 1))
