"""Byte offsets of line starts, found newest first so a multi-GB log opens at once.

The on-call engineer wants the last screen of a log now, and the line count only eventually. So the
index is built from the end backwards: opening finds just the last line, ``ensure_lines(n)`` finds
the last ``n``, and ``index_older`` extends towards the start of the file one bounded chunk per call
(the TUI calls it from a timer or worker until ``complete``). Appended bytes are indexed forwards.

Lines are numbered from 0 = the oldest line found so far. Each ``index_older`` call that finds older
lines therefore shifts every number by the count it returns; byte offsets never shift, which is why
the line cache is keyed by offsets.

Bytes are fetched through a ``read_at(offset, size)`` callable (``os.pread`` on a file, a slice of
a decompressed ``.gz``), never through ``mmap``: a mapped file that is truncated under us
(logrotate's ``copytruncate``) raises SIGBUS on the next access and kills the process outright,
whereas ``pread`` just returns fewer bytes. The scan is the same ``rfind``-from-the-end idea.
"""

from __future__ import annotations

import codecs
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, islice

ReadAt = Callable[[int, int], bytes]
"""``read_at(offset, size)`` returns up to ``size`` bytes starting at ``offset``."""

LINE_BYTES_LIMIT = 64 * 1024
"""Bytes of one line that are read and decoded; a 10 MB line costs no more than this to show."""

TAIL_CHUNK = 64 * 1024
"""Bytes read per step when looking for the last few lines: a screen of lines is usually in one."""

OLDER_CHUNK = 2 * 1024 * 1024
"""Default bytes scanned per ``index_older`` call: ~10 ms, short enough not to stall a reader."""

APPEND_CHUNK = 4 * 1024 * 1024
"""Bytes read per step when indexing appended data, so a burst of writes never loads at once."""

