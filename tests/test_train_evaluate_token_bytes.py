"""Each token's bytes, for byte-level BPE (the tiny Llama's) and SentencePiece-style BPE (gemma's
kind: ``▁`` for a space, ``<0xHH>`` for a byte without a piece)."""

from __future__ import annotations

from tiny_models import build_tokenizer

from rlog_train.evaluate.token_bytes import token_bytes

TEXT = "Linkerror event 0x1f héllo\n  x"


def written(tokenizer, text: str) -> bytes:
    pieces = token_bytes(tokenizer)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return b"".join(pieces[i] for i in ids)


def test_byte_level_pieces_join_to_the_text(tmp_path):
    tokenizer = build_tokenizer(tmp_path)
    assert written(tokenizer, TEXT) == TEXT.encode()
    assert token_bytes(tokenizer)[tokenizer.eos_token_id] == b""


def sentencepiece_style(tmp_path):
    from tokenizers import Tokenizer, decoders, models, normalizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<eos>": 1}
    for byte in range(256):
        vocab[f"<0x{byte:02X}>"] = len(vocab)
    for piece in ["▁", "L", "i", "n", "k", "e", "r", "o", "v", "t", "0", "x", "1", "f", "h", "l"]:
        vocab.setdefault(piece, len(vocab))
    model = models.BPE(vocab=vocab, merges=[], byte_fallback=True)
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.Replace(" ", "▁")
    tokenizer.decoder = decoders.Sequence(
        [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="<eos>")
    fast.save_pretrained(tmp_path)
    return fast


def test_sentencepiece_style_pieces_join_to_the_text(tmp_path):
    tokenizer = sentencepiece_style(tmp_path)
    ids = tokenizer(TEXT, add_special_tokens=False)["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids).count("<0xC3>") == 1  # é is two byte pieces
    assert written(tokenizer, TEXT) == TEXT.encode()
