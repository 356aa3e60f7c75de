"""What a job reports, in order: Started, then Tokens, then exactly one of Done/Failed.

A scoring job reports Started, then exactly one of Scored/Failed. Events are plain frozen
dataclasses so the TUI, the CLI and the evaluator consume the same stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlog_tui.protocol import AnomalyScore, Answer, ParsedResponse, Prompt, Segment


@dataclass(frozen=True, slots=True)
class Started:
    """The prompt was built (and trimmed if it had to be): this is exactly what was sent."""

    job_id: int
    prompt: Prompt
    prompt_tokens: int


@dataclass(frozen=True, slots=True)
class Tokens:
    """New text from the model, already split into think / answer / outside segments."""

    job_id: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """Timings of one response (seconds) and token counts."""

    prompt_tokens: int
    completion_tokens: int
    time_to_first_token: float
    time_to_answer: float | None
    """Seconds until the answer block closed (None when it never did)."""
    total_time: float
    finish_reason: str
    """``stop`` (end of turn), ``length``, ``answer`` (fast mode stop), ``cancelled``."""

    @property
    def decode_tokens_per_second(self) -> float:
        decode_time = self.total_time - self.time_to_first_token
        if self.completion_tokens <= 1 or decode_time <= 0:
            return 0.0
        return (self.completion_tokens - 1) / decode_time


@dataclass(frozen=True, slots=True)
class Done:
    """The response is complete (or was cancelled): parsed, judged and timed."""

    job_id: int
    raw_text: str
    parsed: ParsedResponse
    answer: Answer
    stats: GenerationStats

    @property
    def cancelled(self) -> bool:
        return self.stats.finish_reason == "cancelled"


@dataclass(frozen=True, slots=True)
class Failed:
    """The job could not run; ``message`` is one line for the user."""

    job_id: int
    message: str


@dataclass(frozen=True, slots=True)
class Scored:
    """A scoring job's one forward pass is done; ``score`` is None when it was cancelled."""

    job_id: int
    prompt: Prompt
    prompt_tokens: int
    score: AnomalyScore | None
    seconds: float

    @property
    def cancelled(self) -> bool:
        return self.score is None


EngineEvent = Started | Tokens | Done | Scored | Failed
