"""Prompts for a compact base (``engine.compact_base``): the full tokenizer splits, then renumber.

Training split every text with the base's full tokenizer and renumbered the pieces into the
compact vocabulary (``rlog_train.gguf_base``), so serving does the same: the base's own tokenizer,
loaded vocabulary-only (no weights), splits the prompt and each piece gets its compact id. A
sentencepiece vocabulary with pieces removed cannot be asked instead: it merges characters through
intermediate pieces, and with those gone it split the README's prompts into 70-85% more tokens.

A log line may hold a piece the training text never used (a rare word, another script). It is
spelled with the longest kept pieces that make up its text, and a character no kept piece starts
with is spelled with its UTF-8 byte pieces (``<0x41>``), as sentencepiece spells unknown characters.
The model then reads and can copy that text piece by piece; before, such a token was fed as itself
and was the one untrained token decoding allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property, lru_cache

import numpy as np

_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class CompactTokenizer:
    """Full-vocabulary splitting, compact ids: ``tokenize(text)`` as the compact model reads it."""

    def __init__(
        self,
        tokenize_full: Callable[[str, bool], list[int]],
        piece_of: Callable[[int], str],
        kept: np.ndarray,
        unknown: int | None = None,
    ) -> None:
        """``tokenize_full(text, add_bos)`` and ``piece_of(id)`` are the full tokenizer's."""
        self._tokenize_full = tokenize_full
        self._piece_of = piece_of
        self._kept = kept
        self._new_of_old = {int(old): new for new, old in enumerate(kept)}
        self._unknown = self._new_of_old.get(unknown) if unknown is not None else None
        self.spell = lru_cache(maxsize=4096)(self._spell)

    @cached_property
    def _pieces(self) -> tuple[dict[str, int], dict[int, int], int]:
        """Kept text pieces and byte pieces by their text / byte, and the longest piece's length.

        Built on the first piece that needs spelling, not at load: reading 151k pieces' texts
        through llama.cpp takes most of a second, and most prompts never need it."""
        pieces: dict[str, int] = {}
        byte_pieces: dict[int, int] = {}
        for new, old in enumerate(self._kept):
            piece = self._piece_of(int(old))
            byte = _BYTE_PIECE.fullmatch(piece)
            if byte:
                byte_pieces[int(byte.group(1), 16)] = new
            elif piece:
                pieces.setdefault(piece, new)
        return pieces, byte_pieces, max(map(len, pieces), default=1)

    def tokenize(self, text: str, add_bos: bool) -> list[int]:
        ids: list[int] = []
        for old in self._tokenize_full(text, add_bos):
            new = self._new_of_old.get(old)
            ids.extend((new,) if new is not None else self.spell(old))
        return ids

    def _spell(self, old: int) -> tuple[int, ...]:
        """A piece the compact vocabulary lacks, as the longest kept pieces (bytes at worst)."""
        pieces, _, longest = self._pieces
        return tuple(spell(self._piece_of(old), pieces.get, longest, self._spell_bytes))

    def _spell_bytes(self, character: str) -> list[int]:
        encoded, byte_pieces = character.encode("utf-8"), self._pieces[1]
        if all(byte in byte_pieces for byte in encoded):
            return [byte_pieces[byte] for byte in encoded]
        if self._unknown is not None:
            return [self._unknown]
        raise ValueError(f"the compact vocabulary cannot spell {character!r} (no byte pieces)")


def spell(
    text: str,
    lookup: Callable[[str], int | None],
    longest: int,
    fallback: Callable[[str], list[int]],
) -> list[int]:
    """``text`` (a piece's own text) as the longest pieces ``lookup`` knows, left to right; a
    character no known piece starts with goes to ``fallback`` (byte pieces, or an error).

    The one spelling rule: the engine spells a prompt piece its cut lacks with it, and training
    (``rlog_train.spelt_pieces``) spells log words with it, so the model reads at serving time
    the kind of pieces it was trained on.
    """
    ids: list[int] = []
    at = 0
    while at < len(text):
        for end in range(min(len(text), at + longest), at, -1):
            new = lookup(text[at:end])
            if new is not None:
                ids.append(new)
                at = end
                break
        else:
            ids.extend(fallback(text[at]))
            at += 1
    return ids
