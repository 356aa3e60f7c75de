"""Per-set figures from the scored records; every metric comes from ``rlog_train.metrics``.

- L.P.: mean token-level template F1, PA and GA, per system and as the macro average over systems
  (LogLM's 0.965 is the average over the 7 seen systems). GA on a sample groups only the sampled
  lines, so it is comparable between runs of one sample size, not with a full-split GA.
- A.D.: precision, recall and F1 with ``abnormal`` positive, per system (BGL, Spirit) and overall,
  with the confusion counts (a small sample may hold no abnormal template at all: F1 is then 0).
- Generation tasks: mean BLEU-4 and ROUGE-1/2/L (×100) over the examples.
- Every set: format-OK and answer-valid rates, median and p90 time to answer (over the responses
  that closed their answer block, with how many did), and decode speed in tokens per second
  (completion tokens after the first over the time after the first, summed over examples).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from rlog_train.evaluate.records import ExampleRecord
from rlog_train.metrics import (
    anomaly_scores,
    grouping_accuracy,
    normalise_template,
    overlap_scores,
    parsing_accuracy,
    template_f1,
)
from rlog_tui.protocol import TASKS, Task


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _quantile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank quantile: no interpolation, so a p90 is a time some example really took."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return round(ordered[rank], 4)


def _by_system(records: Sequence[ExampleRecord]) -> dict[str, list[ExampleRecord]]:
    groups: dict[str, list[ExampleRecord]] = defaultdict(list)
    for record in records:
        groups[record.system or "-"].append(record)
    return dict(sorted(groups.items()))


def _answer_or_empty(record: ExampleRecord) -> str:
    return record.answer if record.answer_valid else ""


def _grouping_accuracy(group: Sequence[ExampleRecord]) -> float:
    """GA where a line without a valid answer is never correctly grouped.

    Each such line gets a template of its own (so it cannot merge with, and inflate, another
    group); it would then count as correct whenever its true group is a singleton of the sample,
    so those lines are taken back out.
    """
    truth = [normalise_template(r.label) for r in group]
    predicted = [
        normalise_template(r.answer) if r.answer_valid else f"\x00no answer {i}"
        for i, r in enumerate(group)
    ]
    truth_sizes = Counter(truth)
    lucky = sum(
        not r.answer_valid and truth_sizes[t] == 1 for r, t in zip(group, truth, strict=True)
    )
    return grouping_accuracy(truth, predicted) - lucky / len(group)


def parsing_figures(records: Sequence[ExampleRecord]) -> dict[str, Any]:
    """Token F1, PA and GA per system and their macro averages over the systems present."""
    per_system = {}
    for system, group in _by_system(records).items():
        answers = [_answer_or_empty(r) for r in group]
        labels = [r.label for r in group]
        f1 = [
            template_f1(r.input, answer, r.label) if answer else 0.0
            for r, answer in zip(group, answers, strict=True)
        ]
        per_system[system] = {
            "n": len(group),
            "token_f1": _mean(f1),
            "pa": round(parsing_accuracy(labels, answers), 4),
            "ga": round(_grouping_accuracy(group), 4),
        }
    systems = list(per_system.values())
    return {
        "token_f1": _mean([s["token_f1"] for s in systems]),
        "pa": _mean([s["pa"] for s in systems]),
        "ga": _mean([s["ga"] for s in systems]),
        "token_f1_micro": _mean([r.metric["token_f1"] for r in records]),
        "systems": per_system,
    }


def _anomaly_block(group: Sequence[ExampleRecord]) -> dict[str, Any]:
    scores = anomaly_scores([r.answer for r in group], [r.label for r in group])
    return {
        "n": len(group),
        "abnormal": scores.tp + scores.fn,
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
        "accuracy": round(scores.accuracy, 4),
        "tp": scores.tp,
        "fp": scores.fp,
        "fn": scores.fn,
        "tn": scores.tn,
        "invalid": scores.invalid,
    }


def anomaly_figures(records: Sequence[ExampleRecord]) -> dict[str, Any]:
    """Precision / recall / F1 (abnormal positive) overall and per system."""
    overall = _anomaly_block(records)
    overall["systems"] = {
        system: _anomaly_block(group) for system, group in _by_system(records).items()
    }
    return overall


def generation_figures(records: Sequence[ExampleRecord]) -> dict[str, Any]:
    """Mean BLEU-4 and ROUGE-1/2/L (×100) of the answers against the references."""
    scores = [overlap_scores(r.label, _answer_or_empty(r)) for r in records]
    return {
        "bleu4": _mean([s.bleu4 for s in scores]),
        "rouge1": _mean([s.rouge1 for s in scores]),
        "rouge2": _mean([s.rouge2 for s in scores]),
        "rouge_l": _mean([s.rouge_l for s in scores]),
    }


def speed_figures(records: Sequence[ExampleRecord]) -> dict[str, Any]:
    """Form rates, latency quantiles and decode speed of one set."""
    answered = [r.time_to_answer for r in records if r.time_to_answer is not None]
    decode_tokens = sum(max(0, r.completion_tokens - 1) for r in records)
    decode_time = sum(
        r.total_time - (r.time_to_first_token or 0.0) for r in records if r.completion_tokens > 1
    )
    n = len(records)
    return {
        "format_ok_rate": round(sum(r.format_ok for r in records) / n, 4) if n else None,
        "answer_valid_rate": round(sum(r.answer_valid for r in records) / n, 4) if n else None,
        "mean_reward": _mean([r.reward["total"] for r in records]),
        "answered": len(answered),
        "time_to_answer_median_s": _quantile(answered, 0.5),
        "time_to_answer_p90_s": _quantile(answered, 0.9),
        "time_to_first_token_median_s": _quantile(
            [r.time_to_first_token for r in records if r.time_to_first_token is not None], 0.5
        ),
        "total_time_median_s": _quantile([r.total_time for r in records], 0.5),
        "prompt_tokens_mean": _mean([r.prompt_tokens for r in records]),
        "completion_tokens_mean": _mean([r.completion_tokens for r in records]),
        "decode_tokens_per_s": round(decode_tokens / decode_time, 2) if decode_time > 0 else None,
    }


def set_figures(task: Task, records: Sequence[ExampleRecord]) -> dict[str, Any]:
    """All figures of one set: the task's metrics plus form and speed (just ``n`` when empty)."""
    if not records:
        return {"n": 0}
    if task is Task.PARSE:
        quality = parsing_figures(records)
    elif task is Task.ANOMALY:
        quality = anomaly_figures(records)
    elif TASKS[task].generative:
        quality = generation_figures(records)
    else:  # pragma: no cover - every task is one of the above
        raise ValueError(f"no metric for task {task.value!r}")
    return {"n": len(records), **quality, **speed_figures(records)}
