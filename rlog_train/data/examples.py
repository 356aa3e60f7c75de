"""The one example type every loader returns, and its rendering into prompts and targets.

Training targets and prompts are produced only through ``rlog_tui.protocol`` ("train what you
serve"): the answer-first rewrite of R-Log-fast is the protocol's ``target_text`` with the blocks
swapped, never a string edit of the reason-first target.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlog_train.data.short_reason import short_reason
from rlog_tui.protocol import (
    DEFAULT_FORMAT,
    OutputOrder,
    Prompt,
    PromptFormat,
    Task,
    build_prompt,
    target_text,
)


@dataclass(frozen=True, slots=True)
class Example:
    """One (log → reasoning, answer) item of any task, from any source.

    ``label`` is the answer Y (a template, ``normal``/``abnormal``, or free text); ``reasoning`` is
    the think text R, present only in the cold-start set. ``source`` names where the item came from
    (``rlog/logParsing``, ``loghub/HDFS`` …); ``system`` is the Loghub system of a parsing item or
    ``BGL``/``Spirit`` for anomaly detection, and drives stratified sampling.
    """

    task: Task
    instruction: str
    input: str
    label: str
    reasoning: str | None
    source: str
    system: str | None = None

    @property
    def lines(self) -> list[str]:
        """The input as the log lines a prompt carries (fenced inputs keep their fences)."""
        return self.input.splitlines() or [self.input]


def to_target(example: Example, order: OutputOrder) -> str:
    """The completion a model should write for ``example`` in ``order`` (cold-start target).

    Reason-first carries R-Log's whole trajectory; answer-first the label, then the short reason
    citing `L<n>` that ``short_reason`` builds from the same item (small models' default).
    """
    if example.reasoning is None:
        raise ValueError(
            f"{example.source} example has no reasoning: only the cold-start set can be a target"
        )
    if order is OutputOrder.ANSWER_FIRST:
        reason = short_reason(example.task, example.lines, example.label, example.reasoning)
        return target_text(order, reason, example.label)
    return target_text(order, example.reasoning, example.label)


def to_prompt(example: Example, order: OutputOrder, fmt: PromptFormat = DEFAULT_FORMAT) -> Prompt:
    """The prompt the served model would receive for ``example``, with the example's instruction."""
    return build_prompt(example.task, example.lines, order, fmt, instruction=example.instruction)
