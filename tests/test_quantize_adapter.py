"""quantize.adapter: PEFT LoRA → GGUF LoRA that llama.cpp applies exactly as PEFT does."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from quantize_helpers import (
    hf_greedy,
    hf_logits,
    hf_models,
    llama_greedy,
    llama_logits,
    prompt_ids,
)

from quantize.adapter import convert_adapter
from quantize.errors import AdapterMismatch, BadInput, InputNotFound, UnsupportedInput


@pytest.fixture(scope="module")
def hf(tiny_assets):
    return hf_models(tiny_assets)


def test_gguf_adapter_metadata(tiny_assets):
    import gguf

    reader = gguf.GGUFReader(tiny_assets.lora_gguf)
    assert reader.get_field("general.type").contents() == "adapter"
    assert reader.get_field("general.architecture").contents() == "llama"
    assert reader.get_field("adapter.type").contents() == "lora"
    assert reader.get_field("adapter.lora.alpha").contents() == 16.0
    names = {t.name for t in reader.tensors}
    assert {"blk.0.attn_q.weight.lora_a", "blk.1.ffn_down.weight.lora_b"} <= names
    assert len(names) == 2 * 7 * 2  # 7 projections x 2 layers, A and B


def test_llama_cpp_logits_with_adapter_match_peft(tiny_assets, hf):
    base, tuned = hf
    for ids in prompt_ids(tiny_assets.hf_dir):
        ours = llama_logits(tiny_assets.f32, ids, lora=tiny_assets.lora_gguf)
        theirs = hf_logits(tuned, ids)
        effect = np.abs(hf_logits(base, ids) - theirs).max()
        assert effect > 0.3, "the adapter must change the output for this test to mean anything"
        assert np.abs(ours - theirs).max() < 2e-3


def test_greedy_output_with_adapter_equals_peft(tiny_assets, hf):
    base, tuned = hf
    prompts = prompt_ids(tiny_assets.hf_dir)
    with_adapter = llama_greedy(tiny_assets.f32, prompts, 12, lora=tiny_assets.lora_gguf)
    assert with_adapter == hf_greedy(tuned, prompts, 12)
    assert with_adapter != hf_greedy(base, prompts, 12)  # the adapter was applied, not ignored


def test_f16_adapter_runs_on_f16_base(tiny_assets, hf, tmp_path):
    _, tuned = hf
    out = convert_adapter(tiny_assets.lora_dir, tiny_assets.f16, tmp_path / "a16.gguf", "f16")
    prompts = prompt_ids(tiny_assets.hf_dir)
    assert llama_greedy(tiny_assets.f16, prompts, 8, lora=out.path) == hf_greedy(tuned, prompts, 8)


def _copy_adapter(tiny_assets, tmp_path, **config_changes):
    target = tmp_path / "lora"
    shutil.copytree(tiny_assets.lora_dir, target)
    config = json.loads((target / "adapter_config.json").read_text())
    config.update(config_changes)
    (target / "adapter_config.json").write_text(json.dumps(config))
    return target


def test_missing_adapter_dir(tiny_assets, tmp_path):
    with pytest.raises(InputNotFound, match="adapter directory not found"):
        convert_adapter(tmp_path / "nope", tiny_assets.f32, tmp_path / "out.gguf")


def test_missing_base(tiny_assets, tmp_path):
    with pytest.raises(InputNotFound, match="base model not found"):
        convert_adapter(tiny_assets.lora_dir, tmp_path / "base.gguf", tmp_path / "out.gguf")


def test_base_that_is_not_gguf(tiny_assets, tmp_path):
    fake = tmp_path / "base.gguf"
    fake.write_bytes(b"not a gguf at all")
    with pytest.raises(BadInput, match="not a GGUF file"):
        convert_adapter(tiny_assets.lora_dir, fake, tmp_path / "out.gguf")


def test_adapter_trained_on_other_architecture(tiny_assets, tmp_path):
    other = tmp_path / "gemma"
    other.mkdir()
    (other / "config.json").write_text('{"model_type": "gemma3_text"}')
    adapter = _copy_adapter(tiny_assets, tmp_path, base_model_name_or_path=str(other))
    with pytest.raises(AdapterMismatch, match="trained on a gemma3_text model"):
        convert_adapter(adapter, tiny_assets.f32, tmp_path / "out.gguf")


def test_adapter_shape_mismatch(tiny_assets, tmp_path):
    from safetensors.numpy import load_file, save_file

    adapter = _copy_adapter(tiny_assets, tmp_path)
    weights = load_file(adapter / "adapter_model.safetensors")
    key = "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight"
    weights[key] = np.zeros((8, 300), dtype=np.float32)
    save_file(weights, adapter / "adapter_model.safetensors")
    with pytest.raises(AdapterMismatch, match=r"down_proj maps 300→256 but base tensor"):
        convert_adapter(adapter, tiny_assets.f32, tmp_path / "out.gguf")
    assert not (tmp_path / "out.gguf").exists()


def test_adapter_module_missing_from_base(tiny_assets, tmp_path):
    from safetensors.numpy import load_file, save_file

    adapter = _copy_adapter(tiny_assets, tmp_path)
    weights = load_file(adapter / "adapter_model.safetensors")
    for which in ("A", "B"):
        source = f"base_model.model.model.layers.1.mlp.up_proj.lora_{which}.weight"
        weights[source.replace("layers.1", "layers.7")] = weights[source]
    save_file(weights, adapter / "adapter_model.safetensors")
    with pytest.raises(AdapterMismatch, match=r"layers\.7\.mlp\.up_proj has no tensor"):
        convert_adapter(adapter, tiny_assets.f32, tmp_path / "out.gguf")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"use_dora": True}, "DoRA"),
        ({"modules_to_save": ["lm_head"]}, "modules_to_save"),
        ({"alpha_pattern": {"q_proj": 4}}, "alpha_pattern"),
        ({"peft_type": "IA3"}, "is not LoRA"),
    ],
)
def test_unsupported_adapter_features(tiny_assets, tmp_path, change, message):
    adapter = _copy_adapter(tiny_assets, tmp_path, **change)
    with pytest.raises(UnsupportedInput, match=message):
        convert_adapter(adapter, tiny_assets.f32, tmp_path / "out.gguf")


def test_rslora_alpha_is_rescaled(tiny_assets, tmp_path):
    import gguf

    adapter = _copy_adapter(tiny_assets, tmp_path, use_rslora=True)
    out = convert_adapter(adapter, tiny_assets.f32, tmp_path / "out.gguf")
    alpha = gguf.GGUFReader(out.path).get_field("adapter.lora.alpha").contents()
    assert alpha == pytest.approx(16 * 8**0.5)  # alpha/sqrt(r) == alpha'/r


def test_unsupported_output_type(tiny_assets, tmp_path):
    with pytest.raises(UnsupportedInput, match="adapter type 'q4_0'"):
        convert_adapter(tiny_assets.lora_dir, tiny_assets.f32, tmp_path / "out.gguf", "q4_0")


def test_the_order_a_run_trained_on_is_recorded_and_read_back(tiny_assets, tmp_path):
    """A single-order run records its order; the TUI, analyze and eval then ask for it."""
    from rlog_tui.engine.adapter_metadata import recorded_order
    from rlog_tui.protocol import OutputOrder, served_order

    assert recorded_order(tiny_assets.lora_gguf) is None  # no run_config.json: nothing recorded
    assert (
        served_order(recorded_order(tiny_assets.lora_gguf), fast=False) is OutputOrder.REASON_FIRST
    )
    lora = _copy_adapter(tiny_assets, tmp_path)
    (lora / "run_config.json").write_text(json.dumps({"orders": "answer-first"}))
    out = convert_adapter(lora, tiny_assets.f32, tmp_path / "af.gguf", "f32").path
    assert recorded_order(out) == "answer-first"
    assert served_order(recorded_order(out), fast=False) is OutputOrder.ANSWER_FIRST
    (lora / "run_config.json").write_text(json.dumps({"orders": "both"}))
    both = convert_adapter(lora, tiny_assets.f32, tmp_path / "both.gguf", "f32").path
    assert recorded_order(both) is None
    forced = convert_adapter(
        lora, tiny_assets.f32, tmp_path / "forced.gguf", "f32", output_order="reason-first"
    ).path
    assert recorded_order(forced) == "reason-first"
    assert served_order("reason-first", fast=True) is OutputOrder.ANSWER_FIRST
