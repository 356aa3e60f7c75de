"""Failures a user can cause while loading or talking to a model, each with a one-line message."""

from __future__ import annotations

from rlog_tui.errors import ModelError


class EngineError(ModelError):
    """Base class: the CLI prints ``str(error)`` and exits non-zero; the TUI shows it."""


class ModelNotFound(EngineError):
    """The model or adapter path does not exist."""


class ModelLoadFailed(EngineError):
    """llama.cpp could not load the file (corrupt, truncated, not a GGUF, unsupported)."""


class AdapterMismatch(EngineError):
    """The LoRA adapter does not fit the base model (other architecture, names or shapes)."""


class BackendUnavailable(EngineError):
    """A remote OpenAI-compatible server could not be reached or answered with an error."""


class ScoringUnsupported(EngineError):
    """The backend cannot read the label logits an anomaly score needs."""
