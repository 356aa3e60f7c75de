"""``rlog-tui tail -`` and ``analyze -``: standard input spooled to a private temporary file.

On call, logs arrive through pipes (``kubectl logs -f pod | rlog-tui tail -``). The stream is
copied to a file in a directory only this user can read (``tempfile.mkdtemp``: mode 0700), so the
line index, search, selection and mining work as on any log; the file is deleted on exit. The
spool is bounded: past ``max_bytes`` the rest of the stream is read and counted but not kept (the
producer is never blocked), and ``dropped_bytes`` says how much. End of input is a state to show
(``finished``), not an error.

The TUI reads keys from file descriptor 0 (Textual 8's Linux driver reads
``sys.__stdin__.fileno()``), so ``take_piped_stdin`` moves the pipe to another descriptor and puts
the controlling terminal (``/dev/tty``) on 0 before the app starts.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from rlog_tui.source.errors import SourceError

DEFAULT_MAX_BYTES = 1 << 30
"""1 GiB of piped log kept at most."""
CHUNK_BYTES = 1 << 16
STDIN_NAME = "-"


class NoPipedInput(SourceError):
    """``-`` was given but nothing is piped in, or no terminal is left for the keys."""


def take_piped_stdin(*, need_terminal: bool) -> int:
    """A descriptor reading the piped standard input; fd 0 becomes the terminal if needed."""
    if os.isatty(0):
        raise NoPipedInput(
            "'-' reads a log from standard input, and nothing is piped in: "
            "e.g. kubectl logs -f pod | rlog-tui tail -"
        )
    piped = os.dup(0)
    if need_terminal:
        try:
            terminal = os.open("/dev/tty", os.O_RDONLY)
        except OSError as error:
            os.close(piped)
            raise NoPipedInput(
                f"tail - reads keys from the terminal, and there is none ({error.strerror}): "
                "use rlog-tui analyze - instead"
            ) from None
        os.dup2(terminal, 0)
        os.close(terminal)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 (fd 0 stays open for Textual)
    return piped


class StdinSpool:
    """Copies a stream (a file descriptor) into a private file that rlog follows like a log."""

    def __init__(self, fd: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._fd = fd
        self.max_bytes = max_bytes
        self._dir = Path(tempfile.mkdtemp(prefix="rlog-stdin-"))
        self.path = self._dir / "stdin.log"
        self._out = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        self.finished = threading.Event()
        self.bytes_kept = 0
        self.dropped_bytes = 0
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> StdinSpool:
        """Copy in a background thread (``tail -``); ``finished`` is set at end of input."""
        self._thread = threading.Thread(target=self.copy_all, name="rlog-stdin", daemon=True)
        self._thread.start()
        return self

    def copy_all(self) -> None:
        """Copy until end of input (``analyze -`` calls it directly)."""
        try:
            while chunk := os.read(self._fd, CHUNK_BYTES):
                self._keep(chunk)
        except OSError as error:
            self.error = error.strerror or str(error)
        except ValueError:  # closed by ``close`` while copying: the app is exiting
            return
        finally:
            if not self._out.closed:
                self._out.flush()
            self.finished.set()

    def _keep(self, chunk: bytes) -> None:
        room = self.max_bytes - self.bytes_kept
        if len(chunk) > room:  # keep whole lines up to the bound, count the rest
            cut = chunk.rfind(b"\n", 0, room) + 1 if room > 0 else 0
            self.dropped_bytes += len(chunk) - cut
            chunk = chunk[:cut]
        if chunk:
            self._out.write(chunk)
            self._out.flush()
            self.bytes_kept += len(chunk)

    def describe(self) -> str:
        """For the status bar: still reading, or ended (and how much was dropped)."""
        if not self.finished.is_set():
            return "reading stdin"
        text = "end of input"
        if self.error:
            text += f" (read error: {self.error})"
        if self.dropped_bytes:
            text += f" ({self.dropped_bytes:,} bytes past the {self.max_bytes:,}-byte spool lost)"
        return text

    def close(self) -> None:
        """Stop keeping input and delete the spool file."""
        if not self._out.closed:
            self._out.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> StdinSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
