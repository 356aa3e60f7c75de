"""An adapter folded into the served copy: the same model as base + adapter, without the adapter.

Real files: the tests' tiny Llama GGUF and its random LoRA (``quantize_helpers``), read back by
gguf's own reader and run by llama.cpp; and the embedded gemma-3-270m with the shipped adapter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from quantize_helpers import llama_logits, prompt_ids, rewritten_adapter

from quantize.merge import merge_adapter
from rlog_tui.engine.adapter_metadata import recorded_vocabulary
from rlog_tui.engine.compact_base import compact_base
from rlog_tui.engine.lora_fold import LoraUnreadable, read_lora
from rlog_tui.models import embedded_adapter_path

TARGETS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")


def _tensors(path: Path) -> dict:
    from gguf import GGUFReader

    return {t.name: t for t in GGUFReader(path).tensors}


@pytest.fixture(scope="module")
def tiny_vocabulary(tiny_assets) -> np.ndarray:
    from gguf import GGUFReader

    n_vocab = len(GGUFReader(tiny_assets.f32).fields["tokenizer.ggml.tokens"].data)
    return np.arange(n_vocab)  # every id, in order: the copy's ids are the base's


def test_the_folded_copy_gives_what_the_copy_gives_with_the_adapter_applied(
    tiny_assets, tiny_vocabulary, tmp_path: Path
) -> None:
    cut = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path / "cut")
    folded = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path, folded=tiny_assets.lora_gguf)
    assert folded.path != cut.path
    prompts = prompt_ids(tiny_assets.hf_dir)
    for ids in prompts:
        ours = llama_logits(folded.path, ids)
        applied = llama_logits(cut.path, ids, lora=tiny_assets.lora_gguf)
        plain = llama_logits(cut.path, ids)
        assert np.abs(ours - applied).max() < 0.05
        assert np.abs(ours - applied).max() < np.abs(plain - applied).max() / 5


def test_only_the_targeted_matrices_change_and_they_are_stored_as_q8_0(
    tiny_assets, tiny_vocabulary, tmp_path: Path
) -> None:
    cut = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path / "cut")
    folded = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path, folded=tiny_assets.lora_gguf)
    before, after = _tensors(cut.path), _tensors(folded.path)
    assert list(after) == list(before)
    changed = {name for name in after if name.split(".")[-2] in TARGETS}
    assert changed and changed == set(read_lora(tiny_assets.lora_gguf).pairs)
    for name, tensor in after.items():
        if name in changed:
            assert tensor.tensor_type.name == "Q8_0"
        else:
            assert tensor.tensor_type == before[name].tensor_type
            np.testing.assert_array_equal(tensor.data, before[name].data)


def test_the_served_copy_folds_exactly_as_rlog_quantize_merge_does(
    tiny_assets, tiny_vocabulary, tmp_path: Path
) -> None:
    folded = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path, folded=tiny_assets.lora_gguf)
    merged = merge_adapter(tiny_assets.f32, tiny_assets.lora_gguf, tmp_path / "m.gguf", "q8_0")
    ours, theirs = _tensors(folded.path), _tensors(merged.path)
    for name in read_lora(tiny_assets.lora_gguf).pairs:
        np.testing.assert_array_equal(ours[name].data, theirs[name].data)


def test_another_adapter_in_the_same_place_gets_its_own_copy(
    tiny_assets, tiny_vocabulary, tmp_path: Path
) -> None:
    adapter = rewritten_adapter(tiny_assets.lora_gguf, tmp_path / "lora.gguf")
    first = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path, folded=adapter)
    again = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path, folded=adapter)
    assert again.path == first.path
    rewritten_adapter(tiny_assets.lora_gguf, adapter, b_factor=2.0)  # retrained in place
    second = compact_base(tiny_assets.f32, tiny_vocabulary, tmp_path, folded=adapter)
    assert second.path != first.path
    ids = prompt_ids(tiny_assets.hf_dir)[0]
    assert np.abs(llama_logits(second.path, ids) - llama_logits(first.path, ids)).max() > 0.01


def test_an_adapter_for_another_model_is_refused_before_anything_is_written(
    tiny_assets, tiny_vocabulary, tmp_path: Path
) -> None:
    adapter = rewritten_adapter(tiny_assets.lora_gguf, tmp_path / "gemma-lora.gguf", arch="gemma3")
    out = tmp_path / "copies"
    out.mkdir()
    with pytest.raises(ValueError, match=r"does not fit .*is for 'gemma3' but the base is 'llama'"):
        compact_base(tiny_assets.f32, tiny_vocabulary, out, folded=adapter)
    with pytest.raises(LoraUnreadable, match="not a GGUF adapter"):
        compact_base(tiny_assets.f32, tiny_vocabulary, out, folded=tiny_assets.f16)
    assert list(out.iterdir()) == []


def test_gemma_with_the_shipped_adapter_folded_in_picks_the_same_tokens(
    embedded_model: Path, tmp_path: Path
) -> None:
    from rlog_tui.engine.llama_open import open_llama

    adapter = embedded_adapter_path()
    vocabulary = recorded_vocabulary(adapter)
    assert vocabulary is not None
    cut = compact_base(embedded_model, vocabulary, tmp_path)
    folded = compact_base(embedded_model, vocabulary, tmp_path, folded=adapter)

    def logits(model: Path, lora: Path | None, ids: list[int]) -> np.ndarray:
        llama = open_llama(
            model_path=str(model),
            lora_path=str(lora) if lora else None,
            n_ctx=256,
            n_threads=1,
            verbose=False,
            logits_all=True,
        )
        try:
            llama.eval(ids)
            return np.array(llama.scores[: len(ids)])
        finally:
            llama.close()

    full_ids = [2, 105, 2364, 107, 77102, 1565, 1262, 34147, 236799, 3165]  # BOS, user turn …
    new_of_old = {int(old): new for new, old in enumerate(cut.kept)}
    ids = [new_of_old[i] for i in full_ids]
    applied, ours, plain = (
        logits(cut.path, adapter, ids),
        logits(folded.path, None, ids),
        logits(cut.path, None, ids),
    )
    # Q8_0 rounds unlike llama.cpp's separate adapter: near-ties may flip, clear leads not.
    top_two = np.sort(applied, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 0.5
    assert clear.sum() >= 5
    assert (ours.argmax(axis=1) == applied.argmax(axis=1))[clear].all()
    off = np.median(np.abs(ours - applied).max(axis=1))
    assert off < np.median(np.abs(plain - applied).max(axis=1)) / 4
