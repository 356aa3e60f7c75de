"""tiny_gguf: the tests' tiny HF Llama → GGUF that llama.cpp runs exactly like Hugging Face."""

from __future__ import annotations

import numpy as np
import pytest
from quantize_helpers import (
    hf_greedy,
    hf_logits,
    hf_models,
    llama_greedy,
    llama_logits,
    open_llama,
    prompt_ids,
)


@pytest.fixture(scope="module")
def hf_base(tiny_assets):
    return hf_models(tiny_assets)[0]


def test_f32_logits_match_hugging_face(tiny_assets, hf_base):
    # q/k rows are permuted for ggml's rope: a wrong permutation shows here as large differences.
    for ids in prompt_ids(tiny_assets.hf_dir):
        ours = llama_logits(tiny_assets.f32, ids)
        theirs = hf_logits(hf_base, ids)
        assert np.abs(ours - theirs).max() < 2e-3


@pytest.mark.parametrize("kind", ["f32", "f16"])
def test_greedy_continuation_equals_hugging_face(tiny_assets, hf_base, kind):
    prompts = prompt_ids(tiny_assets.hf_dir)
    path = tiny_assets.f32 if kind == "f32" else tiny_assets.f16
    assert llama_greedy(path, prompts, 12) == hf_greedy(hf_base, prompts, 12)


def test_tokenizer_matches_hugging_face(tiny_assets):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_assets.hf_dir)
    llm = open_llama(tiny_assets.f32)
    try:
        for text in [
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: terminating",
            "  two  spaces, tabs\tand\nnew lines ünïcödé 😀",
            "<answer>abnormal</answer>",
        ]:
            ours = llm.tokenize(text.encode(), add_bos=False, special=True)
            assert ours == tokenizer(text)["input_ids"]
    finally:
        llm.close()


def test_f16_keeps_norms_in_f32(tiny_assets):
    import gguf

    reader = gguf.GGUFReader(tiny_assets.f16)
    types = {t.name: t.tensor_type.name for t in reader.tensors}
    assert types["output_norm.weight"] == "F32"
    assert types["blk.0.attn_norm.weight"] == "F32"
    assert types["blk.0.attn_q.weight"] == "F16"
