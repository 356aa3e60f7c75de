"""``rlog-train calibrate``: where a model's anomaly scores become flags, fitted on validation data.

A score (``rlog_tui.protocol.scores``) is a probability only in name: a small adapter that leans
to ``normal`` puts nearly every entry below 0.5, so the default threshold flags nothing. The
thresholds that make its scores useful are fitted here, on the anomaly *validation* items: the
fixed fifth of the cold-start set (``rlog/AnomalyDetection_with_reason.json``, labels fixed by
``rlog/anomaly_patch.json``) that training holds out (``rlog_train.data.splits``), never on the
test set, so the test figures stay honest and the thresholds are not fitted to scores the model
learned by heart. Every item goes through the engine the TUI runs,
``ScoreRequest`` and all: the scores fitted are the scores served.

The rule (``fit_thresholds``):

- ``flag_threshold`` is a false-alarm budget: at most ``FALSE_ALARM_SHARE`` (5%, rounded down)
  of the *normal* validation items score at or above it. It sits halfway between the highest
  normal score it lets through unflagged and the next distinct score above it. Why not the
  threshold of best F1: F1 depends on how common anomalies are, and the validation fifth holds a
  third of anomalies (it is enriched so its ROC-AUC rests on 21 of them), ten times what a log on
  call holds; the F1 rule fitted there flagged a third of the A.D. test templates (F1 0.33 at
  8% prevalence). A false-alarm rate does not depend on prevalence, and is what an on-call
  screener is tuned by (the issue's floor: at most 10% of a normal log's lines flagged).
- ``clear_threshold`` is the score below which (almost) no abnormal validation item falls: the
  ``k+1``-th lowest abnormal score with ``k = floor(MISS_SHARE × abnormal items)``, so at most 5% of
  the abnormal items are called ``normal`` outright; never above ``flag_threshold``.

Between the two a template is ``inconclusive``: shown apart, never flagged. The result is written
beside the adapter (``rlog_tui/assets/rlog-270m-lora.calibration.json`` for the shipped one) with
the weights' identities, the scoring prompt's fingerprint, the figures on the calibration set, the
command and the date; the runtime loads it through ``rlog_tui.models.thresholds_for``.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rlog_train.data import Example, load_split, sample
from rlog_train.evaluate.provenance import rlog_commit
from rlog_train.evaluate.runner import open_engine
from rlog_train.metrics import ScoreFigures, score_figures
from rlog_tui.engine import Engine, EngineError, Failed, Scored, ScoreRequest
from rlog_tui.models import choose_model
from rlog_tui.protocol import Task, Thresholds, scoring_fingerprint
from rlog_tui.screening.calibration import (
    Calibration,
    calibration_path,
    identify,
    write_calibration,
)

MISS_SHARE = 0.05
"""Share of abnormal validation items (rounded down) allowed below ``clear_threshold``."""
FALSE_ALARM_SHARE = 0.05
"""Share of normal validation items (rounded down) allowed at or above ``flag_threshold``."""
CALIBRATION_SET = "anomaly/validation"
CALIBRATION_SOURCE = (
    "the held-out fifth of rlog/AnomalyDetection_with_reason.json, labels fixed by "
    "rlog/anomaly_patch.json"
)
RULE = (
    f"flag_threshold: at most floor({FALSE_ALARM_SHARE} x normal items) normal calibration items "
    "score >= t; t halfway between the highest normal score left below it and the next distinct "
    f"score; clear_threshold: the (k+1)-th lowest abnormal score, k = floor({MISS_SHARE} x "
    "abnormal items), at most flag_threshold"
)
PROGRESS_EVERY_S = 30.0

OnScore = Callable[[int, int], None]
"""Called after each item with ``(items scored, items in the run)``."""


def calibration_examples(data_dir: Path | None = None, limit: int | None = None) -> list[Example]:
    """The anomaly validation items (expert label fixes applied), never trained on.

    ``limit`` draws a label-balanced, fixed-seed sample (tests and quick looks; a shipped
    calibration uses every item).
    """
    examples = load_split(Task.ANOMALY, "validation", data_dir)
    return examples if limit is None else sample(examples, limit, seed=0)


def score_examples(
    engine: Engine, examples: Sequence[Example], on_score: OnScore | None = None
) -> list[float]:
    """Each example's anomaly score through the engine (the TUI's path); a failure raises."""
    scores = []
    for index, example in enumerate(examples, start=1):
        request = ScoreRequest(lines=example.lines, instruction=example.instruction)
        result: Scored | None = None
        for event in engine.stream(request):
            if isinstance(event, Failed):
                raise EngineError(f"scoring item {index} failed: {event.message}")
            if isinstance(event, Scored):
                result = event
        if result is None or result.score is None:
            raise EngineError(f"scoring item {index} stopped without a score")
        scores.append(result.score.abnormal)
        if on_score is not None:
            on_score(index, len(examples))
    return scores


def fit_thresholds(
    scores: Sequence[float],
    truths: Sequence[str],
    miss_share: float = MISS_SHARE,
    false_alarm_share: float = FALSE_ALARM_SHARE,
) -> Thresholds:
    """The flag and clear thresholds of the module's rule (needs both labels among ``truths``)."""
    if len(scores) != len(truths):
        raise ValueError(f"{len(scores)} scores for {len(truths)} labels")
    positive = [truth.strip().lower() == "abnormal" for truth in truths]
    n_pos = sum(positive)
    if not n_pos or n_pos == len(positive):
        raise ValueError("calibration needs both abnormal and normal items")
    normal_scores = sorted((s for s, pos in zip(scores, positive, strict=True) if not pos))
    allowed = math.floor(false_alarm_share * len(normal_scores))
    kept_below = normal_scores[len(normal_scores) - 1 - allowed]
    above = [score for score in scores if score > kept_below]
    flag = (kept_below + min(above)) / 2 if above else (kept_below + 1.0) / 2
    abnormal_scores = sorted(s for s, pos in zip(scores, positive, strict=True) if pos)
    clear = abnormal_scores[math.floor(miss_share * n_pos)]
    return Thresholds(flag=flag, clear=min(clear, flag))


