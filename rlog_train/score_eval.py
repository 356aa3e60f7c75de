"""``rlog-train eval-scores``: anomaly scores on the A.D. test sample, beside a keyword baseline.

The sample is the one ``rlog-train eval --tasks anomaly --limit N --seed S`` draws (``build_sets``
with the same options: label-balanced per system, leaked items dropped), so the figures sit beside
the README's generated-label F1 on the same items. Each item is scored through the engine
(``ScoreRequest``, as the screener does) and labelled with the model's calibrated thresholds
(``models.thresholds_for``; the default 0.5 when it has none): ROC-AUC needs no threshold, F1,
precision and recall count what the TUI flags.

The baseline is what a grep would do: ``rlog_tui.source.formats.levels.detect_level`` at ERROR or
above (ERROR, FATAL, CRIT, exception, failed …) is abnormal. Its AUC ranks items by that level
(UNKNOWN < DEBUG < INFO < WARNING < ERROR < FATAL), ties counted half.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlog_train.calibrate import OnScore, score_examples
from rlog_train.data import Example
from rlog_train.evaluate.provenance import file_identity, now_iso
from rlog_train.evaluate.runner import open_engine
from rlog_train.evaluate.suite import EvalOptions, build_sets
from rlog_train.metrics import ScoreFigures, score_figures
from rlog_tui.models import choose_model, thresholds_for
from rlog_tui.protocol import Task, Thresholds
from rlog_tui.source.formats.levels import Level, detect_level

KEYWORD_THRESHOLDS = Thresholds(flag=Level.ERROR / Level.FATAL, clear=Level.ERROR / Level.FATAL)
"""The keyword score is the level over FATAL: ERROR and above flag, no band."""


def keyword_score(text: str) -> float:
    """The level-keyword baseline as a score: 0 (no level word) … 1 (FATAL)."""
    return detect_level(text) / Level.FATAL


@dataclass(frozen=True, slots=True)
class ScoreEvaluation:
    """Model and baseline figures on one sample, with what produced them."""

    model: ScoreFigures
    baseline: ScoreFigures
    thresholds: Thresholds
    thresholds_origin: str
    items: list[dict[str, Any]]
    config: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(
            {
                "config": self.config,
                "thresholds": {
                    "flag": self.thresholds.flag,
                    "clear": self.thresholds.clear,
                    "origin": self.thresholds_origin,
                },
                "model": self.model.as_dict(),
                "level_keyword_baseline": self.baseline.as_dict(),
                "items": self.items,
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_markdown(self) -> str:
        header = "| scorer | n (abnormal) | ROC-AUC | F1 | precision | recall | flagged | "
        header += "inconclusive (abnormal) |"
        rows = [header, "|---|---|---|---|---|---|---|---|"]
        for name, figures in (
            (f"model, {self.thresholds.describe()}", self.model),
            ("level keywords (ERROR and above)", self.baseline),
        ):
            rows.append(
                f"| {name} | {figures.n} ({figures.abnormal}) | {figures.roc_auc:.3f} | "
                f"{figures.at_flag.f1:.3f} | {figures.at_flag.precision:.3f} | "
                f"{figures.at_flag.recall:.3f} | {figures.at_flag.tp + figures.at_flag.fp} | "
                f"{figures.inconclusive} ({figures.inconclusive_abnormal}) |"
            )
        return "\n".join([f"thresholds: {self.thresholds_origin}", "", *rows])


def anomaly_test_sample(
    limit: int | None, seed: int, data_dir: Path | None = None
) -> list[Example]:
    """The A.D. test items ``rlog-train eval --tasks anomaly --limit N --seed S`` evaluates."""
    options = EvalOptions(tasks=(Task.ANOMALY,), limit=limit, seed=seed, data_dir=data_dir)
    (anomaly_set,) = build_sets(options)
    return anomaly_set.examples


def evaluate_scores(
    model: str | None,
    adapter: str | None,
    *,
    limit: int | None = 50,
    seed: int = 0,
    threads: int = 0,
    n_ctx: int = 4096,
    data_dir: Path | None = None,
    on_score: OnScore | None = None,
) -> ScoreEvaluation:
    """Score the test sample with one model and the keyword baseline; figures for both."""
    examples = anomaly_test_sample(limit, seed, data_dir)
    truths = [example.label for example in examples]
    choice = choose_model(model, adapter)
    chosen = thresholds_for(choice)
    engine = open_engine(choice, threads=threads, n_ctx=n_ctx)
    started = time.perf_counter()
    try:
        scores = score_examples(engine, examples, on_score)
        description = engine.description
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    baseline_scores = [keyword_score(example.input) for example in examples]
    items = [
        {
            "input": example.input,
            "system": example.system,
            "label": example.label,
            "score": round(score, 6),
            "verdict": chosen.thresholds.label(score),
            "keyword_level": detect_level(example.input).name,
        }
        for example, score in zip(examples, scores, strict=True)
    ]
    config = {
        "set": "anomaly/test",
        "limit": limit,
        "seed": seed,
        "model_description": description,
        "model": file_identity(choice.model_path),
        "adapter": file_identity(choice.adapter_path),
        "seconds_per_item": round(seconds / max(1, len(examples)), 3),
        "date": now_iso(),
    }
    return ScoreEvaluation(
        model=score_figures(scores, truths, chosen.thresholds),
        baseline=score_figures(baseline_scores, truths, KEYWORD_THRESHOLDS),
        thresholds=chosen.thresholds,
        thresholds_origin=chosen.origin,
        items=items,
        config=config,
    )
