"""Anomaly-detection metrics: precision, recall and F1 with ``abnormal`` as the positive class.

Answers are normalised by the protocol's ``check_answer`` (the same rule the reward uses). An
answer outside the schema (``"normal abnormal"``, ``"abnormal."``, empty) is never right: it is
neither a true positive nor a true negative, so it counts as a false negative when the truth is
abnormal and a false positive when the truth is normal. Treating it as "normal" instead would
reward a model for answering garbage on the 95% normal majority.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rlog_tui.protocol import Task, check_answer

POSITIVE = "abnormal"


@dataclass(frozen=True, slots=True)
class AnomalyScores:
    """Confusion counts and the scores derived from them (0..1)."""

    tp: int
    fp: int
    fn: int
    tn: int
    invalid: int
    """Answers outside the schema, already counted among ``fp``/``fn``."""

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 0.0 when nothing was flagged."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 0.0 when there is nothing abnormal to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall; 0.0 without a true positive."""
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    @property
    def accuracy(self) -> float:
        """Share of answers that were right."""
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0


def anomaly_scores(answers: Sequence[str], truths: Sequence[str]) -> AnomalyScores:
    """Score raw answers (as the model wrote them inside ``<answer>``) against true labels."""
    if len(answers) != len(truths):
        raise ValueError(f"{len(answers)} answers for {len(truths)} labels")
    tp = fp = fn = tn = invalid = 0
    for raw, truth in zip(answers, truths, strict=True):
        answer = check_answer(Task.ANOMALY, raw)
        abnormal = truth.strip().lower() == POSITIVE
        if not answer.valid:
            invalid += 1
            fn, fp = (fn + 1, fp) if abnormal else (fn, fp + 1)
        elif answer.text == POSITIVE:
            tp, fp = (tp + 1, fp) if abnormal else (tp, fp + 1)
        else:
            fn, tn = (fn + 1, tn) if abnormal else (fn, tn + 1)
    return AnomalyScores(tp=tp, fp=fp, fn=fn, tn=tn, invalid=invalid)
