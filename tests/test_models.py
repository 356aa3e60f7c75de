"""Where weights come from: precedence, the embedded base, the adapter rlog ships and the score
thresholds calibrated for it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rlog_tui.config import Settings
from rlog_tui.models import (
    UNCALIBRATED,
    choose_model,
    embedded_adapter_path,
    resolve_model,
    thresholds_for,
)
from rlog_tui.protocol import DEFAULT_THRESHOLDS, Thresholds


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


@pytest.mark.parametrize("flag_model", [None, "/models/flag.gguf"])
def test_choose_model_takes_flag_then_environment_then_config_file(
    tmp_path, monkeypatch, flag_model
):
    config = tmp_path / "config.toml"
    config.write_text('model = "/models/from-config.gguf"\nadapter = "/models/a.gguf"\n')
    monkeypatch.setenv("RLOG_CONFIG", str(config))
    from_config = choose_model(flag_model, None)
    monkeypatch.setenv("RLOG_MODEL", "/models/from-env.gguf")
    from_env = choose_model(flag_model, None)
    if flag_model:
        assert from_config.model_path == from_env.model_path == Path(flag_model)
        assert from_env.model_origin == "--model flag"
    else:
        assert from_config.model_path == Path("/models/from-config.gguf")
        assert from_config.model_origin == f"config file {config}"
        assert from_env.model_path == Path("/models/from-env.gguf")
        assert from_env.model_origin == "environment RLOG_MODEL"
    assert from_env.adapter_path == Path("/models/a.gguf")  # the config's adapter still applies
    assert choose_model(flag_model, "none").adapter_path is None


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


def _adapter_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "my-lora.gguf"
    copy.write_bytes(Path(embedded_adapter_path()).read_bytes())
    return copy


def _calibrate_copy(embedded_model: Path, adapter: Path, prompt: str | None = None) -> None:
    from rlog_tui.protocol import Thresholds, scoring_fingerprint
    from rlog_tui.screening.calibration import (
        Calibration,
        calibration_path,
        identify,
        write_calibration,
    )

    calibration = Calibration(
        Thresholds(flag=0.3, clear=0.1),
        identify(embedded_model),
        identify(adapter),
        prompt or scoring_fingerprint(),
    )
    write_calibration(calibration_path(embedded_model, adapter), calibration)


@pytest.mark.skipif(embedded_adapter_path() is None, reason="this build ships no adapter")
def test_the_shipped_adapter_comes_with_its_calibrated_thresholds(embedded_model):
    chosen = thresholds_for(resolve_model(Settings(), {}))
    assert chosen.calibrated, chosen.origin  # else: rerun `rlog-train calibrate`
    assert chosen.origin == "calibrated (rlog-270m-lora.calibration.json)"
    assert 0.0 <= chosen.thresholds.clear <= chosen.thresholds.flag <= 1.0


def test_weights_without_a_calibration_get_the_documented_default(tmp_path, embedded_model):
    local = {
        "gemma-3-270m-q4_k_m.calibration.json": resolve_model(Settings(adapter="none"), {}),
        "m.calibration.json": resolve_model(Settings(model=str(tmp_path / "m.gguf")), {}),
    }
    for name, choice in local.items():
        chosen = thresholds_for(choice)
        assert not chosen.calibrated and chosen.thresholds == DEFAULT_THRESHOLDS
        assert chosen.describe() == (
            f"flag >= 0.50, no band [uncalibrated: no {name} beside the weights "
            "(`rlog-train calibrate` fits one); default 0.5, no inconclusive band]"
        )
    server = thresholds_for(None)
    assert server.describe() == (
        "flag >= 0.50, no band [uncalibrated: default 0.5, no inconclusive band]"
    )


@pytest.mark.skipif(embedded_adapter_path() is None, reason="this build ships no adapter")
def test_a_calibration_is_ignored_with_a_warning_for_other_weights_or_another_prompt(
    tmp_path, embedded_model, caplog
):
    adapter = _adapter_copy(tmp_path)
    choice = resolve_model(Settings(adapter=str(adapter)), {})
    _calibrate_copy(embedded_model, adapter)
    assert thresholds_for(choice).thresholds == Thresholds(flag=0.3, clear=0.1)
    with caplog.at_level(logging.WARNING):
        _calibrate_copy(embedded_model, adapter, prompt="0123456789abcdef")
        assert "another prompt" in thresholds_for(choice).origin
        _calibrate_copy(embedded_model, adapter)
        adapter.write_bytes(adapter.read_bytes()[:-1] + b"\x00")  # retrained, same size
        assert "other weights" in thresholds_for(choice).origin
        (tmp_path / "my-lora.calibration.json").write_text("{oops")
        assert thresholds_for(choice) == UNCALIBRATED
    assert caplog.text.count("ignoring calibration") == 3
