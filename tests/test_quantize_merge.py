"""quantize.merge: base GGUF + GGUF adapter → one GGUF that behaves like base + adapter."""

from __future__ import annotations

import shutil
from collections import namedtuple

import numpy as np
import pytest
from quantize_helpers import llama_greedy, llama_logits, prompt_ids

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


def _rewrite_adapter(source, target, arch):
    """A copy of a GGUF adapter with another ``general.architecture``."""
    import gguf

    from quantize.gguf_files import copy_metadata

    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(target, arch)
    copy_metadata(reader, writer)
    for tensor in reader.tensors:
        writer.add_tensor(tensor.name, np.array(tensor.data))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target


def test_adapter_for_other_architecture_is_refused(tiny_assets, tmp_path):
    adapter = _rewrite_adapter(tiny_assets.lora_gguf, tmp_path / "gemma-lora.gguf", "gemma3")
    with pytest.raises(AdapterMismatch, match="is for 'gemma3' but base"):
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
