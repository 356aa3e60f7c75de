"""A read-only view of one log file that follows it through appends, truncation and rotation.

rlog runs next to production services, so it must never disturb the file it shows: the file is
opened with ``O_RDONLY`` only (never created, truncated, locked or written), and read with
``pread`` so no shared file position is involved. ``refresh`` compares what the path names now
(inode, size, the bytes just before the end of what was read) with what was indexed, and reports
what happened as events; ``.gz`` files are decompressed once into memory and never followed.
"""

from __future__ import annotations

import gzip
import logging
import os
import stat
import threading
import zlib
from pathlib import Path
from types import TracebackType

from .errors import (
    SourceBadGzip,
    SourceBinary,
    SourceError,
    SourceIsDirectory,
    SourceNotRegularFile,
    error_for_os_error,
)
from .events import Appended, Deleted, Rotated, SourceEvent, Truncated
from .line_index import OLDER_CHUNK, LineIndex, LogLine

logger = logging.getLogger(__name__)

SNIFF_BYTES = 8192
"""Bytes at the start of a file that decide whether it is text."""

BINARY_CONTROL_RATIO = 0.10
"""Share of control bytes above which a sample is binary; real logs have next to none."""

FINGERPRINT_BYTES = 64
"""Bytes before the indexed end that must still be there, else the file was rewritten in place."""

# Bytes that occur in text: printable ASCII, everything >= 0x80 (UTF-8 or a legacy encoding),
# whitespace, backspace and ESC (colour codes are common in logs; the UI makes them visible).
_TEXT_BYTES = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100)) + b"\t\n\r\f\v\b\x1b"

_OPEN_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
"""Read-only; non-blocking only so that opening a FIFO returns (and is then refused) at once."""


def looks_binary(sample: bytes) -> bool:
    """True when ``sample`` (a file's first bytes) is not text: a NUL, or mostly control bytes.

    Invalid UTF-8 alone does not count: a Latin-1 log is still a log, shown with replacements.
    """
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _TEXT_BYTES))
    return controls > BINARY_CONTROL_RATIO * len(sample)


