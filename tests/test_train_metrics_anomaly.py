"""Anomaly F1 with abnormal positive; invalid answers are always wrong."""

from __future__ import annotations

import pytest

from rlog_train.metrics import anomaly_scores


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
