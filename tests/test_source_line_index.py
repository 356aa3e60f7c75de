"""LineIndex: lazy newest-first indexing, appends, bounded and forgiving line reads."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from rlog_tui.source import line_index
from rlog_tui.source.line_index import LINE_BYTES_LIMIT, LineIndex


def index_of(data: bytes) -> LineIndex:
    """An index over in-memory bytes, the way a decompressed .gz is read."""
    return LineIndex(lambda offset, size: data[offset : offset + size], len(data))


def all_lines(index: LineIndex) -> list[str]:
    while index.index_older():
        pass
    return [index.read(i).text for i in range(index.line_count)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"\n", [""]),
        (b"\n\n", ["", ""]),
        (b"a", ["a"]),
        (b"a\n", ["a"]),
        (b"a\nb", ["a", "b"]),
        (b"a\n\nb\n", ["a", "", "b"]),
        (b"crlf\r\nline\r\n", ["crlf", "line"]),
    ],
)
def test_lines_split_on_newline_without_phantom_last_line(data: bytes, expected: list[str]) -> None:
    index = index_of(data)
    assert all_lines(index) == expected
    assert index.complete
    assert index.line_count == len(expected)


def test_last_line_without_newline_is_partial() -> None:
    index = index_of(b"one\ntwo")
    assert index.last_line_partial
    assert index.read(0).partial is False
    assert index.read(index.line_count - 1).partial is True


def test_ensure_lines_reads_back_only_as_far_as_needed() -> None:
    data = b"".join(b"line %06d some text\n" % i for i in range(200_000))
    index = index_of(data)
    # Opening reads one chunk from the end to find the last line, and keeps what that chunk holds.
    assert 1 <= index.line_count <= line_index.TAIL_CHUNK // 20
    index.ensure_lines(40)
    assert 40 <= index.line_count < 10_000
    assert not index.complete
    last = index.line_count - 1
    assert index.read(last).text == "line 199999 some text"
    assert index.read(last - 39).text == "line 199960 some text"


def test_index_older_reports_prepended_lines_until_complete() -> None:
    data = b"".join(b"%d\n" % i for i in range(50_000))
    index = index_of(data)
    before = index.line_count
    added = []
    while n := index.index_older(64 * 1024):
        added.append(n)
    assert before + sum(added) == 50_000
    assert len(added) > 1  # it really went in chunks
    assert index.index_older() == 0
    assert index.read(0).text == "0"
    assert index.read(49_999).text == "49999"


def test_random_chunking_matches_splitlines() -> None:
    rng = random.Random(1234)
    for _ in range(30):
        lines = [b"x" * rng.choice([0, 1, 5, 80, 3000]) for _ in range(rng.randint(0, 300))]
        data = b"\n".join(lines) + rng.choice([b"", b"\n"])
        index = index_of(data)
        while not index.complete:
            index.index_older(rng.randint(1, 5000))
        got = [index.read(i).text for i in range(index.line_count)]
        assert got == data.decode().splitlines()


def test_extend_indexes_appended_lines(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\nb\n")
    fd = os.open(path, os.O_RDONLY)
    try:
        index = LineIndex(lambda offset, size: os.pread(fd, size, offset), 4)
        assert index.extend(4) is None
        with path.open("ab") as log:
            log.write(b"c\nd\n")
        assert index.extend(8) == 2
        assert all_lines(index) == ["a", "b", "c", "d"]
    finally:
        os.close(fd)


def test_extend_of_partial_line_points_at_the_grown_line() -> None:
    data = bytearray(b"a\nhal")
    index = LineIndex(lambda offset, size: bytes(data[offset : offset + size]), len(data))
    data += b"f done\nnext"
    assert index.extend(len(data)) == 1
    assert [index.read(i).text for i in range(index.line_count)] == ["a", "half done", "next"]
    assert index.read(2).partial


def test_extend_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_index, "APPEND_CHUNK", 7)
    data = bytearray()
    index = LineIndex(lambda offset, size: bytes(data[offset : offset + size]), 0)
    expected: list[str] = []
    for i in range(200):
        text = "y" * (i % 13)
        data += text.encode() + b"\n"
        expected.append(text)
        if i % 3 == 0:
            index.extend(len(data))
    index.extend(len(data))
    assert [index.read(i).text for i in range(index.line_count)] == expected


def test_invalid_utf8_is_replaced_not_raised() -> None:
    index = index_of(b"caf\xe9 ok\n\xff\xfe\xfd\nvalid \xe2\x82\xac\n")
    assert all_lines(index) == ["caf\ufffd ok", "\ufffd\ufffd\ufffd", "valid €"]


def test_ten_megabyte_line_is_read_bounded(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    size = 10 * 1024 * 1024
    path.write_bytes(b"start\n" + b"z" * size + b"\nend\n")
    fd = os.open(path, os.O_RDONLY)
    try:
        index = LineIndex(lambda offset, n: os.pread(fd, n, offset), path.stat().st_size)
        index.ensure_lines(3)
        assert index.complete and index.line_count == 3
        huge = index.read(1)
        assert len(huge.text) == LINE_BYTES_LIMIT
        assert huge.cut_bytes == size - LINE_BYTES_LIMIT
        assert index.read(2).text == "end"
    finally:
        os.close(fd)


def test_cut_inside_a_multibyte_character_drops_it_cleanly() -> None:
    data = b"a" * (LINE_BYTES_LIMIT - 1) + "€".encode() * 10 + b"\n"
    line = index_of(data).read(0)
    assert line.text == "a" * (LINE_BYTES_LIMIT - 1)
    assert "\ufffd" not in line.text
    assert line.cut_bytes == 30 - 1
