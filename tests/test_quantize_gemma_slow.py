"""A LoRA trained on gemma-3-270m, converted, applied by llama.cpp on the real Q4_K_M GGUF.

Slow (~2-3 min: transformers dequantizes the 253 MB GGUF into a 268M-parameter fp32 model, and the
``gemma_cold_start`` fixture trains the adapter first). The Hugging Face side runs the same
dequantized weights with the PEFT adapter, so the remaining differences are llama.cpp's quantized
matmuls: the top token must agree on most positions of the text the adapter was trained on, and
the adapter must matter there (it learned that text), or agreement would prove nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from quantize_helpers import open_llama
from tiny_models import tiny_examples

from quantize.adapter import convert_adapter
from rlog_train.data import to_prompt, to_target
from rlog_tui.protocol import OutputOrder, select_format

pytestmark = pytest.mark.slow


def test_trained_lora_on_gemma_agrees_with_peft(embedded_model, gemma_cold_start, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    trained, _ = gemma_cold_start
    example = tiny_examples()[0]
    order = OutputOrder.REASON_FIRST
    gemma = select_format({"general.architecture": "gemma3"})
    text = to_prompt(example, order, gemma).text + to_target(example, order)

    tokenizer = AutoTokenizer.from_pretrained(embedded_model.parent, gguf_file=embedded_model.name)
    model = AutoModelForCausalLM.from_pretrained(
        embedded_model.parent, gguf_file=embedded_model.name, dtype=torch.float32
    ).eval()
    ids = tokenizer(text, add_special_tokens=True)["input_ids"]
    with torch.no_grad():
        base_logits = model(torch.tensor([ids])).logits[0].numpy()
        tuned = PeftModel.from_pretrained(model, trained).eval()
        tuned_logits = tuned(torch.tensor([ids])).logits[0].numpy()
    adapter = convert_adapter(trained, embedded_model, tmp_path / "lora.gguf").path

    llm = open_llama(embedded_model, adapter)
    try:
        assert llm.tokenize(text.encode(), add_bos=True, special=True) == ids
        llm.eval(ids)
        ours = np.array(llm.scores[: len(ids)])
    finally:
        llm.close()
    hf_top, our_top, base_top = tuned_logits.argmax(-1), ours.argmax(-1), base_logits.argmax(-1)
    agreement = (hf_top == our_top).mean()
    changed = (hf_top != base_top).mean()
    assert agreement > 0.8, f"top token agrees on {agreement:.0%} of {len(ids)} positions"
    assert changed > 0.05, f"the trained LoRA changed only {changed:.0%} of top tokens"
    assert (our_top != hf_top).sum() < (our_top != base_top).sum()
