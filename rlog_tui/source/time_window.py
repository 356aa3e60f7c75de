"""``analyze --since/--until``: a window of time over the entries' parsed timestamps.

The user's times are read by the same parser as the log's (ISO 8601, syslog, access-log, epoch
seconds), so ``--since 'Mar 5 10:15:00'`` means what the same text means in a syslog file. A time
that parser cannot read is a clear error, never an empty result.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlog_tui.source.entries import Entry
from rlog_tui.source.formats import parse_timestamp
from rlog_tui.source.selection import SelectionError

TIME_HELP = (
    "ISO 8601 (2024-03-05T10:15:00Z, 2024-03-05 10:15), syslog (Mar 5 10:15:00), "
    "access log (05/Mar/2024:10:15:00 +0000) or epoch seconds"
)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Entries from ``since`` to ``until`` inclusive (epoch seconds; None: unbounded)."""

    since: float | None = None
    until: float | None = None

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def holds(self, entry: Entry) -> bool:
        """True when the entry's timestamp is in the window (always, for an unbounded one)."""
        if not self.bounded:
            return True
        stamp = entry.timestamp
        if stamp is None:
            return False
        return (self.since is None or stamp >= self.since) and (
            self.until is None or stamp <= self.until
        )


def parse_bound(flag: str, text: str | None) -> float | None:
    """One ``--since``/``--until`` value in epoch seconds; SelectionError when unreadable."""
    if text is None:
        return None
    stamp = parse_timestamp(text)
    if stamp is None:
        raise SelectionError(f"cannot read {flag} {text!r} as a time: use {TIME_HELP}")
    return stamp


def make_window(since: str | None, until: str | None) -> TimeWindow:
    window = TimeWindow(parse_bound("--since", since), parse_bound("--until", until))
    if window.since is not None and window.until is not None and window.until < window.since:
        raise SelectionError(f"--until {until!r} is before --since {since!r}")
    return window
