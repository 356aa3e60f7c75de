"""Log formats, recognised per file with no configuration (``--format NAME`` overrides).

Detection reads a sample of a file's first lines and picks the most specific format that reads
most of the lines that could start an entry (stack frames and other continuation-looking lines
are not counted against a format); a file no format reads is ``plain``, whose header stripper
handles Loghub-style and other ad-hoc headers. ``levels`` (imported by name) reads a line's
severity, from a format's level field or, failing that, from the words of the line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from rlog_tui.errors import UsageError
from rlog_tui.source.formats.loghub import Bgl, Hdfs, Plain
from rlog_tui.source.formats.parsed import LogFormat, ParsedLine
from rlog_tui.source.formats.runtimes import Klog, Logcat
from rlog_tui.source.formats.structured import JsonLines, Logfmt
from rlog_tui.source.formats.syslog import SyslogRfc3164, SyslogRfc5424
from rlog_tui.source.formats.timestamps import find_timestamp, parse_timestamp
from rlog_tui.source.formats.web import AccessLog, ApacheError, NginxError

SPECIFIC_FORMATS: tuple[Callable[[], LogFormat], ...] = (
    JsonLines,
    Bgl,
    Hdfs,
    Klog,
    Logcat,
    SyslogRfc5424,
    SyslogRfc3164,
    AccessLog,
    NginxError,
    ApacheError,
    Logfmt,
)
"""Most specific first: on a tie the earlier one wins."""
FORMAT_NAMES: tuple[str, ...] = (*(f.name for f in SPECIFIC_FORMATS), Plain.name)  # type: ignore[attr-defined]
FormatName = StrEnum("FormatName", {name: name for name in FORMAT_NAMES})  # type: ignore[misc]
"""``--format``'s choices, made from the registry above so the list cannot drift from it."""
SAMPLE_LINES = 200
"""Lines of a file read to recognise its format."""
MIN_SHARE = 0.6
"""A format must read at least this share of the sample's entry-starting candidates."""


class UnknownFormat(UsageError):
    """``--format`` named no format rlog knows."""


def format_named(name: str) -> LogFormat:
    """The format called ``name`` (``--format``)."""
    for factory in SPECIFIC_FORMATS:
        if factory.name == name:  # type: ignore[attr-defined]
            return factory()
    if name == Plain.name:
        return Plain(headed=False)
    raise UnknownFormat(f"unknown format {name!r}: choose one of {', '.join(FORMAT_NAMES)}")


def resolve_format(name: str | None, sample: Sequence[str]) -> LogFormat:
    """``--format NAME`` (for ``plain``, whether lines have headers comes from the sample), else
    the format recognised from ``sample``."""
    if name is None:
        return detect_format(sample)
    if name == Plain.name:
        return _plain(_candidates(sample))
    return format_named(name)


def _candidates(sample: Sequence[str]) -> list[str]:
    """Lines of the sample that could start an entry (not blank, not a frame)."""
    from rlog_tui.source.entries import looks_like_continuation

    return [
        line for line in sample[:SAMPLE_LINES] if line.strip() and not looks_like_continuation(line)
    ]


def _plain(candidates: list[str]) -> Plain:
    plain = Plain()
    headed = sum(1 for line in candidates if plain.has_header(line))
    plain.headed = bool(candidates) and headed >= MIN_SHARE * len(candidates)
    return plain


def detect_format(sample: Sequence[str]) -> LogFormat:
    """The format that reads ``sample`` (a file's first lines) best; ``plain`` when none does."""
    candidates = _candidates(sample)
    best: LogFormat | None = None
    best_count = 0
    for factory in SPECIFIC_FORMATS:
        log_format = factory()
        count = sum(1 for line in candidates if log_format.parse(line) is not None)
        if count > best_count and count >= MIN_SHARE * len(candidates):
            best, best_count = log_format, count
    return best if best is not None else _plain(candidates)


__all__ = [
    "FORMAT_NAMES",
    "SAMPLE_LINES",
    "FormatName",
    "LogFormat",
    "ParsedLine",
    "UnknownFormat",
    "detect_format",
    "find_timestamp",
    "format_named",
    "parse_timestamp",
    "resolve_format",
]
