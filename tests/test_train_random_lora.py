"""The stand-in LoRA: every pair on the trained projections changes the model, reproducibly."""

from __future__ import annotations

from tiny_models import build_tiny_llama

from rlog_train.random_lora import random_lora
from rlog_train.sft_config import LORA_TARGETS


def _lora_b(tmp_path, seed: int) -> dict:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(build_tiny_llama(tmp_path / f"tiny-{seed}"))
    peft_model = random_lora(model, rank=4, alpha=8, b_scale=0.05, seed=seed)
    return {n: p.detach().clone() for n, p in peft_model.named_parameters() if "lora_B" in n}


def test_every_b_on_every_trained_projection_is_non_zero_and_set_by_the_seed(tmp_path):
    first, again, other = (_lora_b(tmp_path, seed) for seed in (1, 1, 2))
    adapted = {name.split(".lora_B")[0].rsplit(".", 1)[-1] for name in first}
    assert adapted == set(LORA_TARGETS)
    assert all(bool(b.abs().sum() > 0) for b in first.values())
    assert all(bool((first[n] == again[n]).all()) for n in first)
    assert any(bool((first[n] != other[n]).any()) for n in first)
