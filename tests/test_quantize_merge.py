"""quantize.merge: base GGUF + GGUF adapter → one GGUF that behaves like base + adapter."""

from __future__ import annotations

import shutil
from collections import namedtuple

import numpy as np
import pytest
from quantize_helpers import llama_greedy, llama_logits, prompt_ids, rewritten_adapter

from quantize.errors import (
    AdapterMismatch,
    BadInput,
    InputNotFound,
    NotEnoughDiskSpace,
    UnsupportedInput,
)
from quantize.merge import merge_adapter
from quantize.quantizer import quantize_model


@pytest.fixture(scope="module")
def merged_f32(tiny_assets, tmp_path_factory):
    out = tmp_path_factory.mktemp("merge") / "merged.f32.gguf"
    return merge_adapter(tiny_assets.f32, tiny_assets.lora_gguf, out, "f32").path


def test_merged_model_equals_base_plus_adapter(tiny_assets, merged_f32):
    prompts = prompt_ids(tiny_assets.hf_dir)
    for ids in prompts:
        merged = llama_logits(merged_f32, ids)
        applied = llama_logits(tiny_assets.f32, ids, lora=tiny_assets.lora_gguf)
        assert np.abs(merged - applied).max() < 1e-3
    assert llama_greedy(merged_f32, prompts, 12) == llama_greedy(
        tiny_assets.f32, prompts, 12, lora=tiny_assets.lora_gguf
    )


def test_merge_keeps_every_metadata_key_and_norm_types(tiny_assets, merged_f32):
    import gguf

    base, merged = gguf.GGUFReader(tiny_assets.f32), gguf.GGUFReader(merged_f32)
    for key, field in base.fields.items():
        if key.startswith("GGUF."):
            continue
        assert merged.get_field(key).contents() == field.contents(), key
    types = {t.name: t.tensor_type.name for t in merged.tensors}
    assert types["output_norm.weight"] == "F32"
    assert types["blk.1.ffn_norm.weight"] == "F32"
    assert [t.name for t in merged.tensors] == [t.name for t in base.tensors]


@pytest.mark.parametrize("out_type", ["f16", "q8_0"])
def test_merge_onto_quantized_base(tiny_assets, tmp_path, out_type):
    import gguf

    base = quantize_model(tiny_assets.f16, tmp_path / "base.q8.gguf", "Q8_0", nthread=1).path
    merged = merge_adapter(base, tiny_assets.lora_gguf, tmp_path / "m.gguf", out_type).path
    types = {t.name: t.tensor_type.name for t in gguf.GGUFReader(merged).tensors}
    assert types["blk.0.attn_q.weight"] == out_type.upper()
    assert types["token_embd.weight"] == "Q8_0"  # untouched tensors are copied as they were
    ids = prompt_ids(tiny_assets.hf_dir)[0]
    ours = llama_logits(merged, ids)
    applied = llama_logits(base, ids, lora=tiny_assets.lora_gguf)
    plain = llama_logits(base, ids)
    # llama.cpp rounds activations for quantized matmuls: close, not exact; and far from no-adapter.
    assert np.abs(ours - applied).max() < 0.1
    assert np.abs(ours - applied).max() < np.abs(plain - applied).max() / 5


def test_adapter_for_other_architecture_is_refused(tiny_assets, tmp_path):
    adapter = rewritten_adapter(tiny_assets.lora_gguf, tmp_path / "gemma-lora.gguf", arch="gemma3")
    with pytest.raises(AdapterMismatch, match="is for 'gemma3' but the base is"):
        merge_adapter(tiny_assets.f32, adapter, tmp_path / "out.gguf")


def test_model_given_as_adapter_is_refused(tiny_assets, tmp_path):
    with pytest.raises(BadInput, match="not a GGUF adapter"):
        merge_adapter(tiny_assets.f32, tiny_assets.f16, tmp_path / "out.gguf")


def test_missing_adapter_file(tiny_assets, tmp_path):
    with pytest.raises(InputNotFound, match="adapter not found"):
        merge_adapter(tiny_assets.f32, tmp_path / "none.gguf", tmp_path / "out.gguf")


def test_unsupported_merge_type(tiny_assets, tmp_path):
    with pytest.raises(UnsupportedInput, match="erases most of a LoRA"):
        merge_adapter(tiny_assets.f32, tiny_assets.lora_gguf, tmp_path / "out.gguf", "q4_k_m")


def test_no_disk_space_is_checked_before_writing(tiny_assets, tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10**9, 10**9, 1000))
    with pytest.raises(NotEnoughDiskSpace, match="not enough disk space"):
        merge_adapter(tiny_assets.f32, tiny_assets.lora_gguf, tmp_path / "out.gguf")
    assert list(tmp_path.iterdir()) == []


def test_the_merged_model_records_what_the_adapter_recorded(tiny_assets, tmp_path):
    from rlog_tui.engine.adapter_metadata import recorded_order, recorded_vocabulary

    vocabulary = [5, 3, *range(10, 200)]
    records = {"rlog.output_order": "answer-first", "rlog.trained_vocabulary": vocabulary}
    adapter = rewritten_adapter(tiny_assets.lora_gguf, tmp_path / "lora.gguf", records=records)
    assert recorded_order(tiny_assets.f32) is None  # the base records nothing
    merged = merge_adapter(tiny_assets.f32, adapter, tmp_path / "m.gguf", "q8_0").path
    assert recorded_order(merged) == "answer-first"
    assert recorded_vocabulary(merged).tolist() == vocabulary
    plain = merge_adapter(tiny_assets.f32, tiny_assets.lora_gguf, tmp_path / "p.gguf", "q8_0").path
    assert recorded_order(plain) is None and recorded_vocabulary(plain) is None


def test_a_merged_model_is_served_over_its_recorded_vocabulary_without_an_adapter(
    tiny_assets, tmp_path
):
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
    from rlog_tui.models import ModelChoice

    records = {"rlog.output_order": "answer-first", "rlog.trained_vocabulary": list(range(3, 120))}
    adapter = rewritten_adapter(tiny_assets.lora_gguf, tmp_path / "lora.gguf", records=records)
    merged = merge_adapter(tiny_assets.f32, adapter, tmp_path / "m.gguf", "q8_0").path
    choice = ModelChoice(merged, "--model", None, "--adapter none", fast=False)
    assert choice.recorded_by == merged
    settings = LlamaSettings(merged, None, n_ctx=256, n_threads=1, compact_dir=tmp_path / "cut")
    backend = LlamaBackend(settings)
    try:
        assert "within its 117 trained tokens" in backend.description
    finally:
        backend.close()
    assert len(list((tmp_path / "cut").glob("m.vocab-*.gguf"))) == 1
