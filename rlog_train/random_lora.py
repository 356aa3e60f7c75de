"""A LoRA that changes a model's outputs without any training, for measurements that need one.

A fresh PEFT LoRA has its B matrices at zero, so it changes nothing, and converting, merging or
quantizing it would prove nothing. Filling every B with small random values (A is random already)
gives an adapter on the projections training adapts (``sft_config.LORA_TARGETS``) in which every
pair matters. The quantize bench stands one in for a trained adapter; the quantize tests convert
one.
"""

from __future__ import annotations

from typing import Any

from rlog_train.sft_config import LORA_TARGETS


def random_lora(model: Any, *, rank: int, alpha: float, b_scale: float, seed: int) -> Any:
    """``model`` wrapped in a PEFT LoRA of ``rank`` on ``LORA_TARGETS``, each B ~ N(0, b_scale²)
    from a generator seeded with ``seed`` (A as PEFT initialises it, from torch's global seed)."""
    import torch
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=LORA_TARGETS, lora_dropout=0.0)
    peft_model = get_peft_model(model, config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * b_scale)
    return peft_model
