"""Which log entries a request is about: a range, the entries matching a regex, or the last N.

Shared by ``rlog-tui analyze`` (flags) and the TUI (selection keys), so "lines 10:20" means the same
thing in both: 1-based, inclusive line numbers, as shown in the tail view's gutter. In ``analyze``
a selection snaps to whole entries (a line of a stack trace selects the whole trace).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from rlog_tui.errors import InputError, UsageError
from rlog_tui.source.entries import Entry, EntryAssembler
from rlog_tui.source.formats import LogFormat

DEFAULT_LAST = 1
"""With no selection (``analyze`` without flags, enter in the TUI), the last line: R-Log models
learn from one log entry per example (all five tasks: median one line) and the shipped rlog-270m
degenerates on 10-20-line windows; more lines are selected on purpose."""
GREP_LIMIT = 2_000
"""At most this many matching lines are kept (the newest): a prompt cannot hold more anyway."""


class SelectionError(UsageError):
    """A selection the user typed cannot be understood or selects nothing."""


class TimeWindowLike(Protocol):
    @property
    def bounded(self) -> bool: ...

    def holds(self, entry: Entry) -> bool: ...


class LineReader(Protocol):
    @property
    def line_count(self) -> int: ...

    def lines(self, start: int, stop: int) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Selection:
    """How to pick lines. Exactly one of the fields is set; none means the last ``DEFAULT_LAST``."""

    line_range: tuple[int, int | None] | None = None
    grep: re.Pattern[str] | None = None
    last: int | None = None

    def describe(self) -> str:
        if self.line_range:
            first, last = self.line_range
            return f"lines {first}:{last if last is not None else ''}"
        if self.grep:
            return f"lines matching /{self.grep.pattern}/"
        count = self.last or DEFAULT_LAST
        return "last line" if count == 1 else f"last {count} lines"


def parse_range(text: str) -> tuple[int, int | None]:
    """``"A:B"`` → (A, B), 1-based inclusive; ``"A:"`` runs to the end; ``"A"`` is one line."""
    match = re.fullmatch(r"\s*(\d*)\s*(?::\s*(\d*)\s*)?", text)
    if not match or (not match.group(1) and not match.group(2) and ":" not in text):
        raise SelectionError(f"bad line range {text!r}: use A:B, A: or :B (1-based, inclusive)")
    first = int(match.group(1)) if match.group(1) else 1
    if ":" not in text:
        last: int | None = first
    else:
        last = int(match.group(2)) if match.group(2) else None
    if first < 1 or (last is not None and last < first):
        raise SelectionError(f"bad line range {text!r}: lines are numbered from 1 and A ≤ B")
    return first, last


def make_selection(
    lines: str | None = None, grep: str | None = None, last: int | None = None
) -> Selection:
    """Validate the CLI's mutually exclusive selection flags."""
    given = [
        name
        for name, value in (("--lines", lines), ("--grep", grep), ("--last", last))
        if value is not None
    ]
    if len(given) > 1:
        raise SelectionError(f"choose one of {', '.join(given)}")
    if lines is not None:
        return Selection(line_range=parse_range(lines))
    if grep is not None:
        try:
            return Selection(grep=re.compile(grep))
        except re.error as error:
            raise SelectionError(f"bad --grep regex {grep!r}: {error}") from None
    if last is not None and last < 1:
        raise SelectionError("--last must be at least 1")
    return Selection(last=last)


@dataclass(frozen=True, slots=True)
class EntryLines:
    """An entry and its lines, numbered as in the file."""

    entry: Entry
    lines: list[tuple[int, str]]


def read_entries(
    reader: LineReader, log_format: LogFormat, chunk: int = 10_000
) -> Iterator[EntryLines]:
    """Every entry of the reader's lines, with the lines, oldest first."""
    assembler = EntryAssembler(log_format)
    open_lines: list[tuple[int, str]] = []
    total = reader.line_count
    for start in range(0, total, chunk):
        for number, text in enumerate(reader.lines(start, min(start + chunk, total)), start + 1):
            finished = assembler.push(number, text)
            if finished is not None:
                yield EntryLines(finished, open_lines)
                open_lines = []
            open_lines.append((number, text))
    last = assembler.flush()
    if last is not None:
        yield EntryLines(last, open_lines)


def select_entries(
    reader: LineReader, log_format: LogFormat, selection: Selection, window: TimeWindowLike
) -> list[EntryLines]:
    """The selected entries: a line range, a grep or the last N snap to whole entries."""
    entries = (item for item in read_entries(reader, log_format) if window.holds(item.entry))
    if selection.line_range:
        first, last = selection.line_range
        if first > reader.line_count:
            raise SelectionError(
                f"line {first} is past the end of the file ({reader.line_count} lines)"
            )
        chosen = [
            item
            for item in entries
            if item.entry.last_line >= first and (last is None or item.entry.first_line <= last)
        ]
    elif selection.grep:
        pattern = selection.grep
        kept: deque[EntryLines] = deque()
        lines = 0
        for item in entries:
            if any(pattern.search(text) for _, text in item.lines):
                kept.append(item)
                lines += len(item.lines)
                while lines > GREP_LIMIT and len(kept) > 1:
                    lines -= len(kept.popleft().lines)
        if not kept:
            raise SelectionError(f"no line matches /{pattern.pattern}/")
        chosen = list(kept)
    else:
        chosen = list(deque(entries, maxlen=selection.last or DEFAULT_LAST))
    if not chosen and window.bounded:
        raise SelectionError("no entry in that time window")
    if not chosen:
        raise InputError("nothing to analyse: the log has no lines")
    return chosen
