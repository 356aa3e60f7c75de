"""llama.cpp in-process: the default backend, base GGUF plus an optional GGUF LoRA adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rlog_tui.engine.backend import Chunk, SamplingParams
from rlog_tui.engine.errors import AdapterMismatch, ModelLoadFailed, ModelNotFound
from rlog_tui.engine.llama_log import last_error, python_stderr_to_logging, route_llama_logs
from rlog_tui.protocol import PromptFormat, select_format

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True, slots=True)
class LlamaSettings:
    """What to load and how; ``n_ctx`` is always explicit (llama.cpp's default is only 512)."""

    model_path: Path
    adapter_path: Path | None = None
    n_ctx: int = 4096
    n_threads: int = 2
    n_gpu_layers: int = 0
    prompt_format: str | None = None
    """Override the format the GGUF's metadata selects (gemma, chatml, plain, template)."""


def check_gguf(path: Path, what: str) -> None:
    """Fail with one clear line before llama.cpp sees a missing or non-GGUF file."""
    if not path.exists():
        raise ModelNotFound(f"{what} not found: {path}")
    if path.is_dir():
        raise ModelNotFound(f"{what} is a directory, not a GGUF file: {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise ModelLoadFailed(f"cannot read {what} {path}: {error.strerror}") from None
    if magic != GGUF_MAGIC:
        raise ModelLoadFailed(f"{what} is not a GGUF file (bad magic {magic!r}): {path}")


def _adapter_mismatch(settings: LlamaSettings) -> AdapterMismatch:
    reason = last_error().split(": ")[-1] or "other architecture, tensor names or shapes"
    return AdapterMismatch(
        f"adapter {settings.adapter_path} does not fit model {settings.model_path} ({reason})"
    )


class LlamaBackend:
    """One ``llama_cpp.Llama``; must be created, used and closed on one thread (not thread-safe)."""

    def __init__(self, settings: LlamaSettings) -> None:
        import llama_cpp

        check_gguf(settings.model_path, "model")
        if settings.adapter_path is not None:
            check_gguf(settings.adapter_path, "adapter")
        route_llama_logs()
        try:
            with python_stderr_to_logging():
                self._llama = llama_cpp.Llama(
                    model_path=str(settings.model_path),
                    lora_path=str(settings.adapter_path) if settings.adapter_path else None,
                    n_ctx=settings.n_ctx,
                    n_threads=settings.n_threads,
                    n_threads_batch=settings.n_threads,
                    n_gpu_layers=settings.n_gpu_layers,
                    seed=0,
                    verbose=True,  # verbose=False would dup2 fds 1/2 away (see llama_log)
                )
        except (ValueError, RuntimeError) as error:
            if settings.adapter_path is not None and "LoRA" in str(error):
                raise _adapter_mismatch(settings) from None
            raise ModelLoadFailed(
                f"llama.cpp could not load {settings.model_path}: corrupt, truncated or "
                "unsupported GGUF"
            ) from None
        # llama-cpp-python 0.3.36 tests the adapter pointer with `is None`, which a NULL ctypes
        # pointer never is: a rejected adapter would be silently ignored without this check.
        if settings.adapter_path is not None and not self._llama._lora_adapter:
            self._llama.close()
            raise _adapter_mismatch(settings)
        self._llama.verbose = False  # silence per-call prints from here on
        self.n_ctx = self._llama.n_ctx()
        self.metadata: dict[str, str] = dict(self._llama.metadata)
        self.prompt_format: PromptFormat = select_format(self.metadata, settings.prompt_format)
        name = self.metadata.get("general.name") or settings.model_path.name
        adapter = f" + {settings.adapter_path.name}" if settings.adapter_path else ""
        self.description = f"{name}{adapter} (llama.cpp, {self.n_ctx} ctx)"

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=True, special=True))

    def generate(
        self, prompt: str, params: SamplingParams, should_stop: Callable[[], bool]
    ) -> Iterator[Chunk]:
        import llama_cpp

        stop_now = llama_cpp.StoppingCriteriaList([lambda _ids, _logits: should_stop()])
        stop_strings = [self.prompt_format.end_of_turn] if self.prompt_format.end_of_turn else []
        tokens = self._llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        grammar = (
            llama_cpp.LlamaGrammar.from_string(params.grammar, verbose=False)
            if params.grammar
            else None
        )
        stream = self._llama.create_completion(
            tokens,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            repeat_penalty=params.repeat_penalty,
            seed=params.seed,
            stop=stop_strings,
            stopping_criteria=stop_now,
            grammar=grammar,
            stream=True,
        )
        for part in stream:
            choice = part["choices"][0]
            yield Chunk(choice.get("text") or "", choice.get("finish_reason"))

    def close(self) -> None:
        self._llama.close()
