"""Loading models: each failure a user can cause is one clear error, reported by the engine.
Scoring: a score depends on its prompt alone, however the KV cache was filled before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rlog_tui.engine import AdapterMismatch, Engine, EngineError, ModelLoadFailed, ModelNotFound
from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings


def load(model: Path, adapter: Path | None = None) -> LlamaBackend:
    return LlamaBackend(
        LlamaSettings(model_path=model, adapter_path=adapter, n_ctx=256, n_threads=1)
    )


def write_lora(
    path: Path, architecture: str, shape_a: tuple[int, int], shape_b: tuple[int, int]
) -> Path:
    """A real GGUF LoRA adapter file, for whatever architecture and shapes the test wants."""
    import gguf

    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 16.0)
    writer.add_tensor("blk.0.attn_q.weight.lora_a", np.zeros(shape_a, dtype=np.float32))
    writer.add_tensor("blk.0.attn_q.weight.lora_b", np.zeros(shape_b, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelNotFound, match="model not found"):
        load(tmp_path / "nope.gguf")


def test_directory_instead_of_model(tmp_path):
    with pytest.raises(ModelNotFound, match="is a directory"):
        load(tmp_path)


def test_file_that_is_not_gguf(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_text("this is a log file, not a model\n")
    with pytest.raises(ModelLoadFailed, match="not a GGUF file"):
        load(path)


def test_truncated_gguf(tmp_path, embedded_model):
    path = tmp_path / "truncated.gguf"
    with embedded_model.open("rb") as source:
        path.write_bytes(source.read(2_000_000))
    with pytest.raises(ModelLoadFailed, match="corrupt, truncated or unsupported"):
        load(path)


def test_corrupt_gguf_header(tmp_path):
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    with pytest.raises(ModelLoadFailed):
        load(path)


def test_adapter_for_another_architecture_does_not_fit(tmp_path, embedded_model):
    adapter = write_lora(tmp_path / "llama-lora.gguf", "llama", (640, 8), (8, 1024))
    with pytest.raises(AdapterMismatch, match="does not fit"):
        load(embedded_model, adapter)


def test_adapter_with_wrong_shapes_does_not_fit(tmp_path, embedded_model):
    adapter = write_lora(tmp_path / "bad-shapes.gguf", "gemma3", (17, 8), (8, 19))
    with pytest.raises(AdapterMismatch):
        load(embedded_model, adapter)


def test_missing_adapter_file(tmp_path, embedded_model):
    with pytest.raises(ModelNotFound, match="adapter not found"):
        load(embedded_model, tmp_path / "missing-lora.gguf")


def test_engine_reports_a_load_failure_instead_of_hanging(tmp_path):
    engine = Engine(lambda: load(tmp_path / "absent.gguf")).start()
    with pytest.raises(EngineError, match="model not found"):
        engine.wait_ready(timeout=30)
    engine.close()


def test_embedded_model_metadata_selects_gemma_turns(embedded_model):
    backend = load(embedded_model)
    try:
        assert backend.metadata["general.architecture"] == "gemma3"
        assert backend.prompt_format.style.value == "gemma"
        # Gemma's turn markers are single control tokens, as in training
        assert backend.count_tokens("<start_of_turn>") == 2  # BOS + the marker
    finally:
        backend.close()


def test_loading_never_writes_to_fd_1_or_2(embedded_model, capfd):
    backend = load(embedded_model)
    backend.close()
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_a_score_is_the_same_from_a_cold_cache_and_after_other_work(embedded_model):
    """llama.cpp's numbers move with how a prompt is batched (seen: 0.19 vs 0.18 with the shipped
    adapter when a cached prefix was reused as-is), so scores reuse only whole aligned chunks
    that a score wrote, and nothing a generation wrote."""
    from rlog_tui.engine.backend import SamplingParams
    from rlog_tui.models import embedded_adapter_path
    from rlog_tui.protocol import SCORE_ORDER, Task, build_prompt

    def prompt(line: str) -> str:
        return build_prompt(Task.ANOMALY, [line], SCORE_ORDER).text

    fatal = prompt("RAS KERNEL FATAL data TLB error interrupt")
    settings = LlamaSettings(embedded_model, embedded_adapter_path(), n_ctx=1024, n_threads=1)
    cold = LlamaBackend(settings)
    try:
        reference = cold.score(fatal, lambda: False)
    finally:
        cold.close()
    backend = LlamaBackend(settings)
    try:
        backend.score(prompt("RAS KERNEL INFO generating core.2599"), lambda: False)
        assert backend.score(fatal, lambda: False) == reference  # after another score
        list(backend.generate(fatal, SamplingParams(max_tokens=2), lambda: False))
        assert backend.score(fatal, lambda: False) == reference  # after a generation
        assert backend.score(fatal, lambda: True) is None  # stopped before its first chunk
    finally:
        backend.close()
