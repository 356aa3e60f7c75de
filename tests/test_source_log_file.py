"""LogFile: opening errors, lazy tail of big files, and following appends, truncation, rotation."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlog_tui.source import (
    Appended,
    Deleted,
    LogFile,
    Rotated,
    SourceBadGzip,
    SourceBinary,
    SourceIsDirectory,
    SourceMissing,
    SourceNotRegularFile,
    SourcePermissionDenied,
    Truncated,
)


def write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as log:
        log.write(data)


def snapshot(path: Path) -> tuple[bytes, int]:
    """What rlog must never change: the bytes and the modification time."""
    return path.read_bytes(), path.stat().st_mtime_ns


def every_line(log: LogFile) -> list[str]:
    while log.index_older():
        pass
    return log.lines(0, log.line_count)


@pytest.fixture
def app_log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "app.log"
    write(path, b"first\nsecond\n")
    yield path


# --- opening --------------------------------------------------------------------------------


def test_missing_file_raises_missing(tmp_path: Path) -> None:
    path = tmp_path / "nope.log"
    with pytest.raises(SourceMissing) as caught:
        LogFile.open(path)
    assert str(caught.value) == f"rlog: {path}: no such file"
    assert not path.exists()  # opening never creates


def test_directory_raises_is_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceIsDirectory, match="is a directory"):
        LogFile.open(tmp_path)


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(SourceNotRegularFile):
        LogFile.open(fifo)


def test_permission_denied_is_reported(tmp_path: Path) -> None:
    """chmod 000 makes a file unreadable, except to root, which bypasses file modes.

    As root the same open runs in a forked child that drops to the ``nobody`` user first, so the
    kernel really refuses it (no fake ``os.open``); skipped only if that switch is not allowed.
    """
    with tempfile.TemporaryDirectory() as directory:
        os.chmod(directory, 0o755)  # let the unprivileged child reach the file
        path = Path(directory) / "secret.log"
        write(path, b"classified\n")
        path.chmod(0o000)
        if not os.access(path, os.R_OK):
            with pytest.raises(SourcePermissionDenied) as caught:
                LogFile.open(path)
            assert str(caught.value).startswith(f"rlog: {path}: permission denied")
            return
        assert open_as_nobody(path).startswith(f"rlog: {path}: permission denied")


def open_as_nobody(path: Path) -> str:
    """Open ``path`` with LogFile in a child process running as ``nobody``; return its message."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, try, report, and leave without cleanup handlers
        message = b""
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                LogFile.open(path).close()
                message = b"opened"
            except SourcePermissionDenied as error:
                message = str(error).encode()
        except OSError as error:
            message = f"cannot drop privileges: {error}".encode()
        finally:
            os.write(write_end, message)
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reply = pipe.read().decode()
    os.waitpid(pid, 0)
    if reply.startswith("cannot drop privileges"):
        pytest.skip(f"running as root and {reply}: permission mapping covered in errors tests")
    return reply


def test_file_with_nul_bytes_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "core.log"
    write(path, b"ELF\x00\x01\x02" + bytes(range(256)) * 10)
    with pytest.raises(SourceBinary, match="binary"):
        LogFile.open(path)


def test_file_of_control_bytes_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "blob.log"
    write(path, bytes([1, 2, 3, 4, 5, 6, 7, 14, 15, 16]) * 100)
    with pytest.raises(SourceBinary):
        LogFile.open(path)


def test_invalid_utf8_and_ansi_colours_are_still_a_log(tmp_path: Path) -> None:
    path = tmp_path / "latin1.log"
    write(path, "café müde\n".encode("latin-1") + b"\x1b[31mERROR\x1b[0m boom\n")
    with LogFile.open(path) as log:
        assert every_line(log) == ["caf\ufffd m\ufffdde", "\x1b[31mERROR\x1b[0m boom"]


