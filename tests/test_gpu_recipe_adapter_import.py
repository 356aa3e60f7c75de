"""What came back from the GPU replaces the shipped adapter only when it scores higher on the
README's sample."""

from __future__ import annotations

import pytest

from rlog_train.gpu_recipe.adapter_import import decide, returned_adapter


def _record(parse_f1: float, anomaly_f1: float, rouge_l: float) -> dict:
    return {
        "metrics": {
            "parse/test": {"token_f1": parse_f1},
            "anomaly/test": {"f1": anomaly_f1},
            "interpret/test": {"rouge_l": rouge_l},
        }
    }


SHIPPED = _record(0.855, 0.0, 25.7)


def test_a_higher_headline_on_the_readme_sample_replaces():
    decision = decide(SHIPPED, _record(0.9, 0.5, 30.0), readme_sample=True)
    assert decision.replace and "replaces" in decision.reason


def test_a_lower_or_equal_headline_keeps_the_shipped_adapter():
    assert not decide(SHIPPED, _record(0.5, 0.0, 10.0), readme_sample=True).replace
    assert not decide(SHIPPED, SHIPPED, readme_sample=True).replace


def test_a_small_sample_decides_but_never_replaces():
    decision = decide(SHIPPED, _record(0.9, 0.5, 30.0), readme_sample=False)
    assert not decision.replace and "rerun without --limit" in decision.reason


def _adapter(folder):
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    (folder / "adapter_config.json").write_text("{}")


def test_the_grpo_adapter_is_imported_when_it_came_back_else_the_sft_one(tmp_path):
    _adapter(tmp_path / "sft")
    assert returned_adapter(tmp_path) == tmp_path / "sft"
    _adapter(tmp_path / "grpo")
    assert returned_adapter(tmp_path) == tmp_path / "grpo"
    with pytest.raises(FileNotFoundError, match="no grpo/ or sft/"):
        returned_adapter(tmp_path / "nothing")