@dataclass(frozen=True, slots=True)
class CalibrationRun:
    """What ``calibrate`` did: the calibration written, where, and its figures."""

    calibration: Calibration
    path: Path
    figures: ScoreFigures
    seconds: float


def calibrate(
    model: str | None,
    adapter: str | None,
    *,
    out: Path | None = None,
    threads: int = 0,
    n_ctx: int = 4096,
    data_dir: Path | None = None,
    limit: int | None = None,
    command: str = "rlog-train calibrate",
    on_score: OnScore | None = None,
) -> CalibrationRun:
    """Score the calibration items with one model, fit the thresholds and write the file.

    ``out`` defaults to ``<adapter>.calibration.json`` beside the adapter (beside the model when
    there is none), where the runtime looks for it.
    """
    examples = calibration_examples(data_dir, limit)
    truths = [example.label for example in examples]
    choice = choose_model(model, adapter)
    engine = open_engine(choice, threads=threads, n_ctx=n_ctx)
    started = time.perf_counter()
    try:
        scores = score_examples(engine, examples, on_score)
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    thresholds = fit_thresholds(scores, truths)
    figures = score_figures(scores, truths, thresholds)
    details = {
        "calibration_set": {
            "name": CALIBRATION_SET,
            "source": CALIBRATION_SOURCE,
            "items": len(examples),
            "abnormal": figures.abnormal,
            "limit": limit,
        },
        "figures": figures.as_dict(),
        "rule": RULE,
        "seconds_per_item": round(seconds / max(1, len(examples)), 3),
        "command": command,
        "rlog_commit": rlog_commit(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    calibration = Calibration(
        thresholds=thresholds,
        model=identify(choice.model_path),
        adapter=None if choice.adapter_path is None else identify(choice.adapter_path),
        prompt=scoring_fingerprint(),
        details=details,
    )
    path = out or calibration_path(choice.model_path, choice.adapter_path)
    write_calibration(path, calibration)
    return CalibrationRun(calibration, path, figures, seconds)


class ProgressLines:
    """A plain progress line on stderr now and then: calibration takes minutes on a CPU."""

    def __init__(self, label: str, every_s: float = PROGRESS_EVERY_S) -> None:
        self.label = label
        self.every_s = every_s
        self.started = self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s or done == total:
            self.last = now
            print(
                f"{self.label}: {done}/{total} items, {now - self.started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
