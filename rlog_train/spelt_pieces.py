"""Log words spelt in smaller pieces while training, so a model can be served over its own tokens.

Why: each generated token pays for every row of the served output layer. Cut to the adapter's
17.6k trained tokens, gemma decodes 1.85x faster than over the 151k-row cut the engine serves now
(``engine.compact_base``), but a log word whose piece training never used must then be spelt in
smaller pieces (``engine.compact_tokens.spell``), and a model that had never seen a word spelt
copied it badly (``Progressof``; seen-system PA 0.560 -> 0.443). Every training row's words are
trained pieces by construction, so nothing taught it otherwise.

Here a row's own log words are spelt as serving would spell an unknown piece: each distinct word
piece of the log (one the prompt's fixed text, the system prompt and instruction, does not use) is
chosen with probability ``share``, and every occurrence of it, in the prompt and in the target
alike, becomes the longest other pieces that make up its text, by the engine's own rule. So the
model reads spelt words and learns to copy them piece by piece into its answer. An adapter trained
so records it (``protocol.decoding.SPELT_PIECES_METADATA_KEY``) and is served over its trained
tokens alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rlog_tui.engine.compact_tokens import spell

SPACE_MARKS = "\u2581\u0120"
"""Sentencepiece's and byte-level BPE's marks for a leading space: not part of a word's length."""
MIN_WORD_CHARS = 2
"""A piece shorter than this (punctuation, a digit, a letter) is left alone: there is nothing
smaller to spell it with but bytes."""


class _Unspellable(Exception):
    """A character no other piece starts with: the piece stays whole."""


@dataclass(frozen=True, slots=True)
class PieceSpeller:
    """A tokenizer's pieces by text, to spell one of them with the others."""

    ids_by_text: dict[str, int]
    texts: Sequence[str]
    special: frozenset[int]
    longest: int

    @classmethod
    def of(cls, tokenizer: Any, size: int | None = None) -> PieceSpeller:
        """From a Hugging Face tokenizer; with ``size``, only ids below it (a compact base's
        tokenizer knows every piece, its model only the first ``size``)."""
        vocabulary: dict[str, int] = {
            text: token
            for text, token in tokenizer.get_vocab().items()
            if size is None or token < size
        }
        texts = [""] * (max(vocabulary.values()) + 1)
        for text, token in vocabulary.items():
            texts[token] = text
        return cls(
            vocabulary,
            texts,
            frozenset(tokenizer.all_special_ids),
            max(map(len, vocabulary), default=1),
        )

    def is_word(self, token: int) -> bool:
        """Whether ``token`` is a piece worth spelling: text of at least ``MIN_WORD_CHARS``."""
        return (
            token not in self.special
            and 0 <= token < len(self.texts)
            and len(self.texts[token].lstrip(SPACE_MARKS)) >= MIN_WORD_CHARS
        )

    def spelt(self, token: int, unknown: frozenset[int]) -> list[int] | None:
        """``token`` as the longest pieces outside ``unknown``; None if a character has none."""

        def lookup(text: str) -> int | None:
            found = self.ids_by_text.get(text)
            return None if found is None or found in unknown or found in self.special else found

        def stuck(character: str) -> list[int]:
            raise _Unspellable(character)

        try:
            return spell(self.texts[token], lookup, self.longest, stuck)
        except _Unspellable:
            return None


def spell_row(
    row: dict[str, list[int]],
    log_ids: set[int],
    fixed_ids: set[int],
    speller: PieceSpeller,
    rng: random.Random,
    share: float,
) -> dict[str, list[int]]:
    """``row`` with some of its log's word pieces spelt (see the module doc); the loss mask
    follows: a spelt piece of the target is learnt, one of the prompt is not."""
    candidates = sorted(t for t in log_ids - fixed_ids if speller.is_word(t))
    chosen = frozenset(t for t in candidates if rng.random() < share)
    spellings = {t: s for t in chosen if (s := speller.spelt(t, chosen))}
    if not spellings:
        return row
    input_ids: list[int] = []
    completion_mask: list[int] = []
    for token, learnt in zip(row["input_ids"], row["completion_mask"], strict=True):
        pieces = spellings.get(token, [token])
        input_ids += pieces
        completion_mask += [learnt] * len(pieces)
    return {"input_ids": input_ids, "completion_mask": completion_mask}


def spell_rows(
    tokenized: list[dict[str, list[int]]],
    rows: Sequence[dict[str, str]],
    tokenizer: Any,
    share: float,
    seed: int,
    size: int | None = None,
) -> list[dict[str, list[int]]]:
    """Each tokenized row with its log's words spelt at ``share`` (0: unchanged) in pieces
    below ``size`` (the model's vocabulary); ``rows`` give each row's ``log`` text and
    ``frame`` (its prompt with an empty log)."""
    if share <= 0:
        return tokenized
    speller = PieceSpeller.of(tokenizer, size)
    rng = random.Random(seed)

    def ids(text: str) -> set[int]:
        return set(tokenizer(text, add_special_tokens=False)["input_ids"])

    return [
        spell_row(
            row,
            ids(source["log"]) | ids(" " + source["log"]),
            ids(source["frame"]),
            speller,
            rng,
            share,
        )
        for row, source in zip(tokenized, rows, strict=True)
    ]
