"""Atomic writes: the target is either the old file or the whole new one, never half of either."""

from __future__ import annotations

import pytest

from rlog_tui.files import replaced_atomically, write_text_atomic


def test_new_text_replaces_the_old_and_is_readable_by_others(tmp_path):
    target = tmp_path / "sub" / "report.json"
    write_text_atomic(target, "old\n")
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o044 == 0o044
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "model.gguf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), replaced_atomically(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.gguf"]
