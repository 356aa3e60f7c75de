"""A wall-clock guard for the GPU run: every stage ends before the call's limit kills it.

Why: the device call is killed at its limit and a killed run returns only what it had already
written to ``$OUT``. So the run gets a deadline (seconds since the epoch, set by the call's
command line at its very start), each stage gets a share of what is left, and training stops at
its share through a ``TrainerCallback``: after a step, when the next step (as long as the slowest
so far) would cross the stage's end, it asks the trainer to stop, which then saves as usual.

The trainers (``rlog_train.sft.train_sft``, ``rlog_train.grpo.train_grpo``) take no callbacks; they
attach ``metrics_callback(path)``. ``guarding`` swaps that factory, in those two modules only and
only inside its ``with`` block, for one that returns the metrics writer extended with the guard.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def guard_callback(clock: StageClock, metrics_writer: Any) -> Any:
    """The metrics writer, extended to stop training when the next step would not fit."""
    base = type(metrics_writer)

    class GuardedMetrics(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.__dict__.update(metrics_writer.__dict__)
            self._step_started = time.time()

        def on_step_begin(self, args, state, control, **kwargs):  # type: ignore[override]
            self._step_started = time.time()

        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[override]
            clock.step_seconds.append(time.time() - self._step_started)
            if not clock.another_step_fits():
                clock.stopped_early = True
                control.should_training_stop = True
            return control

    return GuardedMetrics()


@contextmanager
def guarding(clock: StageClock) -> Iterator[StageClock]:
    """Within the block, SFT and GRPO runs stop in time for ``clock``."""
    import rlog_train.grpo
    import rlog_train.sft

    modules = (rlog_train.sft, rlog_train.grpo)
    originals = [module.metrics_callback for module in modules]

    def guarded_factory(path: Any, factory: Any) -> Any:
        return guard_callback(clock, factory(path))

    try:
        for module, original in zip(modules, originals, strict=True):
            module.metrics_callback = lambda path, original=original: guarded_factory(
                path, original
            )
        yield clock
    finally:
        for module, original in zip(modules, originals, strict=True):
            module.metrics_callback = original
