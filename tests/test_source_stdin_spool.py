"""Piped standard input spooled to a private, bounded temporary file deleted on close."""

from __future__ import annotations

import os
import stat

from rlog_tui.source.stdin_spool import StdinSpool


def piped(data: bytes) -> int:
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    return read_end


def test_the_stream_is_kept_in_a_private_file_that_close_deletes():
    spool = StdinSpool(piped(b"one\ntwo\n"))
    spool.copy_all()
    assert spool.path.read_bytes() == b"one\ntwo\n"
    assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(spool.path.parent.stat().st_mode) == 0o700
    assert spool.finished.is_set() and spool.describe() == "end of input"
    spool.close()
    assert not spool.path.exists() and not spool.path.parent.exists()


def test_past_the_bound_whole_lines_are_kept_and_the_rest_is_counted():
    with StdinSpool(piped(b"aaaa\nbbbb\ncccc\n"), max_bytes=12) as spool:
        spool.copy_all()
        assert spool.path.read_bytes() == b"aaaa\nbbbb\n"
        assert spool.dropped_bytes == 5
        assert "5 bytes" in spool.describe()


def test_a_background_copy_follows_the_stream_until_it_ends():
    read_end, write_end = os.pipe()
    with StdinSpool(read_end).start() as spool:
        os.write(write_end, b"first\n")
        assert not spool.finished.wait(0.2)
        assert spool.describe() == "reading stdin"
        os.close(write_end)
        assert spool.finished.wait(10)
        assert spool.path.read_bytes() == b"first\n"
