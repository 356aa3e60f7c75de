"""The joint reward of R-Log's GRPO stage: a format reward plus the task's own metric.

``score`` is the single definition; the TRL reward functions and the evaluator both call it, so a
model is rewarded during training exactly as it is scored afterwards.

- Format: +0.1 when the response is exactly one think block and one answer block in the expected
  order with nothing outside them (``ParsedResponse.format_ok``), −1.0 otherwise. R-Log's released
  answer-first check counts ``<//answer>``, so no answer-first response could pass; here both
  orders go through the protocol's parser.
- Answer: −1.0 when the format is wrong or the answer does not fit the task's schema
  (``check_answer``: empty, or not exactly ``normal``/``abnormal``). Otherwise anomaly detection
  +1/−1 on an exact label match; log parsing the token-level template F1 over the raw log (0..1);
  the generation tasks (BLEU-4 + ROUGE-1 + ROUGE-2 + ROUGE-L) / 400 / 0.8 (0..1.25).
- The generation reward is not clipped at 1.0, as in R-Log's code: GRPO normalises rewards within
  each prompt's group, so the scale across tasks does not matter, while a clip would erase the
  ranking among the best answers of a group (all near-copies of the reference).
- A completion over ``MAX_COMPLETION_CHARS`` is malformed by definition (both parts −1.0) and is
  not parsed: it bounds the reward's time on runaway generations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rlog_train.metrics.parsing import template_f1
from rlog_train.metrics.text_overlap import overlap_scores
from rlog_tui.protocol import (
    TASKS,
    OutputOrder,
    Task,
    answer_problems,
    check_answer,
    parse_response,
)


@dataclass(frozen=True, slots=True)
class RewardBreakdown:
    """The two parts of one completion's reward and what they were based on."""

    format: float
    answer: float
    answer_text: str
    """The normalised answer that was scored ("" when the response had none usable)."""
    problems: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        """The joint reward: format + answer."""
        return self.format + self.answer

    @property
    def format_ok(self) -> bool:
        """Whether the response had the expected shape."""
        return self.format > 0


FORMAT_OK = 0.1
FORMAT_BAD = -1.0
ANSWER_BAD = -1.0
GENERATION_SCALE = 0.8
MAX_COMPLETION_CHARS = 65_536


def score(
    task: Task | str,
    completion: str,
    label: str,
    log: str,
    order: OutputOrder | str,
    *,
    stopped_after_answer: bool = False,
) -> RewardBreakdown:
    """Score one completion for ``task`` against ``label``; ``log`` is the raw input.

    ``stopped_after_answer``: the evaluator of R-Log-fast stopped generation at ``</answer>`` on
    purpose, so the missing think block is not a format fault (never set during training).
    """
    task, order = Task(task), OutputOrder(order)
    if len(completion) > MAX_COMPLETION_CHARS:
        problem = f"completion longer than {MAX_COMPLETION_CHARS:,} characters"
        return RewardBreakdown(FORMAT_BAD, ANSWER_BAD, "", (problem,))
    parsed = parse_response(completion, order, stopped_after_answer=stopped_after_answer)
    format_score = FORMAT_OK if parsed.format_ok else FORMAT_BAD
    answer = check_answer(task, parsed.answer)
    if not parsed.format_ok or not answer.valid:
        return RewardBreakdown(format_score, ANSWER_BAD, "", answer_problems(parsed, answer))
    return RewardBreakdown(format_score, _answer_score(task, answer.text, label, log), answer.text)


def _answer_score(task: Task, answer: str, label: str, log: str) -> float:
    if task is Task.ANOMALY:
        return 1.0 if answer == label.strip().lower() else -1.0
    if task is Task.PARSE:
        return template_f1(log, answer, label)
    if not TASKS[task].generative:
        raise ValueError(f"no answer reward defined for task {task.value!r}")
    return max(0.0, overlap_scores(label, answer).total / 400 / GENERATION_SCALE)


def completion_text(completion: str | Sequence[dict[str, Any]]) -> str:
    """The text of a TRL completion: a plain string, or the assistant messages' contents."""
    if isinstance(completion, str):
        return completion
    return "".join(
        str(message.get("content") or "")
        for message in completion
        if message.get("role", "assistant") == "assistant"
    )


def _scores(completions: Sequence[Any], kwargs: dict[str, Any]) -> list[RewardBreakdown]:
    count = len(completions)
    tasks = kwargs.get("task")
    labels = kwargs.get("answer")
    if tasks is None or labels is None:
        raise ValueError("reward needs the dataset columns 'task' and 'answer'")
    logs = kwargs.get("log") or [""] * count
    orders = kwargs.get("order") or [OutputOrder.REASON_FIRST.value] * count
    for name, column in (("task", tasks), ("answer", labels), ("log", logs), ("order", orders)):
        if len(column) != count:
            raise ValueError(f"column {name!r} has {len(column)} values for {count} completions")
    results = []
    for completion, task, label, log, order in zip(
        completions, tasks, labels, logs, orders, strict=True
    ):
        if Task(task) is Task.PARSE and not log:
            raise ValueError("log parsing reward needs the raw log in the dataset column 'log'")
        results.append(score(task, completion_text(completion), label, log, order))
    return results


def format_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL reward: +0.1 for a well-formed response, −1.0 otherwise.

    >>> format_reward(["<think>x</think><answer>normal</answer>"], task=["anomaly"],
    ...               answer=["normal"])
    [0.1]
    """
    return [result.format for result in _scores(completions, kwargs)]


def answer_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL reward: the task's metric on the answer, −1.0 when malformed or invalid.

    >>> message = {"role": "assistant", "content": "<think>x</think><answer>abnormal</answer>"}
    >>> answer_reward([[message]], task=["anomaly"], answer=["normal"])
    [-1.0]
    """
    return [result.answer for result in _scores(completions, kwargs)]


def joint_reward(completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL reward: format + answer in one call (register this alone, or the two parts).

    Dataset columns: ``task``, ``answer`` (the label), ``log`` (raw input; needed for parsing),
    ``order`` (``reason-first``/``answer-first``; default reason-first).

    >>> joint_reward(["<answer>normal</answer><think>x</think>"], task=["anomaly"],
    ...              answer=["normal"], order=["answer-first"])
    [1.1]
    """
    return [result.total for result in _scores(completions, kwargs)]
