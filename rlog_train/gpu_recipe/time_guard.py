"""A wall-clock guard for the GPU run: every stage ends before the call's limit kills it.

Why: the device call is killed at its limit and a killed run returns only what it had already
written to ``$OUT``. So the run gets a deadline (seconds since the epoch, set by the call's
command line at its very start), each stage gets a share of what is left, and training stops at
its share through a ``TrainerCallback``: after a step, when the next step (as long as the slowest
so far) would cross the stage's end, it asks the trainer to stop, which then saves as usual.

Both trainers (``rlog_train.sft.train_sft``, ``rlog_train.grpo.train_grpo``) take extra
callbacks: the guard is passed as one (``stop_in_time``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StageClock:
    """Until when a stage may run, and how long its steps took."""

    name: str
    ends_at: float
    """``time.time()`` at which the stage must be over."""
    step_seconds: list[float] = field(default_factory=list)
    stopped_early: bool = False

    def left(self) -> float:
        """Seconds until the stage's end (negative once past it)."""
        return self.ends_at - time.time()

    def another_step_fits(self) -> bool:
        """Whether one more step as slow as the slowest so far ends before the stage does."""
        slowest = max(self.step_seconds, default=0.0)
        return self.left() > slowest


def stop_in_time(clock: StageClock) -> Any:
    """A ``TrainerCallback`` that times each step and stops training when the next would not fit."""
    from transformers import TrainerCallback

    class StopInTime(TrainerCallback):
        def __init__(self) -> None:
            self._step_started = time.time()

        def on_step_begin(self, args, state, control, **kwargs):  # type: ignore[override]
            self._step_started = time.time()

        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[override]
            clock.step_seconds.append(time.time() - self._step_started)
            if not clock.another_step_fits():
                clock.stopped_early = True
                control.should_training_stop = True
            return control

    return StopInTime()
