"""Which log lines a request is about: a range, the lines matching a regex, or the last N.

Shared by ``rlog-tui analyze`` (flags) and the TUI (selection keys), so "lines 10:20" means the same
thing in both: 1-based, inclusive line numbers, as shown in the tail view's gutter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rlog_tui.errors import UsageError

DEFAULT_LAST = 1
"""With no selection (``analyze`` without flags, enter in the TUI), the last line: R-Log models
learn from one log entry per example (all five tasks: median one line) and the shipped rlog-270m
degenerates on 10-20-line windows; more lines are selected on purpose."""
GREP_LIMIT = 2_000
"""At most this many matching lines are kept (the newest): a prompt cannot hold more anyway."""


class SelectionError(UsageError):
    """A selection the user typed cannot be understood or selects nothing."""


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


def apply_selection(reader: LineReader, selection: Selection) -> list[tuple[int, str]]:
    """The selected lines as (1-based line number, text), oldest first."""
    total = reader.line_count
    if selection.line_range:
        first, last = selection.line_range
        stop = total if last is None else min(last, total)
        if first > total:
            raise SelectionError(f"line {first} is past the end of the file ({total} lines)")
        return _numbered(reader.lines(first - 1, stop), first)
    if selection.grep:
        found: list[tuple[int, str]] = []
        chunk = 10_000
        for start in range(0, total, chunk):
            for offset, text in enumerate(reader.lines(start, min(start + chunk, total))):
                if selection.grep.search(text):
                    found.append((start + offset + 1, text))
            if len(found) > 2 * GREP_LIMIT:
                found = found[-GREP_LIMIT:]
        if not found:
            raise SelectionError(f"no line matches /{selection.grep.pattern}/")
        return found[-GREP_LIMIT:]
    count = selection.last or DEFAULT_LAST
    start = max(0, total - count)
    return _numbered(reader.lines(start, total), start + 1)


def _numbered(texts: Sequence[str], first: int) -> list[tuple[int, str]]:
    return [(first + offset, text) for offset, text in enumerate(texts)]
