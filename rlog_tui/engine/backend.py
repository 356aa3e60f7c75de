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
from rlog_tui.protocol.decoding import SERVED


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
        self,
        prompt: str,
        params: SamplingParams,
        should_stop: Callable[[], bool],
        lead: str = "",
    ) -> Iterator[Chunk]:
        """Stream what follows ``prompt`` + ``lead``; stop within one token once ``should_stop()``.

        ``lead`` is the start of the response, given rather than generated
        (``protocol.response_lead``); it is tokenized on its own after the prompt, as training
        tokenizes completions, and is not streamed back (the caller already has it).
        """
        ...

    def score(self, prompt: str, should_stop: Callable[[], bool]) -> AnomalyScore | None:
        """The anomaly score of a rendered answer-first anomaly prompt (``protocol.scores``).

        One forward pass, no sampling; None when ``should_stop()`` turned true before it ended.
        """
        ...

    def close(self) -> None:
        """Free the model."""
        ...
