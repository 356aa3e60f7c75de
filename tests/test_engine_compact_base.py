"""The base cut to an adapter's vocabulary: the same model over fewer tokens, built once.

Real files: the tests' tiny Llama GGUF (every tensor and field checked against gguf's own reader)
and the embedded gemma-3-270m with the shipped adapter's vocabulary, whose logits llama.cpp must
give unchanged at every kept token.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rlog_tui.engine.adapter_metadata import recorded_vocabulary
from rlog_tui.engine.compact_base import ascii_text_ids, compact_base, kept_ids
from rlog_tui.models import embedded_adapter_path


def _reader(path: Path):
    from gguf import GGUFReader

    return GGUFReader(path)


def _strings(reader, key: str) -> list[bytes]:
    field = reader.fields[key]
    return [bytes(field.parts[index]) for index in field.data]


def test_the_copy_keeps_the_chosen_rows_and_pieces_in_the_vocabulary_order(
    tiny_assets, tmp_path: Path
) -> None:
    full = _reader(tiny_assets.f32)
    n_vocab = len(full.fields["tokenizer.ggml.tokens"].data)
    vocabulary = np.array([7, 5, 300, 11, 42, *range(100, 140)])
    copy = compact_base(tiny_assets.f32, vocabulary, tmp_path)
    bos = int(full.fields["tokenizer.ggml.bos_token_id"].contents())
    assert copy.kept[: vocabulary.size].tolist() == vocabulary.tolist()
    assert bos in copy.kept.tolist(), "the named BOS id is kept though the vocabulary lacked it"

    small = _reader(copy.path)
    kept = copy.kept.tolist()
    assert _strings(small, "tokenizer.ggml.tokens") == [
        _strings(full, "tokenizer.ggml.tokens")[i] for i in kept
    ]
    assert small.fields["tokenizer.ggml.bos_token_id"].contents() == kept.index(bos)
    tensors = {t.name: t for t in full.tensors}
    for tensor in small.tensors:
        original = tensors[tensor.name].data
        if tensor.name == "token_embd.weight" or tensor.name == "output.weight":
            assert original.shape[0] == n_vocab
            np.testing.assert_array_equal(tensor.data, original[kept])
        else:
            np.testing.assert_array_equal(tensor.data, original)
    assert len(small.tensors) == len(full.tensors)


def test_the_copy_is_built_once_and_reused(tiny_assets, tmp_path: Path) -> None:
    vocabulary = np.arange(50, 120)
    first = compact_base(tiny_assets.f32, vocabulary, tmp_path)
    inode = first.path.stat().st_ino  # a rewrite replaces the file: a new inode
    again = compact_base(tiny_assets.f32, vocabulary, tmp_path)
    assert again.path == first.path and again.path.stat().st_ino == inode
    other = compact_base(tiny_assets.f32, np.arange(50, 121), tmp_path)
    assert other.path != first.path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.path.name, other.path.name])


def test_only_the_most_recently_used_copies_stay(tiny_assets, tmp_path: Path) -> None:
    import time

    vocabularies = [np.arange(10, 60 + n) for n in range(5)]
    paths = []
    for vocabulary in vocabularies:
        paths.append(compact_base(tiny_assets.f32, vocabulary, tmp_path).path)
        time.sleep(0.01)  # distinct modification times
    assert sorted(tmp_path.iterdir()) == sorted(paths[-3:])
    compact_base(tiny_assets.f32, vocabularies[2], tmp_path)  # used again: now the newest
    time.sleep(0.01)
    compact_base(tiny_assets.f32, vocabularies[0], tmp_path)  # rebuilt; the oldest goes
    assert sorted(tmp_path.iterdir()) == sorted([paths[0], paths[2], paths[4]])


def test_a_vocabulary_that_does_not_fit_the_base_is_refused(tiny_assets, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not fit this base's"):
        compact_base(tiny_assets.f32, np.array([1, 10**7]), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_trained_ids_come_first_then_the_others_once() -> None:
    kept, trained = kept_ids(np.array([4, 2, 4, 9]), [5, 2], [2, 1, 1])
    assert kept.tolist() == [4, 2, 9, 5, 1] and trained == 3


def test_ascii_text_tokens_are_kept_beside_the_trained_ones(tiny_assets, tmp_path: Path) -> None:
    full = _reader(tiny_assets.f32)
    pieces = [p.decode() for p in _strings(full, "tokenizer.ggml.tokens")]
    types = full.fields["tokenizer.ggml.token_type"].contents()
    copy = compact_base(tiny_assets.f32, np.array([3, 4]), tmp_path)
    extra = set(copy.kept[copy.trained :].tolist())
    ascii_text = {
        i for i, p in enumerate(pieces) if types[i] == 1 and p.isascii() and p.isprintable()
    }
    named = {int(full.fields[k].contents()) for k in full.fields if k.endswith("_token_id")}
    assert ascii_text - {3, 4} <= extra <= ascii_text | named
    assert ascii_text <= set(ascii_text_ids(tiny_assets.f32)) <= set(extra) | {3, 4}
    assert any(not p.isascii() for p in pieces), "the tiny vocabulary has pieces to leave out"
    assert len(copy.kept) < len(pieces)


def test_gemma_over_the_shipped_vocabulary_gives_the_same_logits(
    embedded_model: Path, tmp_path: Path
) -> None:
    from rlog_tui.engine.llama_open import open_llama

    adapter = embedded_adapter_path()
    vocabulary = recorded_vocabulary(adapter)
    assert vocabulary is not None, "the shipped adapter records its training vocabulary"
    copy = compact_base(embedded_model, vocabulary, tmp_path)
    assert copy.trained == len(set(vocabulary.tolist()))
    assert os.path.getsize(copy.path) < os.path.getsize(embedded_model) * 0.75

    def last_logits(model: Path, ids: list[int]) -> np.ndarray:
        llama = open_llama(
            model_path=str(model), lora_path=str(adapter), n_ctx=256, n_threads=1, verbose=False
        )
        try:
            llama.eval(ids)
            row = llama._ctx.get_logits_ith(-1)
            return np.ctypeslib.as_array(row, shape=(llama.n_vocab(),)).copy()
        finally:
            llama.close()

    full_ids = [
        2,
        105,
        2364,
        107,
        77102,
        1565,
        1262,
        34147,
        236799,
        3165,
    ]  # BOS, <start_of_turn>user …
    new_of_old = {int(old): new for new, old in enumerate(copy.kept)}
    assert all(i in new_of_old for i in full_ids)
    full = last_logits(embedded_model, full_ids)
    small = last_logits(copy.path, [new_of_old[i] for i in full_ids])
    assert small.shape == (copy.kept.size,)
    np.testing.assert_allclose(small, full[copy.kept], rtol=0, atol=2e-3)
