"""Selections snap to whole entries: a line of a trace selects the trace."""

from __future__ import annotations

import pytest
from test_source_entries import JAVA

from rlog_tui.source.formats import detect_format
from rlog_tui.source.selection import SelectionError, make_selection, select_entries
from rlog_tui.source.time_window import make_window


class Lines:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    @property
    def line_count(self) -> int:
        return len(self.texts)

    def lines(self, start: int, stop: int) -> list[str]:
        return self.texts[start:stop]


def chosen(selection, window=None) -> list[list[int]]:
    reader = Lines(JAVA)
    items = select_entries(
        reader, detect_format(JAVA), selection, window or make_window(None, None)
    )
    return [[number for number, _ in item.lines] for item in items]


def test_a_line_inside_a_trace_selects_the_whole_entry():
    assert chosen(make_selection(lines="4")) == [[2, 3, 4, 5, 6, 7, 8]]
    assert chosen(make_selection(lines="1:2")) == [[1], [2, 3, 4, 5, 6, 7, 8]]


def test_last_counts_entries_and_grep_selects_the_entries_it_matches():
    assert chosen(make_selection()) == [[9]]
    assert chosen(make_selection(last=2)) == [[2, 3, 4, 5, 6, 7, 8], [9]]
    assert chosen(make_selection(grep="SocketTimeout")) == [[2, 3, 4, 5, 6, 7, 8]]


def test_a_time_window_narrows_the_entries_and_an_empty_one_is_an_error():
    window = make_window("2024-03-05 10:15:03", "2024-03-05 10:15:04")
    assert chosen(make_selection(last=5), window) == [[2, 3, 4, 5, 6, 7, 8]]
    with pytest.raises(SelectionError, match="no entry in that time window"):
        chosen(make_selection(), make_window("2030-01-01", None))
    with pytest.raises(SelectionError, match="past the end"):
        chosen(make_selection(lines="50:"))
