"""Keep llama.cpp's chatter off the terminal without touching file descriptors.

``Llama(verbose=False)`` silences loading by ``dup2``-ing fds 1 and 2 to /dev/null, which blanks a
running Textual app. Instead rlog loads with ``verbose=True`` and (1) routes llama.cpp's C log
callback into Python ``logging``, (2) sends the Python-level ``print(..., file=sys.stderr)`` calls
made during loading to ``logging`` too, then (3) turns the instance's ``verbose`` off so generation
prints nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import sys
from collections.abc import Iterator

import llama_cpp

logger = logging.getLogger("rlog.llama_cpp")

# ggml_log_level: NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5 (continues the previous line)
_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}


_last_error: list[str] = [""]


@llama_cpp.llama_log_callback
def _to_logging(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
    message = text.decode("utf-8", errors="replace").rstrip()
    if message:
        logger.log(_LEVELS.get(level, logging.DEBUG), "%s", message)
        if level == 4:
            _last_error[0] = message


def last_error() -> str:
    """llama.cpp's most recent error line (its reasons are only ever logged, never returned)."""
    return _last_error[0]


def route_llama_logs() -> None:
    """Send llama.cpp's own log lines to the ``rlog.llama_cpp`` logger (idempotent)."""
    llama_cpp.llama_log_set(_to_logging, ctypes.c_void_p(0))


class _LoggingWriter(io.TextIOBase):
    def write(self, text: str) -> int:
        if text.strip():
            logger.debug("%s", text.rstrip())
        return len(text)


@contextlib.contextmanager
def python_stderr_to_logging() -> Iterator[None]:
    """Swap ``sys.stderr`` (the Python object only, never fd 2) for a writer into logging."""
    previous = sys.stderr
    sys.stderr = _LoggingWriter()
    try:
        yield
    finally:
        sys.stderr = previous
