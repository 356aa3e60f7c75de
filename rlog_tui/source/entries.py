"""Log entries: a first line plus its continuation lines (stack traces, tracebacks, Go panics).

A 30-frame Java trace is one event, not 30: the miner mines one template per entry (its message,
with the exception type kept) and the screener asks about the entry. A line continues the entry
above it when it looks like a continuation whatever the format (indented, ``at …``, ``Caused by:``,
``... 12 more``, ``Traceback``, ``goroutine 7 [running]:``), when the file's format cannot read it
as a first line (a timestamp-less line under a timestamped one), or when it is the exception line
that ends a Python traceback. Line numbers are the file's own (1-based).

``EntryAssembler`` works line by line, so it serves a whole file and a tail alike: an entry is
finished by the next first line, or by ``flush()`` (end of file, or a short idle while tailing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from rlog_tui.source.formats.levels import Level
from rlog_tui.source.formats.parsed import NO_FIELDS, LogFormat, ParsedLine

MAX_ENTRY_LINES = 1_000
"""An entry longer than this is cut (a file of header-less lines must not become one entry)."""

_CONTINUATION = re.compile(
    r"\s|at \S|Caused by:|Suppressed:|\.\.\. \d+ (?:more|common frames omitted)"
    r"|Traceback \(most recent call last\):|During handling of the above exception"
    r"|The above exception was the direct cause|goroutine \d+ \[|\[signal |created by \S"
    r"|exit status \d+$|$"
)
_ALWAYS_FIRST = re.compile(r"panic: |fatal error: ")
"""Go's runtime writes a crash to stderr as its own event, never inside a log entry."""
_EXCEPTION = re.compile(
    r"(?:Caused by: )?(?P<type>(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*"
    r"(?:Exception|Error|Throwable|Failure|Fault|Interrupt|Exit)\w*|panic)(?::\s|:?$)"
)
_TRACEBACK = "Traceback (most recent call last):"


def looks_like_continuation(line: str) -> bool:
    """True for a line that continues an entry in any format (frames, indented, blank)."""
    return _CONTINUATION.match(line) is not None


def exception_type(line: str) -> str | None:
    """``java.lang.IllegalStateException`` from an exception line, else None."""
    match = _EXCEPTION.match(line.strip())
    return None if match is None else match["type"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry: where it is in the file and what its format read from its first line."""

    first_line: int
    line_count: int
    message: str
    timestamp: float | None = None
    level: Level | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: NO_FIELDS)
    exception: str | None = None
    """The exception line found among the continuation lines (``ValueError: bad port``)."""
    level_guessed: bool = False
    """``level`` came from the message's words, not a level field (``ParsedLine.level_guessed``)."""

    @property
    def last_line(self) -> int:
        return self.first_line + self.line_count - 1

    @property
    def exception_type(self) -> str | None:
        return None if self.exception is None else exception_type(self.exception)

    @property
    def template_text(self) -> str:
        """What the miner mines: the message, plus the exception type when it is not in it."""
        kind = self.exception_type
        if kind and kind not in self.message:
            return f"{self.message} {kind}".strip()
        return self.message

    @property
    def model_text(self) -> str:
        """What the screener asks the model about: the message and the exception line.

        Not the fields: the models learn anomaly detection from bare messages, and on the
        project's samples the shipped adapter scored messages with fields lower (BGL's
        ``data TLB error interrupt`` 0.077 with ``node=… type=RAS component=KERNEL``, 0.223
        without). The fields reach the model when a user asks about the entry's lines."""
        exception = (self.exception or "").strip()
        if exception and exception not in self.message:
            return f"{self.message} {exception}"
        return self.message


class EntryAssembler:
    """Groups lines into entries as they come: ``push`` each line, ``flush`` at the end."""

    __slots__ = ("_count", "_exception", "_first", "_format", "_head", "_in_traceback", "_lines")

    def __init__(self, log_format: LogFormat) -> None:
        self._format = log_format
        self._head: ParsedLine | None = None
        self._first = 0
        self._count = 0
        self._exception: str | None = None
        self._in_traceback = False

    @property
    def pending_first_line(self) -> int | None:
        """The first line of the entry still open (it may grow), or None."""
        return self._first if self._head is not None else None

    def shift(self, lines: int) -> None:
        """``lines`` older lines were found before the open entry: renumber it."""
        if self._head is not None:
            self._first += lines

    def push(self, line_no: int, line: str) -> Entry | None:
        """Add line ``line_no``; return the entry it finished (when it starts a new one)."""
        parsed = None if looks_like_continuation(line) else self._format.parse(line)
        if self._head is not None and self._continues(line, parsed):
            self._count += 1
            self._note_exception(line)
            return None
        finished = self.flush()
        if parsed is None:  # not the format's (a Go panic, a stray frame): an entry of its own
            parsed = ParsedLine.guessed(line.strip())
        self._head = parsed
        self._first, self._count = line_no, 1
        self._exception, self._in_traceback = None, line.startswith(_TRACEBACK)
        if exception_type(parsed.message):
            self._exception = parsed.message
        return finished

    def flush(self) -> Entry | None:
        """Finish the open entry (end of input, or idle while tailing) and return it."""
        head = self._head
        if head is None:
            return None
        self._head = None
        return Entry(
            self._first,
            self._count,
            head.message,
            head.timestamp,
            head.level,
            head.fields,
            self._exception,
            head.level_guessed,
        )

    def _continues(self, line: str, parsed: ParsedLine | None) -> bool:
        if self._count >= MAX_ENTRY_LINES or _ALWAYS_FIRST.match(line):
            return False
        if line.startswith(_TRACEBACK):
            # A logger's exception follows its timestamped message; a bare crash is its own event.
            self._in_traceback = self._head is not None and self._head.timestamp is not None
            return self._in_traceback
        if parsed is None:  # a frame, an indented or blank line, or not the format's first line
            return True
        return self._in_traceback and exception_type(line) is not None  # ends a traceback

    def _note_exception(self, line: str) -> None:
        text = line.strip()
        latest_wins = text.startswith("Caused by:") or self._in_traceback
        if (self._exception is None or latest_wins) and exception_type(text):
            self._exception = text
        if self._in_traceback and exception_type(text) and not line[:1].isspace():
            self._in_traceback = False


def assemble(log_format: LogFormat, lines: Iterable[str], first_line: int = 1) -> Iterator[Entry]:
    """Every entry of ``lines`` (numbered from ``first_line``), the last one flushed."""
    assembler = EntryAssembler(log_format)
    for line_no, line in enumerate(lines, first_line):
        finished = assembler.push(line_no, line)
        if finished is not None:
            yield finished
    last = assembler.flush()
    if last is not None:
        yield last