def _open_checked(path: Path) -> tuple[int, os.stat_result, bytes]:
    """Open ``path`` read-only, check it is a regular file; return the fd, its stat, its head."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise error_for_os_error(path, error) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceIsDirectory(path)
        if not stat.S_ISREG(info.st_mode):
            raise SourceNotRegularFile(path)
        return fd, info, os.pread(fd, SNIFF_BYTES, 0)
    except OSError as error:
        os.close(fd)
        raise error_for_os_error(path, error) from None
    except SourceError:
        os.close(fd)
        raise


def _open_text(path: Path) -> tuple[int, os.stat_result]:
    """Open ``path`` as a plain-text log to follow; return the fd and its stat."""
    fd, info, head = _open_checked(path)
    if looks_binary(head):
        os.close(fd)
        raise SourceBinary(path)
    return fd, info


def _read_gzip(path: Path, fd: int, size: int) -> bytes:
    """Decompress the whole of a gzip file (all members) that is open as ``fd``."""
    parts = []
    offset = 0
    while offset < size:
        part = os.pread(fd, min(size - offset, 16 * 1024 * 1024), offset)
        if not part:
            break
        parts.append(part)
        offset += len(part)
    try:
        return gzip.decompress(b"".join(parts))
    except (OSError, EOFError, zlib.error) as error:
        raise SourceBadGzip(path) from error


class LogFile:
    """One log file: its lines by number, newest first on demand, kept current by ``refresh``.

    Line numbers count from the oldest line indexed so far (see ``LineIndex``); a call that indexes
    older lines (``tail``, ``index_older``) shifts them by the number of lines it found. All
    methods take one lock, so a worker thread may index or refresh while the UI thread reads.
    """

    def __init__(
        self, path: Path, fd: int | None, info: os.stat_result, data: bytes | None = None
    ) -> None:
        """Use :meth:`open`; this wraps an already-checked descriptor or decompressed bytes."""
        self._path = path
        self._fd = fd
        self._data = data
        self._identity = (info.st_dev, info.st_ino)
        self._missing = False
        self._rejected: tuple[int, int] | None = None
        self._lock = threading.RLock()
        size = len(data) if data is not None else info.st_size
        self._index = LineIndex(self._read_at, size)
        self._fingerprint = self._tail_bytes()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> LogFile:
        """Open ``path`` for reading without indexing it; raises a ``SourceError`` subclass."""
        path = Path(path)
        if not path.name.lower().endswith(".gz"):
            fd, info = _open_text(path)
            return cls(path, fd, info)
        fd, info, _head = _open_checked(path)
        try:
            data = _read_gzip(path, fd, info.st_size)
        finally:
            os.close(fd)
        if looks_binary(data[:SNIFF_BYTES]):
            raise SourceBinary(path)
        return cls(path, None, info, data)

    # --- what is known -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The path as given: rotation is detected by what this path names over time."""
        return self._path

    @property
    def compressed(self) -> bool:
        """True for a ``.gz`` file: read once into memory, never followed."""
        return self._data is not None

    @property
    def missing(self) -> bool:
        """True while the path names no readable file; lines read so far stay available."""
        with self._lock:
            return self._missing

    @property
    def line_count(self) -> int:
        """Lines known so far; final once ``fully_indexed``. A partial last line counts."""
        with self._lock:
            return self._index.line_count

    @property
    def fully_indexed(self) -> bool:
        """True once every line back to the start of the file is indexed."""
        with self._lock:
            return self._index.complete

    @property
    def indexed_bytes(self) -> int:
        """Bytes of the file covered by the index (its size as of the last refresh)."""
        with self._lock:
            return self._index.end

    # --- reading -------------------------------------------------------------------------------

    def read_line(self, i: int) -> LogLine:
        """Line ``i`` (0-based) with how many bytes were cut from it and whether it is partial."""
        with self._lock:
            return self._index.read(i)

    def line(self, i: int) -> str:
        """The text of line ``i`` (0-based, without its newline; bounded, see ``read_line``)."""
        return self.read_line(i).text

    def lines(self, start: int, stop: int) -> list[str]:
        """The texts of lines ``start`` .. ``stop - 1``, clamped to what is known like a slice."""
        with self._lock:
            span = range(*slice(start, stop).indices(self._index.line_count))
            return [self._index.read(i).text for i in span]

    def tail(self, n: int) -> list[tuple[int, str]]:
        """The last ``n`` lines as ``(line number, text)``, reading back only as far as needed."""
        with self._lock:
            self._index.ensure_lines(n)
            count = self._index.line_count
            return [(i, self._index.read(i).text) for i in range(max(0, count - n), count)]

    def index_older(self, max_bytes: int = OLDER_CHUNK) -> int:
        """Index up to ``max_bytes`` more of the file's older part; return the lines found.

        Call repeatedly (from a timer or a worker) until ``fully_indexed``; every line number
        known before the call grows by the returned count.
        """
        with self._lock:
            return self._index.index_older(max_bytes)

    def index_all(self) -> int:
        """Index the whole file now; return the lines found. For scripts that need every number.

        Takes the lock one step at a time, so readers on other threads are never held up long.
        """
        added = 0
        while found := self.index_older():
            added += found
        return added

    # --- following -----------------------------------------------------------------------------

    def refresh(self) -> list[SourceEvent]:
        """Catch up with what happened to the file since the last call, and say what it was."""
        with self._lock:
            if self._fd is None:
                return []
            try:
                now = os.stat(self._path)
            except OSError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == self._identity:
                self._missing = False
                return self._follow(os.fstat(self._fd).st_size)
            # The path names something else, or nothing: first take what is left of ours.
            events = self._follow(os.fstat(self._fd).st_size)
            if now is None:
                return events + self._mark_missing()
            try:
                fd, info = _open_text(self._path)
            except SourceError as error:
                if self._rejected != (now.st_dev, now.st_ino):
                    self._rejected = (now.st_dev, now.st_ino)
                    logger.warning("%s (will retry)", error)
                return events + self._mark_missing()
            os.close(self._fd)
            self._fd = fd
            self._identity = (info.st_dev, info.st_ino)
            self._missing = False
            self._rejected = None
            self._restart(info.st_size)
            return [*events, Rotated()]

    def _follow(self, size: int) -> list[SourceEvent]:
        """Index what the open file gained, or restart if it shrank or was rewritten."""
        if size < self._index.end or self._tail_bytes() != self._fingerprint:
            self._restart(size)
            return [Truncated()]
        first = self._index.extend(size)
        if first is None:
            return []
        self._fingerprint = self._tail_bytes()
        return [Appended(first, self._index.line_count - first)]

    def _mark_missing(self) -> list[SourceEvent]:
        """Report the path as gone, once per disappearance."""
        if self._missing:
            return []
        self._missing = True
        return [Deleted()]

    def _restart(self, size: int) -> None:
        """Forget the index and start a fresh one over the open file's current ``size`` bytes."""
        self._index = LineIndex(self._read_at, size)
        self._fingerprint = self._tail_bytes()

    def _tail_bytes(self) -> bytes:
        """The bytes just before the indexed end: if they change, the file was rewritten."""
        end = self._index.end
        start = max(0, end - FINGERPRINT_BYTES)
        return self._read_at(start, end - start)

    def _read_at(self, offset: int, size: int) -> bytes:
        if self._data is not None:
            return self._data[offset : offset + size]
        if self._fd is None:
            raise ValueError(f"{self._path}: read from a closed LogFile")
        return os.pread(self._fd, size, offset)

    # --- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the file descriptor (and a ``.gz`` file's memory); safe to call twice."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._data = None
            self._index = LineIndex(self._read_at, 0)

    def __enter__(self) -> LogFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LogFile({str(self._path)!r}, lines={self._index.line_count})"
