"""Log words spelt in smaller pieces while training (``rlog_train.spelt_pieces``).

A real byte-level BPE tokenizer trained on log lines (tests/tiny_models.py) and the trainer's own
rows: a spelt row must say exactly what the row said, in more pieces, with the prompt's fixed text
untouched and the loss still on the whole completion.
"""

from __future__ import annotations

import pytest
from tiny_models import build_tokenizer, tiny_examples

from rlog_train.formatting import sft_rows, tokenize_row
from rlog_train.spelt_pieces import PieceSpeller, spell_rows
from rlog_tui.protocol import DEFAULT_FORMAT, OutputOrder


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return build_tokenizer(tmp_path_factory.mktemp("tokenizer"))


def _rows(tokenizer):
    rows = sft_rows(tiny_examples(), DEFAULT_FORMAT, "", [OutputOrder.ANSWER_FIRST]).rows
    tokenized = [tokenize_row(tokenizer, r["prompt"], r["completion"]) for r in rows]
    return rows, tokenized


def _learnt(row) -> list[int]:
    return [t for t, m in zip(row["input_ids"], row["completion_mask"], strict=True) if m]


def test_a_spelt_row_says_the_same_in_more_pieces(tokenizer) -> None:
    rows, tokenized = _rows(tokenizer)
    spelt = spell_rows(tokenized, rows, tokenizer, share=1.0, seed=0)
    for row, before, after in zip(rows, tokenized, spelt, strict=True):
        assert len(after["input_ids"]) > len(before["input_ids"]), "no word was spelt"
        assert tokenizer.decode(after["input_ids"]) == tokenizer.decode(before["input_ids"])
        assert tokenizer.decode(_learnt(after)) == row["completion"]
        frame = tokenizer(row["frame"].split("L1:")[0])["input_ids"]
        assert after["input_ids"][: len(frame)] == frame, "the fixed text is never spelt"


def test_a_spelt_piece_is_gone_from_prompt_and_answer_alike(tokenizer) -> None:
    rows, tokenized = _rows(tokenizer)
    parse = next(i for i, r in enumerate(rows) if r["task"] == "parse")
    before, after = tokenized[parse], spell_rows(tokenized, rows, tokenizer, 1.0, 0)[parse]
    gone = set(before["input_ids"]) - set(after["input_ids"])
    assert gone, "share 1.0 spells every word piece of the log"
    speller = PieceSpeller.of(tokenizer)
    assert all(speller.is_word(token) for token in gone)
    assert gone & set(_learnt(before)), "a word the template copies is spelt in the answer too"


def test_share_zero_leaves_rows_as_they_were_and_a_seed_repeats(tokenizer) -> None:
    rows, tokenized = _rows(tokenizer)
    assert spell_rows(tokenized, rows, tokenizer, 0.0, 0) == tokenized
    half = spell_rows(tokenized, rows, tokenizer, 0.5, 7)
    assert half == spell_rows(tokenized, rows, tokenizer, 0.5, 7)


def test_a_piece_is_spelt_with_the_longest_other_pieces(tokenizer) -> None:
    speller = PieceSpeller.of(tokenizer)
    word = max(
        (t for t in range(len(speller.texts)) if speller.is_word(t)),
        key=lambda t: len(speller.texts[t]),
    )
    pieces = speller.spelt(word, frozenset({word}))
    assert pieces and word not in pieces and len(pieces) > 1
    assert "".join(speller.texts[p] for p in pieces) == speller.texts[word]
    assert speller.spelt(word, frozenset()) == [word], "a piece that may stay, stays whole"


def test_spelling_uses_only_pieces_the_model_has_rows_for(tokenizer) -> None:
    size = len(tokenizer) * 3 // 4  # a compact base's tokenizer knows more pieces than its model
    speller = PieceSpeller.of(tokenizer, size)
    assert max(speller.ids_by_text.values()) < size <= max(tokenizer.get_vocab().values())
    words = [t for t in range(size) if speller.is_word(t)]
    assert words and not speller.is_word(size)
    assert all(p < size for t in words for p in speller.spelt(t, frozenset({t})) or [])


def test_sft_dataset_spells_when_the_run_asks(tokenizer) -> None:
    from transformers import LlamaConfig

    from rlog_train.sft import sft_dataset

    config = LlamaConfig(vocab_size=len(tokenizer))
    plain, _ = sft_dataset(tiny_examples(), tokenizer, config, "answer-first")
    spelt, _ = sft_dataset(tiny_examples(), tokenizer, config, "answer-first", 1.0, 0)
    assert sum(map(len, spelt["input_ids"])) > sum(map(len, plain["input_ids"]))
