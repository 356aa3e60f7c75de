"""An adapter that records its training vocabulary decodes within it and the prompt's tokens.

Real llama.cpp on the tiny Llama and its LoRA (tests/quantize_helpers.py): the vocabulary is
recorded by the real converter (``rlog-quantize adapter --vocabulary``); the engine then serves a
cut copy of the base (``engine.compact_base``) and never generates a token outside the trained
ones that the prompt does not hold, while the prompt reaches the model whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from quantize_helpers import tiny_assets

from rlog_tui.engine.adapter_metadata import recorded_vocabulary
from rlog_tui.engine.backend import SamplingParams
from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
from rlog_tui.engine.vocabulary import TrainedVocabulary

PROMPT = "RAS KERNEL FATAL data TLB error interrupt"


def generated(model: Path, adapter: Path, compact_dir: Path) -> tuple[list[int], list[int], int]:
    """(prompt ids, greedy generated ids) as ids of ``model``'s full vocabulary, and its size."""
    settings = LlamaSettings(
        model_path=model, adapter_path=adapter, n_ctx=256, n_threads=1, compact_dir=compact_dir
    )
    backend = LlamaBackend(settings)
    try:
        text = "".join(
            c.text for c in backend.generate(PROMPT, SamplingParams(max_tokens=24), lambda: False)
        )
        assert text, "nothing was generated"
        prompt = backend._tokenize(PROMPT, add_bos=True)
        held = backend._llama.input_ids[: backend._llama.n_tokens].tolist()
        assert held[: len(prompt)] == prompt
        kept = backend._compact.kept if backend._compact is not None else None
        to_full = (lambda ids: [int(kept[i]) for i in ids]) if kept is not None else list
        return to_full(prompt), to_full(held[len(prompt) :]), backend._llama.n_vocab()
    finally:
        backend.close()


def test_generation_stays_in_the_trained_vocabulary(tmp_path: Path) -> None:
    from quantize.adapter import convert_adapter

    assets = tiny_assets()
    prompt, free, n_vocab = generated(assets.f32, assets.lora_gguf, tmp_path)
    written = set(free) - set(prompt)
    assert written, "the unconstrained model copied only prompt tokens: nothing to exclude"
    allowed = [i for i in range(n_vocab) if i not in written]
    id_map = tmp_path / "id_map.json"
    id_map.write_text(json.dumps(allowed))
    adapter = convert_adapter(
        assets.lora_dir, assets.f32, tmp_path / "lora.gguf", "f32", vocabulary=id_map
    ).path
    assert recorded_vocabulary(adapter).tolist() == allowed

    served_prompt, constrained, served_vocab = generated(assets.f32, adapter, tmp_path)
    assert served_prompt == prompt, "the prompt's pieces are all served: the same ids reach it"
    assert served_vocab < n_vocab
    assert constrained and set(constrained) <= set(allowed) | set(prompt)
    assert constrained != free
    assert len(list(tmp_path.glob("*.vocab-*.gguf"))) == 1


def test_an_adapter_without_a_recorded_vocabulary_serves_the_whole_base(tmp_path: Path) -> None:
    assert recorded_vocabulary(tiny_assets().lora_gguf) is None
    assert recorded_vocabulary(None) is None
    generated(tiny_assets().f32, tiny_assets().lora_gguf, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_bias_allows_trained_and_prompt_tokens_only() -> None:
    rule = TrainedVocabulary(2, n_vocab=5)
    scores = rule.processor([4])(np.zeros(0), np.ones(5, dtype=np.float32))
    assert scores.tolist() == [1.0, 1.0, -np.inf, -np.inf, 1.0]
    with pytest.raises(ValueError, match="do not fit"):
        TrainedVocabulary(7, n_vocab=5)


def test_an_adapter_trained_on_spelt_words_is_served_over_its_trained_tokens_alone(
    tmp_path: Path,
) -> None:
    import shutil

    from transformers import AutoTokenizer

    from quantize.adapter import convert_adapter
    from rlog_tui.engine.adapter_metadata import recorded_spelt_share

    assets = tiny_assets()
    whole_prompt, _, n_vocab = generated(assets.f32, assets.lora_gguf, tmp_path / "whole")
    pieces = AutoTokenizer.from_pretrained(assets.hf_dir).convert_ids_to_tokens(whole_prompt)
    words = [t for t, p in zip(whole_prompt, pieces, strict=True) if len(p) > 1 and p.isascii()]
    assert words, "the prompt holds no ASCII word piece to leave out (the ASCII cut keeps them)"
    trained = [i for i in range(n_vocab) if i not in words]
    id_map = tmp_path / "id_map.json"
    id_map.write_text(json.dumps(trained))
    lora = shutil.copytree(assets.lora_dir, tmp_path / "lora")
    served = {}
    for share in (0.0, 0.2):
        (lora / "run_config.json").write_text(json.dumps({"spelt_pieces": share}))
        adapter = convert_adapter(
            lora, assets.f32, tmp_path / f"lora-{share}.gguf", "f32", vocabulary=id_map
        ).path
        assert recorded_spelt_share(adapter) == pytest.approx(share)
        prompt, written, served[share] = generated(assets.f32, adapter, tmp_path / str(share))
        assert written, "nothing was generated"
        if share:
            assert not set(words) & set(prompt), "the left-out pieces reach the model spelt"
            assert len(prompt) > len(whole_prompt)
    assert served[0.2] == len(trained) < served[0.0], "the trained tokens alone, not the ASCII"
