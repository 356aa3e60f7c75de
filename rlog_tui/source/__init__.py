"""Following log files: a lazily built line index, rotation and truncation, change notification.

Pure Python (stdlib and watchdog); never imports Textual, and never writes to a log.
"""

from __future__ import annotations

from .errors import (
    SourceBadGzip,
    SourceBinary,
    SourceError,
    SourceIsDirectory,
    SourceMissing,
    SourceNotRegularFile,
    SourcePermissionDenied,
)
from .events import Appended, Deleted, Rotated, SourceEvent, Truncated
from .line_index import LineIndex, LogLine
from .log_file import LogFile, looks_binary
from .watcher import FileWatcher

__all__ = [
    "Appended",
    "Deleted",
    "FileWatcher",
    "LineIndex",
    "LogFile",
    "LogLine",
    "Rotated",
    "SourceBadGzip",
    "SourceBinary",
    "SourceError",
    "SourceEvent",
    "SourceIsDirectory",
    "SourceMissing",
    "SourceNotRegularFile",
    "SourcePermissionDenied",
    "Truncated",
    "looks_binary",
]
