"""Build the engine a session asks for, from resolved settings and a model choice."""

from __future__ import annotations

from collections.abc import Callable

from rlog_tui.config import Backend as BackendKind
from rlog_tui.config import Settings
from rlog_tui.engine.backend import Backend
from rlog_tui.engine.errors import EngineError
from rlog_tui.engine.worker import Engine
from rlog_tui.models import ModelChoice


def backend_maker(settings: Settings, choice: ModelChoice | None) -> Callable[[], Backend]:
    """A zero-argument constructor, called on the engine thread (which must own the model)."""
    both = {"n_ctx": settings.n_ctx, "prompt_format": settings.prompt_format}
    if settings.backend == BackendKind.OPENAI:
        if not settings.base_url:
            raise EngineError("--backend openai needs --base-url URL (e.g. http://127.0.0.1:8000)")
        from rlog_tui.engine.openai_backend import OpenAIBackend, OpenAISettings

        remote = OpenAISettings(base_url=settings.base_url, api_key=settings.api_key, **both)
        return lambda: OpenAIBackend(remote)
    if settings.backend != BackendKind.LLAMA:
        raise EngineError(
            f"unknown backend {settings.backend!r}: choose one of {', '.join(BackendKind)}"
        )
    if choice is None:
        raise EngineError("no model chosen")
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings

    local = LlamaSettings(
        model_path=choice.model_path,
        adapter_path=choice.adapter_path,
        n_threads=settings.effective_threads,
        **both,
    )
    return lambda: LlamaBackend(local)


def start_engine(settings: Settings, choice: ModelChoice | None) -> Engine:
    """Create and start an engine; the model loads on its thread while the caller goes on."""
    return Engine(backend_maker(settings, choice)).start()


def start_loaded_engine(settings: Settings, choice: ModelChoice | None) -> Engine:
    """Start an engine and wait for its model to load (one-shot commands have nothing to do
    meanwhile); if loading fails, close it and raise the load error."""
    return loaded(start_engine(settings, choice))


def loaded(engine: Engine) -> Engine:
    """``engine`` once its model has loaded; if loading fails, it is closed and the error raised."""
    try:
        engine.wait_ready()
    except BaseException:
        engine.close()
        raise
    return engine
