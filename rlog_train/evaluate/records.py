"""One scored example, and a whole run's results: what both runners (llama.cpp, HF) produce.

A runner only generates; ``make_record`` judges the output, identically for both: the protocol's
``StreamParser`` splits it, ``check_answer`` validates the answer, ``rewards.score`` gives the
reward breakdown GRPO would have seen, and the task's metric from ``rlog_train.metrics`` scores
the answer. The metric reads the answer whenever it is valid, even if the form around it is off
(a missing think block): form is reported on its own (format-OK rate) and in the reward.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rlog_train.data import Example
from rlog_train.metrics import overlap_scores, template_f1
from rlog_train.rewards import score
from rlog_tui.protocol import (
    OutputOrder,
    Prompt,
    Task,
    answer_problems,
    check_answer,
    parse_response,
)


@dataclass(frozen=True, slots=True)
class Generation:
    """What a runner produced for one prompt, before any judging."""

    prompt: Prompt
    prompt_tokens: int
    raw_text: str
    completion_tokens: int
    time_to_first_token: float | None
    time_to_answer: float | None
    """Seconds from the request until ``</answer>`` was written (None if it never was)."""
    total_time: float
    finish_reason: str
    """``stop``, ``length``, ``answer`` (fast mode stopped at ``</answer>``), ``cancelled``."""


@dataclass(frozen=True, slots=True)
class ExampleRecord:
    """One example as ``eval.json`` stores it: input, label, output, verdicts, reward, timings."""

    set: str
    task: str
    split: str
    system: str | None
    source: str
    instruction: str
    input: str
    label: str
    order: str
    prompt: str
    prompt_notice: str
    raw_output: str
    answer: str
    """The answer block after ``check_answer`` normalised it ("" when there was none)."""
    answer_valid: bool
    format_ok: bool
    problems: list[str]
    reward: dict[str, float]
    """``format``, ``answer`` and ``total`` from ``rewards.score``."""
    metric: dict[str, float]
    """The task's per-example metric: ``token_f1``/``exact``, ``correct``, or BLEU/ROUGE ×100."""
    prompt_tokens: int
    completion_tokens: int
    time_to_first_token: float | None
    time_to_answer: float | None
    total_time: float
    finish_reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def example_metric(task: Task, example: Example, answer: str, valid: bool) -> dict[str, float]:
    """The task's own metric on one answer; an invalid answer scores as wrong (0)."""
    if task is Task.PARSE:
        if not valid:
            return {"token_f1": 0.0, "exact": 0.0}
        exact = " ".join(answer.split()) == " ".join(example.label.split())
        return {
            "token_f1": round(template_f1(example.input, answer, example.label), 4),
            "exact": float(exact),
        }
    if task is Task.ANOMALY:
        return {"correct": float(valid and answer == example.label.strip().lower())}
    scores = overlap_scores(example.label, answer if valid else "")
    return {
        "bleu4": round(scores.bleu4, 3),
        "rouge1": round(scores.rouge1, 3),
        "rouge2": round(scores.rouge2, 3),
        "rouge_l": round(scores.rouge_l, 3),
    }


def make_record(set_name: str, example: Example, generation: Generation) -> ExampleRecord:
    """Judge one generation of ``example`` exactly as the reward and the TUI would."""
    order = OutputOrder(generation.prompt.order)
    stopped = generation.finish_reason == "answer"
    parsed = parse_response(generation.raw_text, order, stopped_after_answer=stopped)
    answer = check_answer(example.task, parsed.answer)
    reward = score(
        example.task,
        generation.raw_text,
        example.label,
        example.input,
        order,
        stopped_after_answer=stopped,
    )
    problems = list(answer_problems(parsed, answer))
    return ExampleRecord(
        set=set_name,
        task=example.task.value,
        split=set_name.split("/", 1)[1],
        system=example.system,
        source=example.source,
        instruction=example.instruction,
        input=example.input,
        label=example.label,
        order=order.value,
        prompt=generation.prompt.text,
        prompt_notice=generation.prompt.notice,
        raw_output=generation.raw_text,
        answer=answer.text if answer.valid else parsed.answer,
        answer_valid=answer.valid,
        format_ok=parsed.format_ok,
        problems=problems,
        reward={
            "format": reward.format,
            "answer": round(reward.answer, 4),
            "total": round(reward.total, 4),
        },
        metric=example_metric(example.task, example, answer.text, answer.valid),
        prompt_tokens=generation.prompt_tokens,
        completion_tokens=generation.completion_tokens,
        time_to_first_token=_round(generation.time_to_first_token),
        time_to_answer=_round(generation.time_to_answer),
        total_time=round(generation.total_time, 4),
        finish_reason=generation.finish_reason,
    )


@dataclass(slots=True)
class EvalResult:
    """A run: its configuration, the sets it covered and every scored example so far.

    ``partial`` is set when the run stopped early (Ctrl-C, an engine failure): the records hold
    what was finished, and the metrics are computed on those alone.
    """

    config: dict[str, Any]
    machine: dict[str, Any]
    sets: list[Any]
    """The ``EvalSet`` items, in run order."""
    records: list[ExampleRecord] = field(default_factory=list)
    partial: bool = False
    stopped_reason: str | None = None
    started_at: str = ""
    wall_time: float = 0.0

    def records_of(self, set_name: str) -> list[ExampleRecord]:
        """The records of one set, in run order."""
        return [record for record in self.records if record.set == set_name]
