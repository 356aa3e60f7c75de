"""``--since/--until`` read by the logs' own timestamp parser; unreadable times are errors."""

from __future__ import annotations

import pytest

from rlog_tui.source.entries import Entry
from rlog_tui.source.selection import SelectionError
from rlog_tui.source.time_window import make_window


def entry_at(stamp: float | None) -> Entry:
    return Entry(1, 1, "m", timestamp=stamp)


def test_the_window_holds_entries_between_its_bounds_inclusive():
    window = make_window("2024-03-05T10:00:00Z", "05/Mar/2024:11:00:00 +0000")
    assert window.holds(entry_at(window.since)) and window.holds(entry_at(window.until))
    assert not window.holds(entry_at(window.since - 1))
    assert not window.holds(entry_at(None))  # an entry with no time is outside any window
    assert make_window(None, None).holds(entry_at(None))


def test_an_unreadable_or_reversed_time_is_a_clear_error():
    with pytest.raises(SelectionError, match="cannot read --since 'last tuesday' as a time"):
        make_window("last tuesday", None)
    with pytest.raises(SelectionError, match="before --since"):
        make_window("2024-03-05 11:00", "2024-03-05 10:00")
