"""The bytes each token of a Hugging Face tokenizer writes, for rules that read text as it grows.

The template rule (``protocol.template_of_line``) checks a candidate token by the bytes it would
add to the answer. llama.cpp hands those over (``llama_token_to_piece``); a transformers tokenizer
keeps them in its vocabulary's own spelling, which depends on its decoder: byte-level BPE (GPT-2,
the tests' tiny Llama) writes each byte as one printable character, SentencePiece-style BPE (gemma)
writes a space as ``▁`` and a byte it has no piece for as ``<0xHH>``. Control tokens write nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BYTE_PIECE = re.compile(r"<0x([0-9A-Fa-f]{2})>")
_SPACE_MARK = "\u2581"


def token_bytes(tokenizer: Any) -> list[bytes]:
    """``[bytes of id 0, bytes of id 1, …]`` over the whole vocabulary (control tokens: ``b""``)."""
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    control = set(tokenizer.all_special_ids)
    spell = _byte_level if _decoder_type(tokenizer) == "ByteLevel" else _sentencepiece
    return [b"" if i in control or p is None else spell(p) for i, p in enumerate(pieces)]


def _decoder_type(tokenizer: Any) -> str:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or backend.decoder is None:
        return ""
    return json.loads(backend.decoder.__getstate__()).get("type", "")


def _sentencepiece(piece: str) -> bytes:
    byte = _BYTE_PIECE.fullmatch(piece)
    if byte:
        return bytes([int(byte.group(1), 16)])
    return piece.replace(_SPACE_MARK, " ").encode("utf-8")


def _byte_level(piece: str) -> bytes:
    return bytes(_UNICODE_TO_BYTE.get(char, 0x3F) for char in piece)


def _gpt2_byte_alphabet() -> dict[str, int]:
    """GPT-2's printable stand-in for each byte (printable Latin-1 bytes stand for themselves)."""
    kept = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    mapping: dict[str, int] = {chr(b): b for b in kept}
    shifted = 0
    for b in range(256):
        if b not in kept:
            mapping[chr(256 + shifted)] = b
            shifted += 1
    return mapping


_UNICODE_TO_BYTE = _gpt2_byte_alphabet()
