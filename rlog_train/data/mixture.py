"""What a training run sees: per-task caps (a replay share) and repeated anomalies.

A second stage that teaches one task more (anomaly detection, whose abnormal items are a fifth of
its set and which a first stage under-learned) must not forget the others: it replays a capped,
fixed-seed sample of them (``task_limits``) and shows each abnormal item ``abnormal_repeat`` times,
which weighs the rare class up without inventing items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rlog_train.data.examples import Example
from rlog_train.data.splits import sample
from rlog_tui.errors import UsageError
from rlog_tui.protocol import Task, task_from_name


def mixture(
    examples: Sequence[Example],
    task_limits: Mapping[str, int] | None = None,
    abnormal_repeat: int = 1,
    seed: int = 0,
) -> list[Example]:
    """``examples`` with each named task capped at its limit, abnormal A.D. items repeated."""
    if abnormal_repeat < 1:
        raise UsageError(f"abnormal_repeat must be at least 1, got {abnormal_repeat}")
    limits = {task_from_name(name): int(n) for name, n in (task_limits or {}).items()}
    if any(n < 0 for n in limits.values()):
        raise UsageError("task_limits must not be negative")
    chosen: list[Example] = []
    for task in dict.fromkeys(example.task for example in examples):
        of_task = [example for example in examples if example.task is task]
        chosen += sample(of_task, limits[task], seed) if task in limits else of_task
    return [
        example for example in chosen for _ in range(abnormal_repeat if _is_anomaly(example) else 1)
    ]


def _is_anomaly(example: Example) -> bool:
    return example.task is Task.ANOMALY and example.label == "abnormal"
