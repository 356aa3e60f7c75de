"""Running models: one worker thread owns the model; jobs stream events to whoever asked."""

from rlog_tui.engine.backend import Backend, Chunk, SamplingParams
from rlog_tui.engine.errors import (
    AdapterMismatch,
    BackendUnavailable,
    EngineError,
    ModelLoadFailed,
    ModelNotFound,
    ScoringUnsupported,
)
from rlog_tui.engine.events import (
    Done,
    EngineEvent,
    Failed,
    GenerationStats,
    Scored,
    Started,
    Tokens,
)
from rlog_tui.engine.worker import Engine, EngineState, Job, Priority, Request, ScoreRequest

__all__ = [
    "AdapterMismatch",
    "Backend",
    "BackendUnavailable",
    "Chunk",
    "Done",
    "Engine",
    "EngineError",
    "EngineEvent",
    "EngineState",
    "Failed",
    "GenerationStats",
    "Job",
    "ModelLoadFailed",
    "ModelNotFound",
    "Priority",
    "Request",
    "SamplingParams",
    "ScoreRequest",
    "Scored",
    "ScoringUnsupported",
    "Started",
    "Tokens",
]
