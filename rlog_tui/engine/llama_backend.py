"""llama.cpp in-process: the default backend, base GGUF plus an optional GGUF LoRA adapter.

Besides streaming text it scores anomalies (``protocol.scores``): the prompt and the label lead
are evaluated once and the last position's logits are read straight from llama.cpp
(``llama_get_logits_ith``; ``Llama.scores`` holds nothing unless ``logits_all=True``, which would
copy 262k floats per prompt token). The tokens already in the KV cache are reused, so the system
prompt and instruction shared by every screening prompt are evaluated once, not per template.

An adapter that records its training vocabulary (``protocol.decoding``) is served over the base
cut to that vocabulary and the ASCII tokens (``engine.compact_base``), its prompts split by the
full tokenizer and renumbered (``engine.compact_tokens``), and decodes within the trained tokens
plus the prompt's own (``engine.vocabulary``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rlog_tui.config import cache_dir
from rlog_tui.engine.adapter_metadata import recorded_spelt_share, recorded_vocabulary
from rlog_tui.engine.backend import Chunk, SamplingParams, StopCheck
from rlog_tui.engine.compact_base import CompactBase, compact_base
from rlog_tui.engine.compact_tokens import CompactTokenizer
from rlog_tui.engine.errors import (
    EngineError,
    ModelLoadFailed,
    ModelNotFound,
    ScoringUnsupported,
)
from rlog_tui.engine.gguf_header import GGUF_MAGIC
from rlog_tui.engine.llama_log import python_stderr_to_logging, route_llama_logs
from rlog_tui.engine.llama_open import adapter_mismatch, open_llama
from rlog_tui.engine.repeat_guard import RepeatPenalty
from rlog_tui.engine.template_constraint import TemplateConstraint
from rlog_tui.engine.vocabulary import TrainedVocabulary
from rlog_tui.protocol import (
    AnomalyScore,
    LabelTokens,
    PromptFormat,
    ScoringError,
    label_tokens,
    score_from_logits,
    select_format,
)

SCORE_CHUNK = 64
"""Prompt tokens evaluated per step of a score: between steps a user's request can pre-empt it."""


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
    compact_dir: Path | None = None
    """Where the base cut to an adapter's trained vocabulary is kept (default: cache's models)."""
    fold_adapter: bool = False
    """Serve such an adapter folded into the cut copy (``engine.lora_fold``) rather than applied
    by llama.cpp at every step: 1.2-1.3x faster, but the shipped adapter measured no better on
    its validation items and lower on two figures (``bench/folded_adapter.py``), so not served
    by default; kept for that bench and for the next adapter to be measured both ways."""

    @property
    def recorded_by(self) -> Path:
        """The adapter, else the model (one merged with an adapter): the file that records the
        training vocabulary (``engine.adapter_metadata``)."""
        return self.adapter_path or self.model_path


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


