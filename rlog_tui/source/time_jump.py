"""The TUI's ``g`` (go to time): the first entry at or after a time the user types.

Absolute times are read by the logs' own timestamp parser (as ``analyze --since``), so
``2026-11-30 14:03:07`` or ``Nov 30 14:03:07`` mean what they mean in the log. Two short forms
are relative to the file, not to the clock, since a log read days later has no "now": a time of
day (``14:03``) is on the date of the file's newest entry (the day before when that is later than
the newest entry), and ``-5m`` (s, m, h, d) is that long before the newest entry.

Timestamps come from the file's format (its entries' first lines). Logs are written in time
order, so a binary search finds the line in a few dozen reads even in a huge file; each probe
takes the first timestamped line at or after its middle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rlog_tui.errors import UsageError
from rlog_tui.source.formats import LogFormat
from rlog_tui.source.time_window import TIME_HELP, parse_bound

ReadLines = Callable[[int, int], list[str]]
"""``LogFile.lines``: lines ``[start, stop)``, 0-based."""

JUMP_HELP = f"14:03, -5m (s/m/h/d before the newest entry), or {TIME_HELP}"
PROBE_CHUNK = 256
"""Lines read at a time while looking for a timestamped line."""
SEARCH_LINES = 20_000
"""How far from the start (or the end) a file is searched for its first (or newest) timestamp."""
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RELATIVE = re.compile(r"-\s*(?P<amount>\d+)\s*(?P<unit>[smhd])")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?")


class TimeNotFound(UsageError):
    """The time cannot be read, the file has no timestamps, or none is that late."""


def jump_target(text: str, newest: float) -> float:
    """Epoch seconds that ``text`` names, ``newest`` being the file's newest timestamp."""
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative is not None:
        return newest - int(relative["amount"]) * SECONDS[relative["unit"]]
    if _TIME_OF_DAY.fullmatch(text):
        day = datetime.fromtimestamp(newest, UTC).date()
        stamp = _read(f"{day.isoformat()} {text}")
        if stamp > newest:  # later than anything written: the same time the day before
            stamp = _read(f"{(day - timedelta(days=1)).isoformat()} {text}")
        return stamp
    return _read(text)


def _read(text: str) -> float:
    try:
        stamp = parse_bound("time", text)
    except UsageError:
        raise TimeNotFound(f"cannot read {text!r} as a time: use {JUMP_HELP}") from None
    assert stamp is not None
    return stamp


def first_line_at(text: str, read_lines: ReadLines, line_count: int, log_format: LogFormat) -> int:
    """The 0-based line of the first entry stamped at or after the time ``text`` names."""

    def stamp_of(line: str) -> float | None:
        parsed = log_format.parse(line)
        return None if parsed is None else parsed.timestamp

    newest = _newest(read_lines, line_count, stamp_of)
    if newest is None:
        raise TimeNotFound(
            f"no timestamps in the last {SEARCH_LINES:,} lines of this file "
            f"(format {log_format.name}): nothing to go to"
        )
    target = jump_target(text, newest)
    low, high = 0, line_count  # the first line stamped >= target is in [low, high)
    while low < high:
        middle = (low + high) // 2
        found = _first_stamp(read_lines, middle, high, stamp_of)
        if found is None:
            high = middle  # no timestamp in [middle, high): the line, if any, is before
        elif found[1] >= target:
            high = found[0]
        else:
            low = found[0] + 1
    found = _first_stamp(read_lines, low, line_count, stamp_of)
    if found is None or found[1] < target:
        shown = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M:%S")
        raise TimeNotFound(f"nothing at or after {text!r}: the newest entry is at {shown}")
    return found[0]


def _first_stamp(
    read_lines: ReadLines, start: int, stop: int, stamp_of: Callable[[str], float | None]
) -> tuple[int, float] | None:
    """(line, timestamp) of the first timestamped line in ``[start, stop)``."""
    position = start
    while position < stop:
        chunk = read_lines(position, min(stop, position + PROBE_CHUNK))
        for offset, line in enumerate(chunk):
            if (stamp := stamp_of(line)) is not None:
                return position + offset, stamp
        position += len(chunk) or PROBE_CHUNK
    return None


def _newest(
    read_lines: ReadLines, line_count: int, stamp_of: Callable[[str], float | None]
) -> float | None:
    """The timestamp of the last timestamped line among the last ``SEARCH_LINES``."""
    stop = line_count
    while stop > max(0, line_count - SEARCH_LINES):
        start = max(0, stop - PROBE_CHUNK)
        for line in reversed(read_lines(start, stop)):
            if (stamp := stamp_of(line)) is not None:
                return stamp
        stop = start
    return None
