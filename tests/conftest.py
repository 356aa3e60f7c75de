"""Shared fixtures: the embedded base model, an engine on it, isolation from the user's config.

Tests pin llama.cpp to one thread (these machines are shared 2-core boxes: two threads can be many
times slower under contention) and never read the user's own config file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["RLOG_THREADS"] = "1"
os.environ["RLOG_CONFIG"] = str(Path(__file__).parent / "no-such-config.toml")


@pytest.fixture(scope="session")
def embedded_model() -> Path:
    """The real gemma-3-270m Q4_K_M GGUF from the embedded-model package (assembled once)."""
    from rlog_tui.models import embedded_model_path

    return embedded_model_path()


@pytest.fixture(scope="session")
def llama_engine(embedded_model: Path) -> Iterator:
    """One engine on the embedded model for the whole session (loading costs about a second)."""
    from rlog_tui.engine import Engine
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings

    settings = LlamaSettings(model_path=embedded_model, n_ctx=2048, n_threads=1)
    engine = Engine(lambda: LlamaBackend(settings)).start()
    engine.wait_ready(timeout=120)
    yield engine
    engine.close()
