"""One timestamp parser for logs and for ``--since/--until``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rlog_tui.source.formats.timestamps import epoch_seconds, find_timestamp, parse_timestamp

MOMENT = datetime(2024, 3, 5, 10, 15, 3, tzinfo=UTC).timestamp()
THIS_YEAR = datetime.now(UTC).year


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05T10:15:03Z",
        "2024-03-05T10:15:03+00:00",
        "2024-03-05T11:15:03+01:00",
        "2024-03-05 10:15:03",
        "2024-03-05 10:15:03,000",
        "2024/03/05 10:15:03",
        "05/Mar/2024:10:15:03 +0000",
        "05/Mar/2024:03:15:03 -0700",
        "Tue Mar 05 10:15:03 2024",
        "2024-03-05-10.15.03.000000",
        "240305 101503",
        "1709633703",
        "1709633703000",
        "1709633703000000",
    ],
)
def test_the_same_moment_written_by_different_logs(text):
    assert parse_timestamp(text) == pytest.approx(MOMENT)


def test_dates_without_a_year_take_this_year():
    expected = datetime(THIS_YEAR, 3, 5, 10, 15, 3, tzinfo=UTC).timestamp()
    assert parse_timestamp("Mar  5 10:15:03") == expected
    assert parse_timestamp("0305 10:15:03") == expected
    assert parse_timestamp("03-05 10:15:03.000") == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-45", "10:15", "", "Foo 5 10:15:03"])
def test_text_that_is_not_a_time_is_none(text):
    assert parse_timestamp(text) is None


def test_a_header_timestamp_is_found_and_units_are_told_apart():
    assert find_timestamp("[2024-03-05 10:15:03] ERROR ") == pytest.approx(MOMENT)
    assert epoch_seconds(1709633703123.0) == pytest.approx(1709633703.123)
