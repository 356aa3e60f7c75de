"""An adapter trained on a compact vocabulary decodes within it, plus the prompt's own tokens.

Real llama.cpp on the tiny Llama and its LoRA (tests/quantize_helpers.py): the vocabulary is
recorded by the real converter (``rlog-quantize adapter --vocabulary``) and read back by the
engine, which must then never sample a token outside it that the prompt does not hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from quantize_helpers import tiny_assets

from rlog_tui.adapter_metadata import recorded_vocabulary
from rlog_tui.engine.backend import SamplingParams
from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
from rlog_tui.engine.vocabulary import TrainedVocabulary

PROMPT = "RAS KERNEL FATAL data TLB error interrupt"


def generated(model: Path, adapter: Path) -> tuple[list[int], list[int], int]:
    """(prompt ids, greedy generated ids, vocabulary size) through the engine's backend."""
    backend = LlamaBackend(
        LlamaSettings(model_path=model, adapter_path=adapter, n_ctx=256, n_threads=1)
    )
    try:
        prompt = backend._llama.tokenize(PROMPT.encode(), add_bos=True, special=True)
        for _ in backend.generate(PROMPT, SamplingParams(max_tokens=24), lambda: False):
            pass
        held = backend._llama.input_ids[: backend._llama.n_tokens].tolist()
        return prompt, held[len(prompt) :], backend._llama.n_vocab()
    finally:
        backend.close()


def test_generation_stays_in_the_trained_vocabulary_and_the_prompt(tmp_path: Path) -> None:
    from quantize.adapter import convert_adapter

    assets = tiny_assets()
    prompt, free, n_vocab = generated(assets.f32, assets.lora_gguf)
    written = set(free) - set(prompt)
    assert written, "the unconstrained model copied only prompt tokens: nothing to exclude"
    allowed = [i for i in range(n_vocab) if i not in written]
    id_map = tmp_path / "id_map.json"
    id_map.write_text(json.dumps(allowed))
    adapter = convert_adapter(
        assets.lora_dir, assets.f32, tmp_path / "lora.gguf", "f32", vocabulary=id_map
    ).path
    assert recorded_vocabulary(adapter).tolist() == allowed

    _, constrained, _ = generated(assets.f32, adapter)
    assert constrained, "nothing was generated"
    assert set(constrained) <= set(allowed) | set(prompt)
    assert constrained != free


def test_an_adapter_without_a_recorded_vocabulary_is_unconstrained() -> None:
    assert recorded_vocabulary(tiny_assets().lora_gguf) is None
    assert recorded_vocabulary(None) is None


def test_the_bias_allows_trained_and_prompt_tokens_only() -> None:
    rule = TrainedVocabulary(np.array([0, 2]), n_vocab=5)
    scores = rule.processor([4])(np.zeros(0), np.ones(5, dtype=np.float32))
    assert scores.tolist() == [1.0, -np.inf, 1.0, -np.inf, 1.0]
    with pytest.raises(ValueError, match="does not fit"):
        TrainedVocabulary(np.array([7]), n_vocab=5)
