"""Engine start-up for one-shot commands: wait for the model, never leave a failed engine behind."""

from __future__ import annotations

import threading

import pytest

from rlog_tui.config import Settings
from rlog_tui.engine import EngineError, EngineState, factory


class _LoadedBackend:
    description = "a loaded stand-in"

    def close(self) -> None:
        pass


def _engine_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "rlog-engine")


def test_loaded_engine_is_ready_when_returned(monkeypatch):
    monkeypatch.setattr(factory, "backend_maker", lambda settings, choice: _LoadedBackend)
    engine = factory.start_loaded_engine(Settings(), None)
    try:
        assert engine.state == EngineState.READY
        assert engine.description == "a loaded stand-in"
    finally:
        engine.close()


def test_model_that_fails_to_load_raises_its_error_and_leaves_no_engine_thread(monkeypatch):
    def failing_maker(settings, choice):
        def make():
            raise EngineError("model not found: /nowhere.gguf")

        return make

    monkeypatch.setattr(factory, "backend_maker", failing_maker)
    before = _engine_threads()
    with pytest.raises(EngineError, match="model not found"):
        factory.start_loaded_engine(Settings(), None)
    assert _engine_threads() == before
