"""quantize.quantizer: llama.cpp's quantizer, each type loads and runs; no silent re-quantizing."""

from __future__ import annotations

import gguf
import pytest
from quantize_helpers import llama_greedy, prompt_ids

from quantize.errors import AlreadyQuantized, UnsupportedInput
from quantize.quantizer import quantize_model


@pytest.mark.parametrize(
    ("qtype", "matrix_types"),
    [
        ("Q8_0", {"Q8_0"}),
        ("Q4_K_M", {"Q4_K", "Q6_K"}),
        ("Q4_0", {"Q4_0", "Q6_K", "Q8_0"}),
        ("Q5_K_M", {"Q5_K", "Q6_K"}),
    ],
)
def test_each_type_loads_and_runs(tiny_assets, tmp_path, qtype, matrix_types):
    result = quantize_model(
        tiny_assets.f16, tmp_path / f"tiny.{qtype}.gguf", qtype.lower(), nthread=1
    )
    assert result.out_bytes < result.in_bytes
    reader = gguf.GGUFReader(result.path)
    types = {t.tensor_type.name for t in reader.tensors if len(t.shape) == 2}
    assert types <= matrix_types | {"F16"}, types
    assert types & matrix_types
    prompts = prompt_ids(tiny_assets.hf_dir)[:1]
    outputs = llama_greedy(result.path, prompts, 6)
    assert len(outputs[0]) == 6
    with_adapter = llama_greedy(result.path, prompts, 6, lora=tiny_assets.lora_gguf)
    assert with_adapter != outputs  # the adapter applies on the quantized base too


def test_refuses_to_requantize_without_permission(tiny_assets, tmp_path):
    q8 = quantize_model(tiny_assets.f16, tmp_path / "q8.gguf", "Q8_0", nthread=1).path
    with pytest.raises(AlreadyQuantized, match="loses quality"):
        quantize_model(q8, tmp_path / "q4.gguf", "Q4_0", nthread=1)
    assert not (tmp_path / "q4.gguf").exists()
    again = quantize_model(q8, tmp_path / "q4.gguf", "Q4_0", nthread=1, allow_requantize=True)
    assert again.path.exists()


def test_unknown_type_lists_choices(tiny_assets, tmp_path):
    with pytest.raises(UnsupportedInput, match="choose from F16, BF16, Q8_0"):
        quantize_model(tiny_assets.f16, tmp_path / "x.gguf", "Q9_9")


def test_adapter_is_not_quantized(tiny_assets, tmp_path):
    with pytest.raises(UnsupportedInput, match="is a LoRA adapter"):
        quantize_model(tiny_assets.lora_gguf, tmp_path / "x.gguf", "Q8_0")
