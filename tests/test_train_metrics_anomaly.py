"""Anomaly F1 with abnormal positive; invalid answers are always wrong; ROC-AUC of scores."""

from __future__ import annotations

import pytest

from rlog_train.metrics import anomaly_scores, roc_auc, score_figures
from rlog_tui.protocol import Thresholds

AB, NO = "abnormal", "normal"


def test_invalid_answers_are_fn_or_fp_by_truth():
    answers = ["abnormal", "normal", "normal abnormal", "", "Abnormal\n"]
    truths = ["abnormal", "abnormal", "abnormal", "normal", "normal"]
    scores = anomaly_scores(answers, truths)
    assert (scores.tp, scores.fp, scores.fn, scores.tn, scores.invalid) == (1, 2, 2, 0, 2)
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(1 / 3)
    assert scores.accuracy == pytest.approx(1 / 5)


def test_all_normal_on_all_normal_has_no_f1():
    scores = anomaly_scores(["normal", "normal"], ["normal", "normal"])
    assert (scores.tn, scores.f1, scores.precision, scores.recall) == (2, 0.0, 0.0, 0.0)
    assert scores.accuracy == 1.0


def test_perfect_detection():
    scores = anomaly_scores(["abnormal", "normal"], ["abnormal", "normal"])
    assert scores.f1 == 1.0


def test_lengths_must_match():
    with pytest.raises(ValueError):
        anomaly_scores(["normal"], [])


def test_roc_auc_of_a_perfect_an_inverted_and_a_constant_score():
    truths = [AB, AB, NO, NO, NO]
    assert roc_auc([0.9, 0.8, 0.3, 0.2, 0.1], truths) == 1.0
    assert roc_auc([0.1, 0.2, 0.3, 0.8, 0.9], truths) == 0.0
    assert roc_auc([0.5] * 5, truths) == 0.5


def test_roc_auc_counts_tied_pairs_as_one_half():
    # pairs (abnormal, normal): (0.9, 0.4) 1, (0.9, 0.1) 1, (0.4, 0.4) 1/2, (0.4, 0.1) 1 -> 3.5 / 4
    assert roc_auc([0.9, 0.4, 0.4, 0.1], [AB, AB, NO, NO]) == pytest.approx(0.875)


def test_roc_auc_by_hand_on_an_interleaved_ranking():
    # normal 0.6, 0.75, 0.2: abnormal 0.7 beats 0.6 and 0.2 (2 of 3), 0.5 beats 0.2 (1 of 3),
    # 0.8 beats all three (3 of 3)
    scores = [0.7, 0.6, 0.5, 0.2, 0.8, 0.75]
    truths = [AB, NO, AB, NO, AB, NO]
    assert roc_auc(scores, truths) == pytest.approx((2 + 1 + 3) / 9)


def test_roc_auc_needs_both_labels_and_matching_lengths():
    with pytest.raises(ValueError, match="at least one abnormal and one normal"):
        roc_auc([0.1, 0.2], [NO, NO])
    with pytest.raises(ValueError):
        roc_auc([0.1], [AB, NO])


def test_score_figures_flag_only_at_the_flag_threshold_and_count_the_band():
    scores = [0.9, 0.5, 0.05, 0.7, 0.3, 0.01]
    truths = [AB, AB, AB, NO, NO, NO]
    figures = score_figures(scores, truths, Thresholds(flag=0.6, clear=0.1))
    # flagged: 0.9 (abnormal), 0.7 (normal); inconclusive: 0.5 (abnormal), 0.3 (normal)
    at = figures.at_flag
    assert (at.tp, at.fp, at.fn, at.tn) == (1, 1, 2, 2)
    assert (figures.inconclusive, figures.inconclusive_abnormal, figures.cleared_abnormal) == (
        2,
        1,
        1,
    )
    assert figures.as_dict()["flagged"] == 2 and figures.as_dict()["f1"] == 0.4
