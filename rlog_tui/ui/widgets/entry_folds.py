"""Folded entries: a multi-line entry (a stack trace) shown as one row, and rows ↔ file lines.

A 30-frame Java trace is one event; the tail view shows it as its first line with ``+29 lines``
until the user opens it. The view stays virtual: instead of a list of every visible line (8+
bytes a line), it keeps the folds, one (first, last) pair per folded entry, sorted, with the
number of lines hidden before each, so a row finds its line by one binary search. Line numbers
stay the file's own: folding hides lines, it never renumbers them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from itertools import accumulate


class EntryFolds:
    """The folded entries of one view: ``(first, last)`` 0-based lines, ``first`` shown."""

    __slots__ = ("_firsts", "_hidden_before", "_lasts", "_row_of_first")

    def __init__(self) -> None:
        self._firsts: list[int] = []
        self._lasts: list[int] = []
        self._hidden_before: list[int] = [0]  # lines hidden by the folds before fold k
        self._row_of_first: list[int] = []

    def __len__(self) -> int:
        return len(self._firsts)

    @property
    def hidden(self) -> int:
        """Lines hidden by every fold."""
        return self._hidden_before[-1]

    def fold(self, spans: Iterable[tuple[int, int]]) -> None:
        """Fold these entries (``first < last``); ones already folded stay as they are."""
        known = set(self._firsts)
        new = [(first, last) for first, last in spans if last > first and first not in known]
        if not new:
            return
        merged = sorted([*zip(self._firsts, self._lasts, strict=True), *new])
        self._firsts = [first for first, _ in merged]
        self._lasts = [last for _, last in merged]
        self._reindex()

    def unfold(self, first: int) -> bool:
        """Open the entry folded at ``first``; False when it was not folded."""
        index = bisect.bisect_left(self._firsts, first)
        if index == len(self._firsts) or self._firsts[index] != first:
            return False
        del self._firsts[index], self._lasts[index]
        self._reindex()
        return True

    def folded_last(self, first: int) -> int | None:
        """The last line of the entry folded at ``first``, or None when none is."""
        index = bisect.bisect_left(self._firsts, first)
        if index < len(self._firsts) and self._firsts[index] == first:
            return self._lasts[index]
        return None

    def row_of_line(self, line: int) -> int | None:
        """The row that shows ``line``, or None when a fold hides it."""
        before = bisect.bisect_left(self._firsts, line)
        if before and line <= self._lasts[before - 1]:
            return None
        return line - self._hidden_before[before]

    def nearest_row(self, line: int) -> int:
        """The row that shows ``line``, or the row of the folded entry that hides it."""
        before = bisect.bisect_left(self._firsts, line)
        if before and line <= self._lasts[before - 1]:
            return self._row_of_first[before - 1]
        return line - self._hidden_before[before]

    def line_of_row(self, row: int) -> int:
        """The line shown in ``row`` (a folded entry's row shows its first line)."""
        return row + self._hidden_before[bisect.bisect_left(self._row_of_first, row)]

    def shift(self, lines: int) -> None:
        """``lines`` older lines came before every line: the folds move down with them."""
        self._firsts = [first + lines for first in self._firsts]
        self._lasts = [last + lines for last in self._lasts]
        self._reindex()

    def clear(self) -> None:
        self._firsts, self._lasts = [], []
        self._reindex()

    def _reindex(self) -> None:
        sizes = (last - first for first, last in zip(self._firsts, self._lasts, strict=True))
        self._hidden_before = [0, *accumulate(sizes)]
        self._row_of_first = [
            first - hidden for first, hidden in zip(self._firsts, self._hidden_before, strict=False)
        ]
