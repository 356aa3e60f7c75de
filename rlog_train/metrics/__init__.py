"""Metrics of the five tasks, pure Python, shared by the reward and the evaluator."""

from rlog_train.metrics.anomaly import (
    AnomalyScores,
    ScoreFigures,
    anomaly_scores,
    roc_auc,
    score_figures,
)
from rlog_train.metrics.parsing import (
    f1_grouping_accuracy,
    grouping_accuracy,
    normalise_template,
    parsing_accuracy,
    template_f1,
    token_classes,
)
from rlog_train.metrics.text_overlap import (
    OverlapScores,
    bleu4,
    lcs_length,
    overlap_scores,
    rouge_l,
    rouge_n,
)

__all__ = [
    "AnomalyScores",
    "OverlapScores",
    "ScoreFigures",
    "anomaly_scores",
    "bleu4",
    "f1_grouping_accuracy",
    "grouping_accuracy",
    "lcs_length",
    "normalise_template",
    "overlap_scores",
    "parsing_accuracy",
    "roc_auc",
    "rouge_l",
    "rouge_n",
    "score_figures",
    "template_f1",
    "token_classes",
]
