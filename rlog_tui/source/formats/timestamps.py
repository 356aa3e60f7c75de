"""Timestamps as logs write them, read into seconds since the epoch (UTC).

One parser serves the formats and ``analyze --since/--until``, so a time the user types means what
the same text means in the log. A time without a zone is read as UTC on both sides (it is only
compared with others read the same way); a date without a year (syslog, klog, logcat) takes the
current year.
"""

from __future__ import annotations

import re
from calendar import timegm
from datetime import UTC, datetime
from functools import lru_cache

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_MON = r"(?P<mon>[A-Za-z]{3})"
_HMS = r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,:](?P<frac>\d{1,9}))?)?"
_ZONE = r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"

_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        # ISO 8601 and its relatives: 2024-01-15T10:00:00.123Z, 2024/01/15 10:00:00,
        # 2024-01-15 10:00:00,123 (log4j), 2005-06-03-15.42.50.675872 (BGL)
        rf"(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})(?:[T _-]+{_HMS}{_ZONE})?",
        # access logs: 10/Oct/2000:13:55:36 -0700
        rf"(?P<d>\d{{1,2}})/{_MON}/(?P<y>\d{{4}}):{_HMS}{_ZONE}",
        # Apache error log: Sun Dec 04 04:47:44 2005, Fri Sep 09 10:42:29.902022 2011
        rf"[A-Za-z]{{3}} {_MON} +(?P<d>\d{{1,2}}) {_HMS} (?P<y>\d{{4}})",
        # syslog: Jan 15 10:00:00 (no year)
        rf"{_MON} +(?P<d>\d{{1,2}}) {_HMS}",
        # HDFS: 081109 203615
        r"(?P<yy>\d{2})(?P<m>\d{2})(?P<d>\d{2}) (?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})",
        # klog: 0115 10:00:00.123456 (no year)
        rf"(?P<m>\d{{2}})(?P<d>\d{{2}}) {_HMS}",
        # logcat: 01-15 10:00:00.123 (no year)
        rf"(?P<m>\d{{2}})-(?P<d>\d{{2}}) {_HMS}",
    )
)
_EPOCH = re.compile(r"(?P<int>\d{9,19})(?:\.(?P<frac>\d+))?")


@lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> float | None:
    """Seconds since the epoch for a whole timestamp ``text``, or None when it is not one.

    Cached: most logs write many lines a second, with the same timestamp text."""
    text = text.strip()
    epoch = _EPOCH.fullmatch(text)
    if epoch is not None:
        return epoch_seconds(float(text))
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _seconds(match)
    return None


def find_timestamp(text: str) -> float | None:
    """The first timestamp found at or after the start of ``text`` (a log line's header)."""
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if match is not None and (value := _seconds(match)) is not None:
            return value
    return None


def epoch_seconds(value: float) -> float:
    """Epoch seconds from seconds, milliseconds, microseconds or nanoseconds (by magnitude)."""
    while value > 1e11:  # past the year 5000 in seconds: a finer unit
        value /= 1000
    return value


def _seconds(match: re.Match[str]) -> float | None:
    parts = match.groupdict()
    try:
        if parts.get("y"):
            year = int(parts["y"])
        elif parts.get("yy"):
            year = 2000 + int(parts["yy"])
        else:
            year = datetime.now(UTC).year
        month = _MONTHS.get(parts["mon"].lower()) if parts.get("mon") else int(parts["m"])
        if month is None:
            return None
        day, hour = int(parts["d"]), int(parts.get("H") or 0)
        minute, second = int(parts.get("M") or 0), int(parts.get("S") or 0)
    except ValueError:
        return None
    if not (1 <= month <= 12 and 1 <= day <= _days_in(year, month)):
        return None  # a day 31 in February: not a timestamp
    if hour > 23 or minute > 59 or second > 60:
        return None
    frac = parts.get("frac")
    seconds = timegm((year, month, day, hour, minute, second))
    return seconds - _offset(parts.get("zone")) + (float("0." + frac) if frac else 0.0)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _offset(text: str | None) -> int:
    """Seconds east of UTC of ``Z``, ``+01:00`` or ``-0700``."""
    if not text or text == "Z":
        return 0
    digits = text[1:].replace(":", "")
    offset = int(digits[:2]) * 3600 + int(digits[2:]) * 60
    return -offset if text[0] == "-" else offset
