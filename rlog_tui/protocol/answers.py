"""The answer schema of each task: what counts as a valid answer, normalised for scoring.

Anomaly detection answers exactly ``normal`` or ``abnormal`` (case and surrounding whitespace
aside); log parsing answers one template per input line, with ``<*>`` for variables; the
generation tasks answer free text. An answer outside its schema is invalid, and the reward and the
evaluator both treat it as wrong: the TUI shows it, flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlog_tui.protocol.tasks import Task

ANOMALY_LABELS = ("normal", "abnormal")
VARIABLE = "<*>"


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer checked against its task's schema."""

    task: Task
    text: str
    """The normalised answer (``abnormal``, a template, free text)."""
    valid: bool
    problem: str = ""


def check_answer(task: Task, raw: str) -> Answer:
    """Normalise ``raw`` for ``task`` and say whether it fits the task's schema."""
    text = raw.strip()
    if not text:
        return Answer(task, "", False, "empty answer")
    if task is Task.ANOMALY:
        label = text.lower()
        if label in ANOMALY_LABELS:
            return Answer(task, label, True)
        return Answer(task, text, False, "anomaly answer must be exactly 'normal' or 'abnormal'")
    if task is Task.PARSE:
        templates = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        return Answer(task, "\n".join(templates), True)
    return Answer(task, text, True)