CACHE_LINES = 512
"""Decoded lines kept; a screen or two plus scroll-back, at most 32 MiB for pathological lines."""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line as read from the file: its text and what was left out of it.

    ``cut_bytes`` counts the content bytes past ``LINE_BYTES_LIMIT`` that were not read, so the UI
    can say "+9.9 MB not shown" instead of silently dropping them. ``partial`` marks a last line
    with no newline yet: the writer may still be in the middle of it.
    """

    text: str
    cut_bytes: int = 0
    partial: bool = False


def _line_starts(chunk: bytes, offset: int) -> array[int]:
    """Offsets just after each newline in ``chunk`` (which begins at file offset ``offset``).

    Split-and-accumulate keeps the per-line work in C: about twice as fast as a ``find`` loop.
    """
    pieces = chunk.split(b"\n")
    pieces.pop()
    # start of the piece after each newline: offset + sum(len(piece) + 1) over the pieces before it
    running = accumulate(map((1).__add__, map(len, pieces)), initial=offset)
    return array("q", islice(running, 1, None))


def _decode(data: bytes, was_cut: bool) -> str:
    """Decode UTF-8, replacing invalid bytes; a character cut at the limit is dropped."""
    if not was_cut:
        return data.decode("utf-8", "replace")
    return codecs.getincrementaldecoder("utf-8")("replace").decode(data, final=False)


class LineIndex:
    """Line-start offsets of ``size`` bytes read through ``read_at``, found lazily from the end.

    Not thread-safe on its own: the owner (``LogFile``) serialises calls.
    """

    __slots__ = ("_back", "_cache", "_end", "_ends_with_newline", "_fwd", "_read_at", "_scan_pos")

    def __init__(self, read_at: ReadAt, size: int) -> None:
        self._read_at = read_at
        self._end = 0
        # Line starts older than the open-time last line, newest first (the scan appends to it).
        self._back = array("q")
        # The open-time last line's start and every line start appended after it, oldest first.
        self._fwd = array("q")
        # Bytes [0, _scan_pos) are not yet searched for newlines; 0 means the index is complete.
        self._scan_pos = 0
        self._ends_with_newline = True
        self._cache: OrderedDict[tuple[int, int], LogLine] = OrderedDict()
        self._find_last_line(size)

    # --- what is known -------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        """Lines found so far (all of them once ``complete``); a partial last line counts."""
        return len(self._back) + len(self._fwd)

    @property
    def complete(self) -> bool:
        """True once every line start back to byte 0 is known, so ``line_count`` is final."""
        return self._scan_pos == 0

    @property
    def end(self) -> int:
        """Bytes of the source covered by the index: the file size at the last ``extend``."""
        return self._end

    @property
    def last_line_partial(self) -> bool:
        """True when the last line has no newline yet and may still grow."""
        return not self._ends_with_newline

    def start_of(self, i: int) -> int:
        """Byte offset where line ``i`` starts."""
        if not 0 <= i < self.line_count:
            raise IndexError(f"line {i} out of range (0..{self.line_count - 1})")
        older = len(self._back)
        return self._back[older - 1 - i] if i < older else self._fwd[i - older]

    # --- growing the index ---------------------------------------------------------------------

    def _find_last_line(self, size: int) -> None:
        """Index the last line of a ``size``-byte source, scanning back as far as it reaches."""
        if size == 0:
            return
        self._end = size
        self._ends_with_newline = self._read_at(size - 1, 1) == b"\n"
        # A trailing newline ends the last line rather than starting another, so leave it out.
        self._scan_pos = size - 1
        while not self._back and self._scan_pos > 0:
            self._scan_back(TAIL_CHUNK)
        if self.complete and not self._back:
            self._back.append(0)
        # The newest line start found becomes the first forward entry, where appends continue.
        self._fwd.append(self._back.pop(0))

    def _scan_back(self, max_bytes: int) -> int:
        """Search ``max_bytes`` more below ``_scan_pos`` for line starts; return how many found."""
        lo = max(0, self._scan_pos - max_bytes)
        starts = _line_starts(self._read_at(lo, self._scan_pos - lo), lo)
        starts.reverse()
        self._back.extend(starts)
        self._scan_pos = lo
        if lo == 0:
            self._back.append(0)
            return len(starts) + 1
        return len(starts)

    def ensure_lines(self, n: int) -> int:
        """Scan back until at least ``n`` lines are known (or all are); return how many were added.

        This is the "draw the last screen" path: it reads only as far back as ``n`` lines reach.
        """
        added = 0
        while self.line_count < n and not self.complete:
            added += self._scan_back(TAIL_CHUNK)
        return added

    def index_older(self, max_bytes: int = OLDER_CHUNK) -> int:
        """Index up to ``max_bytes`` more towards the start; return the lines added at the front.

        Every existing line number grows by the returned count. Returns 0 once ``complete``.
        """
        if self.complete:
            return 0
        return self._scan_back(max_bytes)

    def extend(self, new_size: int) -> int | None:
        """Index bytes appended up to ``new_size``; return the first line that is new or changed.

        That first line is the old partial last line when there was one (it has grown), else the
        first new line. Returns None when nothing was added. If fewer bytes can be read than
        ``new_size`` promises (the file shrank meanwhile), only what was read is indexed.
        """
        if new_size <= self._end:
            return None
        count = self.line_count
        first_changed = count - 1 if count and not self._ends_with_newline else count
        pos = self._end
        while pos < new_size:
            chunk = self._read_at(pos, min(APPEND_CHUNK, new_size - pos))
            if not chunk:
                break
            if self._ends_with_newline:
                self._fwd.append(pos)
            starts = _line_starts(chunk, pos)
            end = pos + len(chunk)
            if starts and starts[-1] == end:
                starts.pop()  # a newline at the very end starts no line until more bytes arrive
            self._fwd.extend(starts)
            self._ends_with_newline = chunk.endswith(b"\n")
            pos = end
        if pos == self._end:
            return None
        self._end = pos
        return first_changed

    # --- reading lines -------------------------------------------------------------------------

    def read(self, i: int) -> LogLine:
        """Line ``i`` without its line ending, at most ``LINE_BYTES_LIMIT`` bytes of it, decoded."""
        start = self.start_of(i)
        is_last = i == self.line_count - 1
        stop = self._end if is_last else self.start_of(i + 1)
        key = (start, stop)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        has_newline = not (is_last and not self._ends_with_newline)
        content = stop - start - int(has_newline)
        wanted = min(content, LINE_BYTES_LIMIT)
        data = self._read_at(start, wanted)
        cut = content - wanted
        if not cut and has_newline and data.endswith(b"\r"):
            data = data[:-1]  # CRLF: the CR is part of the line ending, not of the message
        line = LogLine(_decode(data, was_cut=cut > 0), cut, partial=not has_newline)
        self._cache[key] = line
        if len(self._cache) > CACHE_LINES:
            self._cache.popitem(last=False)
        return line
