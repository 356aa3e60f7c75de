"""The failures a user can cause when pointing rlog at a file, one exception type each.

The CLI turns any :class:`SourceError` into its one-line message and a non-zero exit, so every
message names the path and says what is wrong in words an on-call engineer can act on at 3 a.m.
"""

from __future__ import annotations

import errno
from pathlib import Path

from rlog_tui.errors import InputError


class SourceError(InputError):
    """A log source could not be opened or read; ``str(error)`` is the one-line message."""

    reason = "cannot be read"

    def __init__(self, path: str | Path, reason: str | None = None) -> None:
        self.path = Path(path)
        if reason is not None:
            self.reason = reason
        super().__init__(f"rlog: {self.path}: {self.reason}")


class SourceMissing(SourceError):
    """The path names nothing (or a dangling symlink)."""

    reason = "no such file"


class SourceIsDirectory(SourceError):
    """The path is a directory; rlog follows files, not trees."""

    reason = "is a directory, not a log file"


class SourceNotRegularFile(SourceError):
    """A FIFO, socket or device: no size, no offsets, so no index and no rotation detection."""

    reason = "is not a regular file (pipe, socket or device)"


class SourcePermissionDenied(SourceError):
    """The user running rlog may not read the file."""

    reason = "permission denied (rlog only needs read access)"


class SourceBinary(SourceError):
    """The file does not look like text, so showing it line by line would be noise."""

    reason = "looks like a binary file, not a log"


class SourceBadGzip(SourceError):
    """A ``.gz`` file that does not decompress (corrupt, truncated, or not gzip at all)."""

    reason = "is not a readable gzip file"


def error_for_os_error(path: str | Path, error: OSError) -> SourceError:
    """Map an ``OSError`` from opening or reading ``path`` to the matching :class:`SourceError`.

    Anything without a dedicated type keeps the operating system's own words, still on one line.
    """
    code = error.errno
    if code in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
        return SourceMissing(path)
    if code == errno.EISDIR:
        return SourceIsDirectory(path)
    if code in (errno.EACCES, errno.EPERM):
        return SourcePermissionDenied(path)
    return SourceError(path, (error.strerror or str(error)).lower())
