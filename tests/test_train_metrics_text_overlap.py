"""BLEU-4 and ROUGE-1/2/L on whitespace tokens, against hand-computed values."""

from __future__ import annotations

import math
import random

import pytest

from rlog_train.metrics import bleu4, lcs_length, overlap_scores, rouge_l, rouge_n

REF = "the cat sat on the mat"
HYP = "the cat sat on a mat"


def test_bleu4_is_the_geometric_mean_of_clipped_precisions():
    # p1 = 5/6, p2 = 3/5, p3 = 2/4, p4 = 1/3, equal lengths: no brevity penalty
    expected = 100 * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25
    assert bleu4(REF, HYP) == pytest.approx(expected)


def test_bleu4_brevity_penalty():
    assert bleu4(REF, "the cat sat on") == pytest.approx(100 * math.exp(1 - 6 / 4))


def test_bleu4_is_zero_without_a_four_gram_match_or_for_short_answers():
    assert bleu4(REF, "the mat sat cat") == 0.0
    assert bleu4(REF, "the cat sat") == 0.0
    assert bleu4(REF, "") == 0.0
    assert bleu4(REF, REF) == pytest.approx(100)


def test_rouge_scores():
    assert rouge_n(REF, HYP, 1) == pytest.approx(100 * 5 / 6)
    assert rouge_n(REF, HYP, 2) == pytest.approx(60)
    assert rouge_l(REF, HYP) == pytest.approx(100 * 5 / 6)
    # precision 1, recall 4/6
    assert rouge_n(REF, "the cat sat on", 1) == pytest.approx(80)
    assert rouge_l(REF, "mat the") == pytest.approx(100 * 2 * (1 / 2 * 1 / 6) / (1 / 2 + 1 / 6))


def test_tokens_are_whitespace_split_and_case_sensitive():
    assert rouge_n("Disk full.", "disk full", 1) == 0.0
    assert rouge_n("a\n b\tc", "a b c", 1) == pytest.approx(100)


def test_rouge_clips_repeated_tokens():
    # hypothesis "the the the": one match against one "the" in "the cat"
    assert rouge_n("the cat", "the the the", 1) == pytest.approx(
        100 * 2 * (1 / 3 * 1 / 2) / (5 / 6)
    )


def _lcs_table(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]


def test_bit_parallel_lcs_matches_the_textbook_table():
    rng = random.Random(7)
    for _ in range(300):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 25))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 25))]
        assert lcs_length(a, b) == _lcs_table(a, b)


def test_overlap_scores_sum_and_bounded_time_on_long_hypothesis():
    scores = overlap_scores(REF, REF)
    assert scores.total == pytest.approx(400)
    long = overlap_scores(" ".join(["word"] * 300), "word other " * 20_000)
    assert 0.0 <= long.total <= scores.total
