"""The five R-Log tasks and the instruction each one sends.

The default instructions are the ones R-Log's cold-start data uses (the ``instruction`` field of
``rlog/*_with_reason.json``): parsing and anomaly detection have a single fixed wording; for the
three generation tasks the most common wording of the training set is the default, and a caller
(the trainer) passes an example's own instruction instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rlog_tui.errors import UsageError


class Task(StrEnum):
    """A log-analysis task, named as a user types it on the command line."""

    PARSE = "parse"
    ANOMALY = "anomaly"
    INTERPRET = "interpret"
    ROOT_CAUSE = "root-cause"
    SOLUTION = "solution"


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a task asks and how its answer is judged."""

    task: Task
    title: str
    short: str
    instruction: str
    generative: bool
    """True for free-text answers (interpretation, root cause, solution): scored with BLEU/ROUGE."""


TASKS: dict[Task, TaskSpec] = {
    spec.task: spec
    for spec in (
        TaskSpec(
            Task.PARSE,
            "Log parsing",
            "L.P.",
            "Convert the following logs into standardized templates by identifying and "
            "replacing the variable parts with a <*>.",
            generative=False,
        ),
        TaskSpec(
            Task.ANOMALY,
            "Anomaly detection",
            "A.D.",
            "Classify the given log entries into normal and abnormal categories.",
            generative=False,
        ),
        TaskSpec(
            Task.INTERPRET,
            "Log interpretation",
            "L.I.",
            "Interpret the given log and explain its content.",
            generative=True,
        ),
        TaskSpec(
            Task.ROOT_CAUSE,
            "Root cause analysis",
            "R.C.",
            "Identify the root cause of the error in the log.",
            generative=True,
        ),
        TaskSpec(
            Task.SOLUTION,
            "Solution recommendation",
            "S.R.",
            "Provide a solution to resolve the log error.",
            generative=True,
        ),
    )
}


def task_from_name(name: str) -> Task:
    """Resolve a user-typed task name (``anomaly``, ``root_cause``, ``rc``, ``A.D.`` …)."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    aliases = {
        "lp": Task.PARSE,
        "l.p.": Task.PARSE,
        "parsing": Task.PARSE,
        "log-parsing": Task.PARSE,
        "ad": Task.ANOMALY,
        "a.d.": Task.ANOMALY,
        "anomaly-detection": Task.ANOMALY,
        "li": Task.INTERPRET,
        "l.i.": Task.INTERPRET,
        "interpretation": Task.INTERPRET,
        "log-interpretation": Task.INTERPRET,
        "rc": Task.ROOT_CAUSE,
        "r.c.": Task.ROOT_CAUSE,
        "rca": Task.ROOT_CAUSE,
        "rootcause": Task.ROOT_CAUSE,
        "root-cause-analysis": Task.ROOT_CAUSE,
        "sr": Task.SOLUTION,
        "s.r.": Task.SOLUTION,
        "solution-recommendation": Task.SOLUTION,
    }
    if key in aliases:
        return aliases[key]
    try:
        return Task(key)
    except ValueError:
        names = ", ".join(t.value for t in Task)
        raise UsageError(f"unknown task {name!r}: choose one of {names}") from None


def parse_task_list(text: str | Sequence[str] | None) -> tuple[Task, ...]:
    """``--tasks``: ``all`` (or None) or a comma list of task names or aliases, in ``Task`` order.

    Every command that takes a list of tasks (``rlog-train eval``/``sft``/``grpo``,
    ``rlog-quantize verify``) reads it here; an empty or unknown name is a ``UsageError``.
    """
    if text is None:
        return tuple(Task)
    names = [text] if isinstance(text, str) else list(text)
    parts = [part.strip() for name in names for part in name.split(",") if part.strip()]
    if not parts:
        raise UsageError("no task given: use --tasks all or e.g. --tasks parse,anomaly")
    if any(part.lower() == "all" for part in parts):
        return tuple(Task)
    chosen = {task_from_name(part) for part in parts}
    return tuple(task for task in Task if task in chosen)
