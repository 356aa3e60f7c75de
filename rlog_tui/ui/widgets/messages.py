"""What other threads tell the UI thread, as Textual messages, and a doorbell that batches them.

The file watcher, the engine and the stdin spool run on their own threads; ``App.post_message``
is safe to call from any thread, so each of them rings the UI instead of the UI polling a queue
on a timer. Events that come in floods (a token at a time, thousands of writes a second) go into
a queue and ring a ``Doorbell``: one message per burst, and its handler takes everything queued,
so a busy UI paints fewer, bigger batches instead of falling behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.message import Message


class FileChanged(Message):
    """A followed file may have changed (from the file watcher's thread)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


class EngineEventsWaiting(Message):
    """The engine queued events of the user's request (tokens, done, failed)."""


class VerdictsWaiting(Message):
    """The engine finished scoring a template for the screener."""


class ModelLoaded(Message):
    """The model finished loading (or failed to): the status bar says which."""


class InputEnded(Message):
    """The piped standard input ended: the status bar says so."""


class Doorbell:
    """Posts one message for a burst of events from another thread.

    ``ring`` (any thread) posts only when no message is pending; the handler calls ``answer``
    before it takes the queued events, so an event queued after that rings again."""

    __slots__ = ("_post", "_rung")

    def __init__(self, post: Callable[[], object]) -> None:
        self._post = post
        self._rung = threading.Event()

    def ring(self) -> None:
        if not self._rung.is_set():
            self._rung.set()
            self._post()

    def answer(self) -> None:
        self._rung.clear()
