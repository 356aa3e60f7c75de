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


@pytest.fixture
def log_file(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The requesting test module's ``LINES`` written to a log file, one a line: the TUI tests
    each define the log they drive and share how it is written."""
    path = tmp_path / "app.log"
    path.write_text("\n".join(request.module.LINES) + "\n")
    return path


@pytest.fixture(scope="session")
def embedded_model() -> Path:
    """The real gemma-3-270m Q4_K_M GGUF from the embedded-model package (assembled once)."""
    from rlog_tui.models import embedded_model_path

    return embedded_model_path()


@pytest.fixture(scope="session")
def tiny_assets():
    """The tiny Llama, its random LoRA and their GGUFs (``quantize_helpers``), built once."""
    from quantize_helpers import tiny_assets as build

    return build()


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


@pytest.fixture(scope="session")
def gemma_cold_start(embedded_model: Path, tmp_path_factory) -> tuple[Path, object]:
    """A small adapter trained on the real gemma-3-270m base: ``(adapter folder, TrainResult)``.

    Three cold-start steps on one anomaly example at a high learning rate, so the adapter has
    really learned something (its loss falls) in about two minutes. Shared by the SFT smoke test
    and the quantize test that carries a trained adapter through GGUF into llama.cpp.
    """
    pytest.importorskip("trl")
    from tiny_models import QUIET_RUN, tiny_examples

    from rlog_train.sft import train_sft
    from rlog_train.sft_config import SFTRunConfig

    out = tmp_path_factory.mktemp("gemma-cold-start")
    config = SFTRunConfig(
        base=str(embedded_model),
        output_dir=str(out),
        orders="reason-first",
        max_steps=3,
        batch_size=1,
        learning_rate=2e-3,
        max_length=384,
        logging_steps=1,
        **QUIET_RUN,
    )
    return out, train_sft(config, examples=tiny_examples()[:1])


@pytest.fixture(scope="session")
def adapter_engine(embedded_model: Path) -> Iterator:
    """An engine on the embedded base with the shipped rlog-270m adapter: the model that answers
    first and then cites the lines it was shown (`L1: …`)."""
    from rlog_tui.engine import Engine
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
    from rlog_tui.models import embedded_adapter_path

    settings = LlamaSettings(
        model_path=embedded_model, adapter_path=embedded_adapter_path(), n_ctx=2048, n_threads=1
    )
    engine = Engine(lambda: LlamaBackend(settings)).start()
    engine.wait_ready(timeout=120)
    yield engine
    engine.close()
