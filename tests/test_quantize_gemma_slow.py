"""The real base: a random LoRA on gemma-3-270m, converted, applied by llama.cpp on the Q4_K_M GGUF.

Slow (~1-2 min: transformers dequantizes the 253 MB GGUF into a 268M-parameter fp32 model). The
Hugging Face side runs the same dequantized weights, so the remaining differences are llama.cpp's
quantized matmuls; the top token must agree on most positions, and the adapter must matter.
"""

from __future__ import annotations

import numpy as np
import pytest
from quantize_helpers import TARGETS, open_llama

from quantize.adapter import convert_adapter

pytestmark = pytest.mark.slow

PROMPT = (
    "<start_of_turn>user\nClassify the given log entries into normal and abnormal categories.\n"
    "081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap "
    "updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864"
    "<end_of_turn>\n<start_of_turn>model\n<think>The log"
)


def test_random_lora_on_gemma_agrees_with_peft(embedded_model, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_model.parent, gguf_file=embedded_model.name)
    model = AutoModelForCausalLM.from_pretrained(
        embedded_model.parent, gguf_file=embedded_model.name, dtype=torch.float32
    ).eval()
    ids = tokenizer(PROMPT, add_special_tokens=True)["input_ids"]
    assert ids[0] == tokenizer.bos_token_id
    with torch.no_grad():
        base_logits = model(torch.tensor([ids])).logits[0].numpy()
    peft_model = get_peft_model(
        model, LoraConfig(r=8, lora_alpha=16, target_modules=TARGETS, lora_dropout=0.0)
    ).eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.01)
        tuned_logits = peft_model(torch.tensor([ids])).logits[0].numpy()
    peft_model.save_pretrained(tmp_path / "lora")
    adapter = convert_adapter(tmp_path / "lora", embedded_model, tmp_path / "lora.gguf").path

    llm = open_llama(embedded_model, adapter)
    try:
        assert llm.tokenize(PROMPT.encode(), add_bos=True, special=True) == ids
        llm.eval(ids)
        ours = np.array(llm.scores[: len(ids)])
    finally:
        llm.close()
    hf_top, our_top = tuned_logits.argmax(-1), ours.argmax(-1)
    agreement = (hf_top == our_top).mean()
    changed = (hf_top != base_logits.argmax(-1)).mean()
    assert agreement > 0.8, f"top token agrees on {agreement:.0%} of {len(ids)} positions"
    # The adapter must matter, or agreement would only show that it was ignored.
    assert changed > 0.05, f"the random LoRA changed only {changed:.0%} of top tokens"
    assert (our_top != hf_top).sum() < (our_top != base_logits.argmax(-1)).sum()
