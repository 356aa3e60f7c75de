"""Following log files: a lazily built line index, rotation and truncation, change notification.

This ``__init__`` offers the files themselves (``LogFile``, ``LineIndex``, ``FileWatcher``, the
source errors and events). What is read from them lives in submodules imported by name:

- ``formats``: the log formats, recognised per file (``formats.levels``: a line's severity).
- ``entries``: a first line plus its continuation lines (stack traces, tracebacks).
- ``selection``: which entries a request is about (a line range, a grep, the last N).
- ``time_window``: ``analyze --since/--until`` over the entries' timestamps.
- ``time_jump``: the TUI's go-to-time, a binary search over a file's timestamps.

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
