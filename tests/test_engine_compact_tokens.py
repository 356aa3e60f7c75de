"""Prompts for a compact base: the full tokenizer's split, renumbered; missing pieces spelt out.

The spelling rules are checked on a small table of pieces; the whole path on the real gemma
tokenizer with the shipped adapter's vocabulary, where the text must survive the round trip.
"""

from __future__ import annotations

import numpy as np
import pytest

from rlog_tui.engine.adapter_metadata import recorded_vocabulary
from rlog_tui.engine.compact_tokens import CompactTokenizer
from rlog_tui.models import embedded_adapter_path

PIECES = ["<unk>", "▁data", "▁da", "ta", "t", "a", "<0xC3>", "<0xA9>", "<0x21>", "▁datum", "é"]
"""A full vocabulary of eleven pieces; ``▁datum`` (9) and ``é`` (10) will not be kept."""


def table_tokenizer(kept: list[int], full_ids: list[int], unknown: int | None = 0):
    return CompactTokenizer(
        lambda _text, _bos: full_ids, PIECES.__getitem__, np.array(kept), unknown=unknown
    )


def test_kept_pieces_are_renumbered_in_the_kept_order() -> None:
    tokenizer = table_tokenizer([3, 1, 0], [1, 3, 1])
    assert tokenizer.tokenize("", add_bos=False) == [1, 0, 1]


def test_a_missing_piece_is_spelt_with_the_longest_kept_pieces() -> None:
    kept = [0, 2, 3, 4, 5]  # <unk> ▁da ta t a
    assert table_tokenizer(kept, [1]).tokenize("", add_bos=False) == [1, 2]  # ▁data: ▁da ta
    # ▁datum: ▁da t, then "u" and "m" have no piece and no byte piece: the unknown piece
    assert table_tokenizer(kept, [9]).tokenize("", add_bos=False) == [1, 3, 0, 0]


def test_a_character_without_a_piece_is_spelt_in_utf8_bytes() -> None:
    kept = [6, 7, 8]  # <0xC3> <0xA9> <0x21>
    assert table_tokenizer(kept, [10], unknown=None).tokenize("", add_bos=False) == [0, 1]


def test_without_bytes_or_an_unknown_piece_spelling_fails_clearly() -> None:
    with pytest.raises(ValueError, match="cannot spell 'é'"):
        table_tokenizer([1], [10], unknown=None).tokenize("", add_bos=False)


def test_gemma_prompts_keep_their_text_and_stay_inside_the_vocabulary(embedded_model) -> None:
    import llama_cpp

    vocabulary = recorded_vocabulary(embedded_adapter_path())
    assert vocabulary is not None
    full = llama_cpp.Llama(model_path=str(embedded_model), vocab_only=True, verbose=False)
    try:
        text_attributes = llama_cpp.LLAMA_TOKEN_ATTR_NORMAL | llama_cpp.LLAMA_TOKEN_ATTR_BYTE
        tokenizer = CompactTokenizer(
            lambda text, bos: full.tokenize(text.encode(), add_bos=bos, special=True),
            lambda i: (
                full._model.token_get_text(i)
                if full._model.token_get_attr(i) & text_attributes
                else ""
            ),
            vocabulary,
            unknown=3,
        )
        text = "<start_of_turn>user\nL1: RAS KERNEL FATAL Ошибка диска 💥 sda1 øre\n"
        ids = tokenizer.tokenize(text, add_bos=True)
        full_ids = full.tokenize(text.encode(), add_bos=True, special=True)
        assert any(i not in set(vocabulary.tolist()) for i in full_ids), "nothing to spell"
        assert max(ids) < vocabulary.size and len(ids) > len(full_ids)
        as_full = [int(vocabulary[i]) for i in ids]
        assert full.detokenize(as_full[1:], special=True).decode() == text
        assert as_full[:4] == full_ids[:4]  # BOS, <start_of_turn>, user, newline: kept as they are
    finally:
        full.close()
