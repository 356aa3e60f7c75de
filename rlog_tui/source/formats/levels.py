"""Guess a log line's severity so the tail view can colour it (pure: no UI imports)."""

from __future__ import annotations

import re
from enum import IntEnum


class Level(IntEnum):
    UNKNOWN = 0
    DEBUG = 1
    INFO = 2
    WARNING = 3
    ERROR = 4
    FATAL = 5


# Whole-word level tokens as they appear in common formats (log4j, syslog, Python, BGL's FATAL).
_PATTERN = re.compile(
    r"\b(FATAL|CRITICAL|CRIT|EMERG|ALERT|SEVERE|PANIC|ERROR|ERR|FAILURE|FAILED|EXCEPTION|"
    r"WARNING|WARN|NOTICE|INFO|DEBUG|TRACE|FINE|VERBOSE)\b",
    re.IGNORECASE,
)
_LEVELS = {
    "fatal": Level.FATAL,
    "critical": Level.FATAL,
    "crit": Level.FATAL,
    "emerg": Level.FATAL,
    "alert": Level.FATAL,
    "severe": Level.FATAL,
    "panic": Level.FATAL,
    "error": Level.ERROR,
    "err": Level.ERROR,
    "failure": Level.ERROR,
    "failed": Level.ERROR,
    "exception": Level.ERROR,
    "warning": Level.WARNING,
    "warn": Level.WARNING,
    "notice": Level.INFO,
    "info": Level.INFO,
    "debug": Level.DEBUG,
    "trace": Level.DEBUG,
    "fine": Level.DEBUG,
    "verbose": Level.DEBUG,
}
_SCAN_CHARS = 400
"""Levels sit near the start of a line; scanning a bounded prefix keeps huge lines cheap."""


def detect_level(line: str) -> Level:
    """The most severe level word in the first few hundred characters of ``line``."""
    found = Level.UNKNOWN
    for match in _PATTERN.finditer(line[:_SCAN_CHARS]):
        found = max(found, _LEVELS[match.group(1).lower()])
    return found


def level_named(word: str) -> Level | None:
    """The level a format's level field names (``warn``, ``ERROR``, ``Critical``), else None."""
    return _LEVELS.get(word.strip().lower())


SYSLOG_SEVERITIES = (
    Level.FATAL,  # 0 emerg
    Level.FATAL,  # 1 alert
    Level.FATAL,  # 2 crit
    Level.ERROR,  # 3 err
    Level.WARNING,  # 4 warning
    Level.INFO,  # 5 notice
    Level.INFO,  # 6 info
    Level.DEBUG,  # 7 debug
)
"""Syslog severities 0-7 (RFC 5424 §6.2.1; journald's PRIORITY), by number."""
