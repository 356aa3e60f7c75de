"""Slices that fit the GPU machine's calls: the arithmetic, and a join that refuses bad parts."""

from __future__ import annotations

import math
import os

import pytest

from rlog_train.gpu_recipe.carry import (
    SAFETY_BYTES,
    CarryError,
    balanced_capacity,
    call_capacity,
    calls_needed,
    check_parts,
    join,
    layout,
    read_manifest,
    write_parts,
)
from rlog_train.gpu_recipe.machine import CALL_BYTES, MIB


def test_capacity_is_the_call_limit_less_tree_wheels_and_safety():
    assert call_capacity(9 * MIB, 3 * MIB) == CALL_BYTES - 12 * MIB - SAFETY_BYTES
    with pytest.raises(CarryError, match="no room"):
        call_capacity(60 * MIB, 4 * MIB)


def test_layout_fills_each_call_and_cuts_files_at_call_boundaries():
    files = {"base/body.gguf": 80 * MIB, "base/tokenizer.json.gz": 5 * MIB, "train.json": 4 * MIB}
    capacity = 50 * MIB
    parts = layout(files, capacity)
    per_call = {}
    for part in parts:
        per_call[part.call] = per_call.get(part.call, 0) + part.size
    assert per_call == {1: 50 * MIB, 2: 39 * MIB}
    assert len(per_call) == calls_needed(sum(files.values()), capacity)
    # each file's slices are contiguous and add up to it
    for name, size in files.items():
        pieces = sorted((p for p in parts if p.source == name), key=lambda p: p.offset)
        assert [p.offset for p in pieces] == [
            sum(q.size for q in pieces[:i]) for i in range(len(pieces))
        ]
        assert sum(p.size for p in pieces) == size
    assert [p.source for p in parts if p.call == 1] == ["base/body.gguf"]


def test_balanced_slices_need_as_few_calls_and_leave_each_the_same_room():
    total, capacity = 89 * MIB, 54 * MIB
    even = balanced_capacity(total, capacity)
    assert even == math.ceil(total / 2)
    parts = layout({"body": total}, even)
    assert [p.size for p in parts] == [even, total - even]
    assert balanced_capacity(10, 100) == 10


def test_layout_of_what_fits_one_call_is_one_call_and_keeps_empty_files():
    parts = layout({"a": 10, "b": 0}, capacity=100)
    assert [(p.call, p.source, p.size) for p in parts] == [(1, "a", 10), (1, "b", 0)]
    assert calls_needed(10, 100) == 1


def test_parts_join_back_byte_for_byte(tmp_path):
    inputs = tmp_path / "in"
    (inputs / "base").mkdir(parents=True)
    body = os.urandom(2500)
    (inputs / "base" / "body.gguf").write_bytes(body)
    (inputs / "train.json").write_text('{"x": 1}')
    manifest = write_parts(inputs, tmp_path / "carry", capacity=1000)
    assert manifest["calls"] == 3  # 2,508 bytes in three even slices of 836
    assert {p["size"] for p in manifest["parts"] if p["source"] == "base/body.gguf"} == {836, 828}
    assert all((tmp_path / "carry" / f"call{n}" / "manifest.json").is_file() for n in (1, 2, 3))
    join(tmp_path / "carry", tmp_path / "joined")
    assert (tmp_path / "joined" / "base" / "body.gguf").read_bytes() == body


def test_join_refuses_when_an_earlier_calls_slice_is_gone_and_names_the_call(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "body.gguf").write_bytes(os.urandom(3000))
    write_parts(inputs, tmp_path / "carry", capacity=1000)
    for part in (tmp_path / "carry" / "call1").glob("0*"):
        part.unlink()  # the machine went cold after call 1
    with pytest.raises(CarryError, match=r"call 1 .* missing: repeat call 1"):
        join(tmp_path / "carry", tmp_path / "joined")
    assert not (tmp_path / "joined").exists()


def test_check_finds_a_corrupt_slice(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "body.gguf").write_bytes(os.urandom(1500))
    write_parts(inputs, tmp_path / "carry", capacity=1000)
    slice_2 = next((tmp_path / "carry" / "call2").glob("0*"))
    data = bytearray(slice_2.read_bytes())
    data[0] ^= 0xFF
    slice_2.write_bytes(bytes(data))
    manifest = read_manifest(tmp_path / "carry")
    check_parts(tmp_path / "carry", manifest, {1})
    with pytest.raises(CarryError, match=r"call 2 .* corrupt"):
        check_parts(tmp_path / "carry", manifest, {1, 2})
