"""The interface a model backend offers the engine's worker thread.

Two implementations: ``LlamaBackend`` (llama.cpp in-process, the default) and ``OpenAIBackend``
(any OpenAI-compatible server). Both receive the fully rendered prompt text, so the server and the
local model see the same bytes the trainer trained on. Anomaly scores (``protocol.scores``) need
the logits of one position, which only the in-process backend reads (``can_score``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from rlog_tui.protocol import AnomalyScore, PromptFormat
from rlog_tui.protocol.decoding import SERVED, RepeatGuard

StopCheck = Callable[[], bool]
"""Polled by a backend between tokens and before a forward pass: True when the worker wants the
job stopped (the user asked for something else, or cancelled)."""


@dataclass(frozen=True, slots=True)
class SamplingParams:
    """How to sample one response: by default as ``protocol.decoding.SERVED`` says (greedy)."""

    max_tokens: int = SERVED.max_tokens
    temperature: float = SERVED.temperature
    top_p: float = SERVED.top_p
    repeat_penalty: float = SERVED.repeat_penalty
    seed: int = 0
    grammar: str | None = None
    """GBNF text constraining what follows the response's lead (llama backend only); see
    ``protocol.grammar``."""
    template_rule: bool = SERVED.template_rule
    """Decode an answer-first parsing answer as a template of its line: the engine then sets
    ``template_of`` (False: the model writes unaided, to measure what the rule adds)."""
    template_of: str | None = None
    """The line the answer must be a template of (``protocol.template_of_line``); the in-process
    llama backend applies it, a server backend ignores it."""
    guard_repeats: bool = SERVED.repeat_guard is not None
    """Push a free-text answer off runs it already wrote: the engine then sets ``repeat_guard``
    (False: the model writes unaided, to measure what the guard adds)."""
    repeat_guard: RepeatGuard | None = None
    """The guard this response decodes under (``protocol.decoding.RepeatGuard``); the in-process
    llama backend applies it, a server backend ignores it (llama.cpp's server has a "DRY" rule,
    but over the prompt too, which would push answers off the log's own words)."""

    def completion_options(self) -> dict[str, float | int]:
        """The sampling fields as llama.cpp's completion call and its server name them.

        Both backends send these, so a model behind a server decodes as the in-process one does
        (llama.cpp's C++ server defaults to no repetition penalty, where rlog serves with one).
        """
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "repeat_penalty": self.repeat_penalty,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of generated text; ``finish_reason`` is set on the last one."""

    text: str
    finish_reason: str | None = None


class Backend(Protocol):
    """A loaded model that can count tokens and stream a completion."""

    description: str
    n_ctx: int
    prompt_format: PromptFormat
    can_score: bool
    """True when ``score`` works (False: it raises ``ScoringUnsupported``)."""

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` occupies in this model's context (with the BOS it will get)."""
        ...

    def generate(
        self, prompt: str, params: SamplingParams, should_stop: StopCheck, lead: str = ""
    ) -> Iterator[Chunk]:
        """Stream what follows ``prompt`` + ``lead``; stop within one token once ``should_stop()``.

        ``lead`` is the start of the response, given rather than generated
        (``protocol.response_lead``); it is tokenized on its own after the prompt, as training
        tokenizes completions, and is not streamed back (the caller already has it).
        """
        ...

    def score(self, prompt: str, should_stop: StopCheck) -> AnomalyScore | None:
        """The anomaly score of a rendered answer-first anomaly prompt (``protocol.scores``).

        One forward pass, no sampling; None when ``should_stop()`` turned true before it ended.
        """
        ...

    def close(self) -> None:
        """Free the model."""
        ...
