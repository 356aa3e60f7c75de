"""Where weights come from: precedence, the embedded base, and the adapter rlog ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlog_tui.config import Settings
from rlog_tui.models import embedded_adapter_path, resolve_model


def test_explicit_model_wins_and_drops_the_embedded_adapter(tmp_path):
    model = tmp_path / "other.gguf"
    choice = resolve_model(Settings(model=str(model)), {"model": "--model flag"})
    assert choice.model_path == model and choice.model_origin == "--model flag"
    assert choice.adapter_path is None  # the shipped adapter fits only the embedded base


def test_embedded_default_comes_with_the_shipped_adapter(embedded_model):
    choice = resolve_model(Settings(), {})
    assert choice.model_path == embedded_model
    assert "embedded default" in choice.model_origin
    assert choice.adapter_path == embedded_adapter_path()


def test_adapter_none_runs_the_bare_embedded_base(embedded_model):
    choice = resolve_model(Settings(adapter="None"), {"adapter": "--adapter flag"})
    assert choice.model_path == embedded_model
    assert choice.adapter_path is None and choice.adapter_origin.startswith("none")


def test_fast_mode_uses_its_own_variant_when_configured(tmp_path):
    settings = Settings(model=str(tmp_path / "m.gguf"), fast_model=str(tmp_path / "q4.gguf"))
    origins = {"model": "config file x", "fast_model": "config file x"}
    assert resolve_model(settings, origins, fast=True).model_path == tmp_path / "q4.gguf"
    assert resolve_model(settings, origins, fast=False).model_path == tmp_path / "m.gguf"


@pytest.mark.skipif(embedded_adapter_path() is None, reason="this build ships no adapter")
def test_shipped_adapter_fits_the_embedded_base_and_changes_its_output(embedded_model):
    from rlog_tui.engine import Engine, Request, SamplingParams
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
    from rlog_tui.protocol import Task

    request = Request(
        Task.ANOMALY,
        ["RAS KERNEL FATAL data TLB error interrupt"],
        sampling=SamplingParams(max_tokens=24),
    )
    outputs = []
    for adapter in (None, embedded_adapter_path()):
        settings = LlamaSettings(embedded_model, adapter, n_ctx=1024, n_threads=1)
        with Engine(lambda s=settings: LlamaBackend(s)) as engine:
            engine.wait_ready(120)
            outputs.append(list(engine.stream(request))[-1].raw_text)
    base, adapted = outputs
    assert adapted != base
    assert adapted.startswith("<think>")  # the format the cold start taught
    assert Path(embedded_adapter_path()).with_name("MODEL_CARD.md").is_file()
