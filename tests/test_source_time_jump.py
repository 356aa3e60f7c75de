"""``g`` (go to time) on a real sample: absolute times, times of day, -5m, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlog_tui.source import LogFile
from rlog_tui.source.formats import detect_format
from rlog_tui.source.time_jump import SEARCH_LINES, TimeNotFound, first_line_at, jump_target
from rlog_tui.source.time_window import parse_bound

SAMPLE = Path(__file__).parent.parent / "samples" / "java-trace-incident.log"


@pytest.fixture
def sample() -> LogFile:
    with LogFile.open(SAMPLE) as source:
        source.index_all()
        yield source


def jump(source: LogFile, text: str) -> int:
    log_format = detect_format(source.lines(0, 200))
    return first_line_at(text, source.lines, source.line_count, log_format)


def test_a_time_lands_on_the_first_entry_at_or_after_it(sample):
    assert sample.line(57).startswith("2026-02-19 10:15:30,157")
    assert jump(sample, "2026-02-19 10:15:30") == 57
    assert jump(sample, "2026-02-19 10:15:30,157") == 57  # at: the entry itself
    # after the 10:15:30,190 ERROR and its stack trace (continuation lines carry no time)
    assert sample.line(76).startswith("2026-02-19 10:15:30,895")
    assert jump(sample, "2026-02-19 10:15:30,500") == 76
    assert jump(sample, "2026-02-19 09:00") == 0  # before the first entry: the first


def test_a_time_of_day_is_on_the_newest_entrys_date_and_minus_is_before_the_newest(sample):
    assert jump(sample, "10:15:30") == 57
    newest = parse_bound("t", "2026-02-19 10:15:49,088")
    assert jump_target("-5m", newest) == newest - 300
    assert jump_target("- 2 h", newest) == newest - 7200
    assert jump(sample, "-19s") == jump(sample, "2026-02-19 10:15:30,088")
    # a time of day later than the newest entry is the day before's
    assert jump_target("23:00", newest) == parse_bound("t", "2026-02-18 23:00")


def test_out_of_range_unreadable_and_timeless_files_say_why(sample, tmp_path):
    with pytest.raises(TimeNotFound, match="newest entry is at 2026-02-19 10:15:49"):
        jump(sample, "2026-02-19 11:00")
    with pytest.raises(TimeNotFound, match="cannot read 'yesterday' as a time"):
        jump(sample, "yesterday")
    plain = tmp_path / "plain.log"
    plain.write_text("starting\nworking\ndone\n")
    timeless = f"no timestamps in the last {SEARCH_LINES:,}"
    with LogFile.open(plain) as source, pytest.raises(TimeNotFound, match=timeless):
        jump(source, "10:00")
