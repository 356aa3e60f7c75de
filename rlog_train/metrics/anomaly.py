"""Anomaly-detection metrics: precision, recall and F1 with ``abnormal`` as the positive class.

Answers are normalised by the protocol's ``check_answer`` (the same rule the reward uses). An
answer outside the schema (``"normal abnormal"``, ``"abnormal."``, empty) is never right: it is
neither a true positive nor a true negative, so it counts as a false negative when the truth is
abnormal and a false positive when the truth is normal. Treating it as "normal" instead would
reward a model for answering garbage on the 95% normal majority.

Scores (``rlog_tui.protocol.scores``: P(abnormal) per item) are judged threshold-free by
``roc_auc`` and at a threshold by ``anomaly_scores`` over the labels the thresholds give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rlog_tui.protocol import Task, Thresholds, check_answer

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


def roc_auc(scores: Sequence[float], truths: Sequence[str]) -> float:
    """Area under the ROC curve: P(a random abnormal item scores above a random normal one).

    Ties count one half (the Mann-Whitney U statistic over average ranks), so a constant score
    gives 0.5 and a score that orders every abnormal item above every normal one gives 1.0.
    Needs both classes among ``truths``.
    """
    if len(scores) != len(truths):
        raise ValueError(f"{len(scores)} scores for {len(truths)} labels")
    positive = [truth.strip().lower() == POSITIVE for truth in truths]
    n_pos = sum(positive)
    n_neg = len(positive) - n_pos
    if not n_pos or not n_neg:
        raise ValueError("ROC-AUC needs at least one abnormal and one normal item")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        stop = start
        while stop + 1 < len(order) and scores[order[stop + 1]] == scores[order[start]]:
            stop += 1
        average = (start + stop) / 2 + 1  # 1-based average rank of the tied run
        for index in order[start : stop + 1]:
            ranks[index] = average
        start = stop + 1
    positive_ranks = sum(rank for rank, is_pos in zip(ranks, positive, strict=True) if is_pos)
    return (positive_ranks - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


@dataclass(frozen=True, slots=True)
class ScoreFigures:
    """How scores do on a labelled set: threshold-free (AUC) and at a pair of thresholds.

    ``at_flag`` counts what the TUI flags (``score >= flag``) as abnormal and everything else,
    inconclusive included, as normal: inconclusive items are shown, never flagged.
    """

    n: int
    abnormal: int
    roc_auc: float
    at_flag: AnomalyScores
    inconclusive: int
    inconclusive_abnormal: int
    cleared_abnormal: int
    """Abnormal items scored below ``clear``: called normal outright."""

    def as_dict(self) -> dict[str, Any]:
        """Flat JSON-ready figures, rounded to 4 places."""
        record: dict[str, Any] = {
            key: value for key, value in asdict(self).items() if key != "at_flag"
        }
        record["roc_auc"] = round(self.roc_auc, 4)
        record.update(
            f1=round(self.at_flag.f1, 4),
            precision=round(self.at_flag.precision, 4),
            recall=round(self.at_flag.recall, 4),
            flagged=self.at_flag.tp + self.at_flag.fp,
            true_positives=self.at_flag.tp,
        )
        return record


def score_figures(
    scores: Sequence[float], truths: Sequence[str], thresholds: Thresholds
) -> ScoreFigures:
    """ROC-AUC of ``scores`` and the confusion counts of the labels ``thresholds`` give them."""
    labels = [thresholds.label(score) for score in scores]
    abnormal = [truth.strip().lower() == POSITIVE for truth in truths]
    flagged = [POSITIVE if label == POSITIVE else "normal" for label in labels]
    labels_of_abnormal = [label for label, pos in zip(labels, abnormal, strict=True) if pos]
    return ScoreFigures(
        n=len(scores),
        abnormal=sum(abnormal),
        roc_auc=roc_auc(scores, truths),
        at_flag=anomaly_scores(flagged, truths),
        inconclusive=labels.count("inconclusive"),
        inconclusive_abnormal=labels_of_abnormal.count("inconclusive"),
        cleared_abnormal=labels_of_abnormal.count("normal"),
    )
