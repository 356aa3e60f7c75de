"""Running models: one worker thread owns the model; jobs stream events to whoever asked.

Offers the ``Engine`` (``worker``) and its events, the backends (``llama_backend``: llama.cpp
in-process, ``openai_backend``: any OpenAI-compatible server) behind ``factory.start_engine``, what
an adapter GGUF (or a model merged with one) records about itself (``adapter_metadata``: output
order, trained vocabulary; read by ``gguf_header``), the base cut to an adapter's vocabulary and
its tokenizer (``compact_base``, ``compact_tokens``, ``vocabulary``), an adapter folded into that
copy (``lora_fold``, measured, off by default), and the CPU decision that keeps llama.cpp off the
AMX path (``cpu_features``).
"""

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