class LlamaBackend:
    """One ``llama_cpp.Llama``; must be created, used and closed on one thread (not thread-safe)."""

    can_score = True

    def __init__(self, settings: LlamaSettings) -> None:
        self._label_tokens: LabelTokens | None = None
        self._scored: list[int] | None = None
        """Tokens whose KV the last score left in the cache (None: a generation ran since)."""
        self._full_vocabulary = None
        """A compact base's full tokenizer (a vocabulary-only ``Llama``), closed with this one."""
        self._pieces: dict[int, bytes] = {}
        """Each token's bytes as written, looked up once (``_piece``)."""

        check_gguf(settings.model_path, "model")
        if settings.adapter_path is not None:
            check_gguf(settings.adapter_path, "adapter")
        route_llama_logs()
        self._compact = self._compact_base(settings)
        model_path = self._compact.path if self._compact else settings.model_path
        folded = self._compact is not None and settings.fold_adapter
        lora_path = None if folded or settings.adapter_path is None else str(settings.adapter_path)
        try:
            with python_stderr_to_logging():
                self._llama = open_llama(
                    model_path=str(model_path),
                    lora_path=lora_path,
                    n_ctx=settings.n_ctx,
                    n_threads=settings.n_threads,
                    n_threads_batch=settings.n_threads,
                    n_gpu_layers=settings.n_gpu_layers,
                    seed=0,
                    verbose=True,  # verbose=False would dup2 fds 1/2 away (see llama_log)
                )
        except (ValueError, RuntimeError) as error:
            if settings.adapter_path is not None and "LoRA" in str(error):
                raise adapter_mismatch(settings.adapter_path, settings.model_path) from None
            raise ModelLoadFailed(
                f"llama.cpp could not load {settings.model_path}: corrupt, truncated or "
                "unsupported GGUF"
            ) from None
        self._llama.verbose = False  # silence per-call prints from here on
        self._tokenizer = self._compact_tokenizer(settings.model_path) if self._compact else None
        self._vocabulary = (
            TrainedVocabulary(self._compact.trained, self._llama.n_vocab())
            if self._compact
            else None
        )
        self.n_ctx = self._llama.n_ctx()
        self.metadata: dict[str, str] = dict(self._llama.metadata)
        self.prompt_format: PromptFormat = select_format(self.metadata, settings.prompt_format)
        name = self.metadata.get("general.name") or settings.model_path.name
        adapter = f" + {settings.adapter_path.name}" if settings.adapter_path else ""
        adapter += " (folded in)" if folded else ""
        within = f", within its {self._compact.trained:,} trained tokens" if self._compact else ""
        self.description = f"{name}{adapter} (llama.cpp, {self.n_ctx} ctx{within})"

    @staticmethod
    def _compact_base(settings: LlamaSettings) -> CompactBase | None:
        """The base cut to the adapter's recorded training vocabulary, if it records one."""
        trained = recorded_vocabulary(settings.recorded_by)
        if trained is None:
            return None
        directory = settings.compact_dir or cache_dir() / "models"
        try:
            keep_ascii = recorded_spelt_share(settings.recorded_by) == 0.0
            folded = settings.adapter_path if settings.fold_adapter else None
            return compact_base(
                settings.model_path, trained, directory, keep_ascii=keep_ascii, folded=folded
            )
        except ValueError as error:
            raise ModelLoadFailed(f"{settings.recorded_by}: {error}") from None
        except OSError as error:
            raise ModelLoadFailed(
                f"cannot write the base cut to the adapter's vocabulary into {directory}: "
                f"{error.strerror or error}"
            ) from None

    def _compact_tokenizer(self, full_model: Path) -> CompactTokenizer:
        """The full base's own tokenizer (vocabulary only, no weights), renumbered."""
        import llama_cpp

        with python_stderr_to_logging():
            full = llama_cpp.Llama(model_path=str(full_model), vocab_only=True, verbose=True)
        full.verbose = False
        text_attributes = llama_cpp.LLAMA_TOKEN_ATTR_NORMAL | llama_cpp.LLAMA_TOKEN_ATTR_BYTE

        def piece_of(token: int) -> str:
            if not full._model.token_get_attr(token) & text_attributes:
                return ""  # control tokens are never spelt out of text
            return full._model.token_get_text(token)

        assert self._compact is not None
        self._full_vocabulary = full
        unknown = full.metadata.get("tokenizer.ggml.unknown_token_id")
        return CompactTokenizer(
            lambda text, bos: full.tokenize(text.encode("utf-8"), add_bos=bos, special=True),
            piece_of,
            self._compact.kept,
            unknown=None if unknown is None else int(unknown),
        )

    def _tokenize(self, text: str, add_bos: bool) -> list[int]:
        """``text`` as this model's ids (a compact base's: split by the full tokenizer)."""
        if self._tokenizer is not None:
            return self._tokenizer.tokenize(text, add_bos)
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenize(text, add_bos=True))

    def generate(
        self, prompt: str, params: SamplingParams, should_stop: StopCheck, lead: str = ""
    ) -> Iterator[Chunk]:
        import llama_cpp

        self._scored = None  # the KV cache is the generation's from here on
        stop_now = llama_cpp.StoppingCriteriaList([lambda _ids, _logits: should_stop()])
        stop_strings = [self.prompt_format.end_of_turn] if self.prompt_format.end_of_turn else []
        tokens = self._tokenize(prompt, add_bos=True)
        if lead:
            tokens += self._tokenize(lead, add_bos=False)
        grammar = (
            llama_cpp.LlamaGrammar.from_string(params.grammar, verbose=False)
            if params.grammar
            else None
        )
        processors = [] if self._vocabulary is None else [self._vocabulary.processor(tokens)]
        if params.template_of is not None:
            processors.append(TemplateConstraint(params.template_of, self._piece, len(tokens)))
        if params.repeat_guard is not None:
            processors.append(RepeatPenalty(params.repeat_guard, len(tokens)))
        within = llama_cpp.LogitsProcessorList(processors) if processors else None
        stream = self._llama.create_completion(
            tokens,
            **params.completion_options(),
            stop=stop_strings,
            stopping_criteria=stop_now,
            grammar=grammar,
            logits_processor=within,
            stream=True,
        )
        for part in stream:
            choice = part["choices"][0]
            yield Chunk(choice.get("text") or "", choice.get("finish_reason"))

    def _piece(self, token: int) -> bytes:
        """The bytes ``token`` writes (none for a control token), as the stream decodes them."""
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = token_piece(self._llama, token)
        return piece

    def label_tokens(self) -> LabelTokens:
        """The lead and label tokens of this model's tokenizer (checked once, then kept)."""
        if self._label_tokens is None:
            try:
                self._label_tokens = label_tokens(lambda text: self._tokenize(text, False))
            except ScoringError as error:
                why = f"cannot score anomalies with this model: {error}"
                raise ScoringUnsupported(why) from None
        return self._label_tokens

    def _reusable(self, tokens: list[int]) -> int:
        """How many leading ``tokens`` the KV cache holds from the last score, whole chunks only.

        A score must depend on its tokens alone: llama.cpp's numbers differ slightly with how a
        prompt is split into batches, so positions are always evaluated in the same chunks
        (``[0, 64)``, ``[64, 128)`` …) and only a cache a score wrote is reused (a generation
        prefills in other batches). The shared system prompt and instruction are then evaluated
        once per run instead of per template, and a score is the same however it was reached.
        """
        held = self._scored
        if held is None or self._llama.input_ids[: len(held)].tolist() != held:
            return 0
        common = 0
        for old, new in zip(held, tokens[:-1], strict=False):
            if old != new:
                break
            common += 1
        return common - common % SCORE_CHUNK

    def score(self, prompt: str, should_stop: StopCheck) -> AnomalyScore | None:
        """Evaluate ``prompt`` + the label lead once; the score from the last position's logits."""
        import numpy as np

        labels = self.label_tokens()
        llama = self._llama
        tokens = self._tokenize(prompt, add_bos=True) + list(labels.lead)
        if len(tokens) >= self.n_ctx:
            raise EngineError(f"a {len(tokens)}-token score prompt does not fit {self.n_ctx} ctx")
        llama.n_tokens = keep = self._reusable(tokens)
        for start in range(keep, len(tokens), SCORE_CHUNK):
            if should_stop():
                self._scored = llama.input_ids[: llama.n_tokens].tolist()
                return None
            llama.eval(tokens[start : start + SCORE_CHUNK])
        self._scored = tokens
        row = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),))
        peak = float(row.max())
        log_normaliser = peak + float(np.log(np.exp(row - peak, dtype=np.float64).sum()))
        return score_from_logits(
            float(row[labels.normal]), float(row[labels.abnormal]), log_normaliser
        )

    def close(self) -> None:
        self._llama.close()
        if self._full_vocabulary is not None:
            self._full_vocabulary.close()


def token_piece(llama: object, token: int) -> bytes:
    """``token``'s bytes, however long (``Llama.detokenize`` cuts a piece at 32 bytes)."""
    import ctypes

    import llama_cpp

    size = 64
    while True:
        buffer = ctypes.create_string_buffer(size)
        written = llama_cpp.llama_token_to_piece(
            llama._model.vocab,  # type: ignore[attr-defined]
            token,
            buffer,
            size,
            0,
            False,
        )
        if written >= 0:
            return buffer.raw[:written]
        size = -written
