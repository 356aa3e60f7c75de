"""The compact training base: a trimmed, renumbered vocabulary that changes no logit it keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_models import build_tiny_llama

from rlog_train.gguf_base import (
    ID_MAP,
    build_compact_base,
    is_compact_base,
    load_base,
    permute_tokenizer_json,
)

torch = pytest.importorskip("torch")

TEXTS = [
    "RAS KERNEL FATAL data TLB error interrupt",
    "<answer>normal</answer><think>Routine status.</think></s>",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    torch.set_num_threads(1)
    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "model")


def test_trimmed_base_gives_identical_logits_on_kept_tokens(tiny, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    report = build_compact_base(tiny, TEXTS, tmp_path / "compact", dtype="float32")
    assert is_compact_base(tmp_path / "compact")
    assert report.kept_tokens < report.original_vocab
    kept = json.loads((tmp_path / "compact" / ID_MAP).read_text())
    original = AutoModelForCausalLM.from_pretrained(tiny)
    original_tokenizer = AutoTokenizer.from_pretrained(tiny)
    compact, tokenizer = load_base(tmp_path / "compact")
    assert compact.config.vocab_size == len(kept) == report.kept_tokens
    for text in TEXTS:
        old_ids = original_tokenizer(text, return_tensors="pt")["input_ids"]
        new_ids = tokenizer(text, return_tensors="pt")["input_ids"]
        assert torch.equal(torch.tensor(kept)[new_ids], old_ids)  # same pieces, new numbers
        assert tokenizer.decode(new_ids[0]) == original_tokenizer.decode(old_ids[0])
        with torch.no_grad():
            expected = original(old_ids).logits[..., kept]
            got = compact(new_ids).logits
        assert torch.allclose(got, expected, atol=1e-5)
    assert tokenizer.eos_token_id == kept.index(original_tokenizer.eos_token_id)
    assert compact.config.eos_token_id == tokenizer.eos_token_id


def test_bf16_compact_base_is_smaller_and_keeps_special_tokens(tiny, tmp_path):
    report = build_compact_base(tiny, TEXTS[:1], tmp_path / "bf16")
    assert report.dtype == "bf16"
    kept = json.loads((tmp_path / "bf16" / ID_MAP).read_text())
    assert {0, 1, 2, 3} <= set(kept)  # <s> </s> <unk> <pad>
    full = sum(p.stat().st_size for p in tiny.glob("*.safetensors"))
    assert report.files["model.safetensors"] < full / 2


def test_permutation_renumbers_ids_and_leaves_merges_alone():
    data = {
        "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]},
        "added_tokens": [{"id": 1, "content": "b"}],
        "post_processor": {"special_tokens": {"b": {"id": "b", "ids": [1], "tokens": ["b"]}}},
    }
    permuted = permute_tokenizer_json(data, {0: 2, 1: 0, 2: 1})
    assert permuted["model"]["vocab"] == {"a": 2, "b": 0, "ab": 1}
    assert permuted["model"]["merges"] == [["a", "b"]]
    assert permuted["added_tokens"][0]["id"] == 0
    assert permuted["post_processor"]["special_tokens"]["b"]["ids"] == [0]


@pytest.mark.slow
def test_gemma_compact_base_matches_the_full_gguf(embedded_model, tmp_path):
    """Quantized body copied byte for byte: kept-token logits equal the full GGUF model's."""
    from rlog_train.gguf_base import load_base as load

    text = "<start_of_turn>user\nRAS KERNEL FATAL data TLB error<end_of_turn>\n"
    report = build_compact_base(embedded_model, [text], tmp_path / "gemma", body="gguf")
    assert report.files["body.gguf"] < 80 * 2**20  # 68 MB body + the kept embedding rows
    full, full_tokenizer = load(embedded_model)
    compact, tokenizer = load(tmp_path / "gemma", "float32")
    kept = json.loads((tmp_path / "gemma" / ID_MAP).read_text())
    old_ids = full_tokenizer(text, return_tensors="pt")["input_ids"]
    new_ids = tokenizer(text, return_tensors="pt")["input_ids"]
    assert torch.equal(torch.tensor(kept)[new_ids], old_ids)
    with torch.no_grad():
        expected = full(old_ids).logits[..., kept]
        got = compact(new_ids).logits
    assert torch.allclose(got, expected, atol=1e-3)
