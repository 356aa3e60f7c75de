"""FileWatcher: notifies on change through watchdog, through polling, and falls back by itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rlog_tui.source.watcher import COALESCE_INTERVAL, FileWatcher

WAIT_S = 5.0


class Recorder:
    """Collects the paths the watcher reports, from its thread, for the test thread to read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.paths: list[Path] = []

    def __call__(self, path: Path) -> None:
        with self._lock:
            self.paths.append(path)

    def count(self) -> int:
        with self._lock:
            return len(self.paths)


def wait_for(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` for up to WAIT_S seconds: a bound, not a speed requirement."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as log:
        log.write(data)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_bytes(b"one\n")
    return path


@pytest.mark.parametrize("poll", [False, True], ids=["watchdog", "poll"])
def test_append_is_notified(log_path: Path, poll: bool) -> None:
    seen = Recorder()
    with FileWatcher([log_path], seen, poll=poll) as watcher:
        assert watcher.mode == ("poll" if poll else "watchdog")
        append(log_path, b"two\n")
        assert wait_for(lambda: log_path in seen.paths)
    assert set(seen.paths) == {log_path}


def test_rlog_poll_environment_forces_polling(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RLOG_POLL", "1")
    seen = Recorder()
    with FileWatcher([log_path], seen) as watcher:
        assert watcher.mode == "poll"
        append(log_path, b"two\n")
        assert wait_for(lambda: seen.count() > 0)


@pytest.mark.parametrize("poll", [False, True], ids=["watchdog", "poll"])
def test_rotation_is_notified(log_path: Path, poll: bool) -> None:
    seen = Recorder()
    with FileWatcher([log_path], seen, poll=poll):
        log_path.rename(log_path.with_suffix(".log.1"))
        assert wait_for(lambda: seen.count() > 0)
        before = seen.count()
        log_path.write_bytes(b"new\n")
        assert wait_for(lambda: seen.count() > before)


def test_other_files_in_the_directory_are_ignored(log_path: Path) -> None:
    seen = Recorder()
    with FileWatcher([log_path], seen):
        (log_path.parent / "other.log").write_bytes(b"noise\n")
        append(log_path, b"signal\n")
        assert wait_for(lambda: seen.count() > 0)
    assert set(seen.paths) == {log_path}


def test_falls_back_to_polling_when_watchdog_cannot_start(tmp_path: Path) -> None:
    """A parent directory that does not exist yet cannot be watched by inotify."""
    path = tmp_path / "later" / "app.log"
    seen = Recorder()
    threads_before = threading.active_count()
    with FileWatcher([path], seen) as watcher:
        assert watcher.mode == "poll"
        path.parent.mkdir()
        path.write_bytes(b"hello\n")
        assert wait_for(lambda: seen.count() > 0)
    assert threading.active_count() == threads_before  # the failed observer left nothing running


def test_a_stream_of_writes_is_delivered_at_most_once_per_coalesce_interval(log_path: Path) -> None:
    """A writer appending every millisecond, a quick callback: callbacks come at most once per
    COALESCE_INTERVAL (plus the first and a last one), not once per write."""
    seen = Recorder()
    writes = 0
    with FileWatcher([log_path], seen, poll=False), log_path.open("ab", buffering=0) as log:
        start = time.monotonic()
        while time.monotonic() - start < 0.5:
            log.write(b"line %d\n" % writes)
            writes += 1
            time.sleep(0.001)
        elapsed = time.monotonic() - start
        assert wait_for(lambda: seen.count() > 0)
        time.sleep(2 * COALESCE_INTERVAL)  # the last burst is delivered too
    allowed = elapsed / COALESCE_INTERVAL + 2
    assert writes > 3 * allowed, "the writer was too slow for the bound to mean anything"
    assert seen.count() <= allowed


def test_no_callback_after_stop(log_path: Path) -> None:
    seen = Recorder()
    watcher = FileWatcher([log_path], seen, poll=True, poll_interval=0.01)
    watcher.start()
    watcher.stop()
    watcher.stop()
    append(log_path, b"two\n")
    time.sleep(0.1)
    assert seen.count() == 0
    assert watcher.mode is None


def test_callback_errors_do_not_stop_watching(log_path: Path) -> None:
    calls = Recorder()

    def flaky(path: Path) -> None:
        calls(path)
        raise RuntimeError("UI went away")

    with FileWatcher([log_path], flaky, poll=True, poll_interval=0.01):
        append(log_path, b"a\n")
        assert wait_for(lambda: calls.count() >= 1)
        time.sleep(0.05)
        append(log_path, b"b\n")
        assert wait_for(lambda: calls.count() >= 2)
