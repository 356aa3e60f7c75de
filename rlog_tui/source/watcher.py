"""Tell the TUI when a followed file may have changed, so it calls ``LogFile.refresh`` promptly.

watchdog watches each file's parent directory rather than the file, because rotation is a rename
and a create *in the directory*: a watch on the file itself would follow the old inode away.
When watchdog cannot start (inotify instance or watch limits, an unsupported filesystem, a missing
parent directory) or ``RLOG_POLL=1`` is set, a thread stats each path every quarter second
instead. Either way, notifications are coalesced: a writer doing thousands of small writes a
second causes a few dozen callbacks, not thousands.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.25
"""Seconds between stats of every path when polling."""

COALESCE_INTERVAL = 0.02
"""Minimum seconds between two callbacks for the same burst of changes."""

_Signature = tuple[int, int, int, int] | None


def _signature(path: str) -> _Signature:
    """What a poll compares: identity, size and mtime, or None when nothing is there."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class _DirectoryHandler(FileSystemEventHandler):
    """Forward watchdog events that touch a watched path (as source or destination)."""

    def __init__(self, watched: dict[str, Path], notify: Callable[[Path], None]) -> None:
        self._watched = watched
        self._notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            name = os.fsdecode(raw)
            if name in self._watched:
                self._notify(self._watched[name])


class FileWatcher:
    """Calls ``on_change(path)`` from its own thread when one of ``paths`` may have changed.

    ``poll=None`` polls only when ``RLOG_POLL=1`` is set; True or False force the choice.
    ``mode`` says which is in use after ``start`` ("watchdog" or "poll"). ``on_change`` must be
    quick and thread-safe (in the TUI: post a message); exceptions from it are logged, not raised.
    """

    def __init__(
        self,
        paths: Iterable[str | os.PathLike[str]],
        on_change: Callable[[Path], None],
        *,
        poll: bool | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self._paths = [Path(p) for p in paths]
        # Keyed by the absolute path string watchdog reports (parent as scheduled + "/" + name).
        self._watched = {os.path.abspath(p): p for p in self._paths}
        self._on_change = on_change
        self._force_poll = os.environ.get("RLOG_POLL") == "1" if poll is None else poll
        self._poll_interval = poll_interval
        self._lock = threading.Lock()  # start/stop; never held by the watching threads
        self._pending_lock = threading.Lock()
        self._pending: set[Path] = set()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._observer: BaseObserver | None = None
        self._seen: dict[str, _Signature] = {}
        self.mode: str | None = None

    def start(self) -> None:
        """Begin watching; falls back to polling if watchdog fails. Calling it twice is harmless."""
        with self._lock:
            if self.mode is not None:
                return
            self._stopping.clear()
            self.mode = "poll" if self._force_poll or not self._start_observer() else "watchdog"
            targets = [self._deliver]
            if self.mode == "poll":
                # Taken before start returns, so a change made right after it is never missed.
                self._seen = {name: _signature(name) for name in self._watched}
                targets.append(self._poll)
            for target in targets:
                thread = threading.Thread(
                    target=target, name=f"rlog-{target.__name__}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        """Stop watching and wait for the threads; no callback runs after this returns."""
        with self._lock:
            if self.mode is None:
                return
            self._stopping.set()
            self._wake.set()
            if self._observer is not None:
                self._observer.stop()
                self._observer.join()
                self._observer = None
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()
            self._threads.clear()
            self._pending.clear()
            self.mode = None

    def __enter__(self) -> FileWatcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _start_observer(self) -> bool:
        """Start watchdog on every parent directory; False (and nothing running) if it fails."""
        observer = None
        try:
            observer = Observer()
            handler = _DirectoryHandler(self._watched, self._notify)
            for directory in sorted({os.path.dirname(name) for name in self._watched}):
                observer.schedule(handler, directory, recursive=False)
            observer.start()
        except Exception as error:  # any failure to watch means: poll instead
            logger.warning(
                "file events unavailable (%s); polling every %ss", error, self._poll_interval
            )
            if observer is not None:
                # Safe before start too, and it also ends the inotify reader thread the
                # observer's constructor already started.
                with contextlib.suppress(Exception):
                    observer.stop()
                if observer.is_alive():
                    observer.join()
            return False
        self._observer = observer
        return True

    def _notify(self, path: Path) -> None:
        """Queue ``path`` for the delivery thread (called from watchdog's or the poll thread)."""
        with self._pending_lock:
            self._pending.add(path)
        self._wake.set()

    def _deliver(self) -> None:
        """Hand pending paths to ``on_change``, at most once per ``COALESCE_INTERVAL``."""
        while True:
            self._wake.wait()
            if self._stopping.is_set():
                return
            self._wake.clear()
            with self._pending_lock:
                pending, self._pending = self._pending, set()
            for path in pending:
                try:
                    self._on_change(path)
                except Exception:
                    logger.exception("file change callback failed for %s", path)
            if self._stopping.wait(COALESCE_INTERVAL):
                return

    def _poll(self) -> None:
        """Stat every path each interval and notify for those whose signature changed."""
        while not self._stopping.wait(self._poll_interval):
            for name, path in self._watched.items():
                now = _signature(name)
                if now != self._seen[name]:
                    self._seen[name] = now
                    self._notify(path)