def test_empty_file_has_no_lines_then_follows(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    write(path, b"")
    with LogFile.open(path) as log:
        assert log.line_count == 0 and log.fully_indexed and log.tail(10) == []
        append(path, b"hello\n")
        assert log.refresh() == [Appended(0, 1)]
        assert log.line(0) == "hello"


def test_ten_megabyte_single_line_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "minified.log"
    write(path, b"{" + b"x" * (10 * 1024 * 1024) + b"}\nafter\n")
    with LogFile.open(path) as log:
        tail = log.tail(2)
        assert [number for number, _ in tail] == [0, 1]
        assert len(tail[0][1]) == 64 * 1024 and tail[1][1] == "after"
        assert log.read_line(0).cut_bytes == 10 * 1024 * 1024 + 2 - 64 * 1024


# --- the big file: lazy tail ----------------------------------------------------------------


def test_tail_of_large_file_does_not_index_everything(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    total = 500_000
    with path.open("wb") as out:  # ~50 MB: each line ~100 bytes
        for block in range(0, total, 10_000):
            out.write(
                b"".join(
                    b"2024-05-01T12:00:00.000Z INFO  [worker-%02d] request %08d served in %3d ms"
                    b" status=200\n" % (i % 16, i, i % 997)
                    for i in range(block, block + 10_000)
                )
            )
    before = snapshot(path)
    with LogFile.open(path) as log:
        tail = log.tail(40)
        assert len(tail) == 40
        assert tail[-1][1].split()[4] == f"{total - 1:08d}"
        assert tail[0][1].split()[4] == f"{total - 40:08d}"
        assert log.line_count < total // 100  # only the end was indexed
        assert not log.fully_indexed
        known = log.line_count
        assert log.index_all() == total - known
        assert log.fully_indexed and log.line_count == total
        assert log.line(12345).split()[4] == "00012345"
        numbered = log.tail(3)
        assert [number for number, _ in numbered] == [total - 3, total - 2, total - 1]
    assert snapshot(path) == before


# --- following ------------------------------------------------------------------------------


def test_appended_lines_are_reported(app_log: Path) -> None:
    with LogFile.open(app_log) as log:
        log.tail(10)
        assert log.refresh() == []
        append(app_log, b"third\nfourth\n")
        assert log.refresh() == [Appended(2, 2)]
        assert log.lines(2, 4) == ["third", "fourth"]
        assert log.refresh() == []


def test_partial_last_line_is_reread_when_it_grows(app_log: Path) -> None:
    append(app_log, b"hal")
    with LogFile.open(app_log) as log:
        assert log.tail(5) == [(0, "first"), (1, "second"), (2, "hal")]
        assert log.read_line(2).partial
        append(app_log, b"f done\nnext")
        assert log.refresh() == [Appended(2, 2)]
        assert log.lines(2, 4) == ["half done", "next"]
        assert not log.read_line(2).partial and log.read_line(3).partial


def test_copytruncate_restarts_from_the_start(app_log: Path) -> None:
    with LogFile.open(app_log) as log:
        log.tail(10)
        shutil.copy(app_log, app_log.with_suffix(".log.1"))
        os.truncate(app_log, 0)  # what logrotate's copytruncate does
        assert log.refresh() == [Truncated()]
        assert log.line_count == 0
        append(app_log, b"fresh\n")
        assert log.refresh() == [Appended(0, 1)]
        assert log.tail(5) == [(0, "fresh")]


def test_truncation_hidden_by_faster_refill_is_detected(app_log: Path) -> None:
    """A writer without O_APPEND keeps its offset after copytruncate: the file regrows past the
    old size with NULs in front, so the size alone never shrinks between two refreshes."""
    with LogFile.open(app_log) as log:
        log.tail(10)
        os.truncate(app_log, 0)
        with app_log.open("r+b") as out:
            out.seek(20)
            out.write(b"after rotation\n")
        events = log.refresh()
        assert events == [Truncated()]
        assert log.tail(1)[-1][1].endswith("after rotation")  # the NULs stay: they are in the file


def test_rename_rotation_new_file_already_there(app_log: Path) -> None:
    with LogFile.open(app_log) as log:
        log.tail(10)
        append(app_log, b"last words\n")
        app_log.rename(app_log.with_suffix(".log.1"))
        append(app_log.with_suffix(".log.1"), b"very last\n")  # the writer still had it open
        write(app_log, b"new file\n")
        assert log.refresh() == [Appended(2, 2), Rotated()]
        assert log.tail(5) == [(0, "new file")]
        append(app_log, b"more\n")
        assert log.refresh() == [Appended(1, 1)]


def test_rename_rotation_new_file_appears_later(app_log: Path) -> None:
    with LogFile.open(app_log) as log:
        log.tail(10)
        rotated = app_log.with_suffix(".log.1")
        app_log.rename(rotated)
        assert log.refresh() == [Deleted()]
        append(rotated, b"late line\n")
        assert log.refresh() == [Appended(2, 1)]  # still following the renamed file
        assert log.line(2) == "late line"
        write(app_log, b"new one\n")
        assert log.refresh() == [Rotated()]
        assert log.tail(5) == [(0, "new one")]
        assert log.refresh() == []


def test_deleted_file_keeps_its_lines_and_is_reopened(app_log: Path) -> None:
    with LogFile.open(app_log) as log:
        log.tail(10)
        app_log.unlink()
        assert log.refresh() == [Deleted()]
        assert log.missing
        assert log.lines(0, 2) == ["first", "second"]
        assert log.refresh() == []  # said once
        write(app_log, b"back\n")
        assert log.refresh() == [Rotated()]
        assert not log.missing
        assert log.tail(1) == [(0, "back")]


def test_unreadable_replacement_is_treated_as_missing(app_log: Path) -> None:
    with LogFile.open(app_log) as log:
        log.tail(10)
        app_log.unlink()
        write(app_log, b"\x00\x01binary now")
        assert log.refresh() == [Deleted()]
        assert log.lines(0, 2) == ["first", "second"]
        write(app_log, b"text again\n")  # same inode rewritten in place: still checked afresh
        assert log.refresh() == [Rotated()]
        assert log.tail(1) == [(0, "text again")]


def test_reading_and_following_never_change_the_file(app_log: Path) -> None:
    before = snapshot(app_log)
    with LogFile.open(app_log) as log:
        log.tail(10)
        log.lines(0, 10)
        log.refresh()
        every_line(log)
    assert snapshot(app_log) == before


def test_background_indexing_while_following_stays_consistent(tmp_path: Path) -> None:
    path = tmp_path / "busy.log"
    write(path, b"".join(b"old %d\n" % i for i in range(200_000)))
    with LogFile.open(path) as log:
        log.tail(50)
        worker = threading.Thread(target=lambda: every_line(log))
        worker.start()
        for i in range(200):
            append(path, b"new %d\n" % i)
            log.refresh()
            assert log.tail(1)[-1][1] == f"new {i}"
        worker.join()
        assert log.fully_indexed and log.line_count == 200_200
        assert log.line(0) == "old 0" and log.line(200_000) == "new 0"


# --- gzip -----------------------------------------------------------------------------------


def test_gzip_is_read_but_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "app.log.1.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"".join(b"old line %d\n" % i for i in range(1000)))
    before = snapshot(path)
    with LogFile.open(path) as log:
        assert log.compressed
        assert log.tail(2) == [(998, "old line 998"), (999, "old line 999")]
        assert every_line(log)[0] == "old line 0"
        assert log.refresh() == []
    assert snapshot(path) == before


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: b"plain text, not gzip\n", id="not-gzip"),
        pytest.param(lambda: gzip.compress(b"line\n" * 1000)[:-20], id="truncated"),
        pytest.param(
            lambda: (lambda z: z[:12] + bytes(b ^ 0xFF for b in z[12:40]) + z[40:])(
                gzip.compress(b"line\n" * 1000)
            ),
            id="corrupt",
        ),
    ],
)
def test_bad_gzip_raises(tmp_path: Path, make: object) -> None:
    path = tmp_path / "broken.log.gz"
    write(path, make())  # type: ignore[operator]
    with pytest.raises(SourceBadGzip, match="gzip"):
        LogFile.open(path)


# --- lifetime -------------------------------------------------------------------------------


def test_closed_file_refuses_reads_and_stops_following(app_log: Path) -> None:
    log = LogFile.open(app_log)
    log.close()
    log.close()
    assert log.refresh() == []
    assert log.line_count == 0
