"""Token-level template F1 over the raw log, GA, PA and FGA, on hand-computed cases."""

from __future__ import annotations

import pytest

from rlog_train.metrics import parsing

HDFS = "PacketResponder 1 for block blk_38865 terminating"
HDFS_TRUTH = "PacketResponder <*> for block blk_<*> terminating"


def test_tokens_covered_by_a_wildcard_are_variable():
    assert parsing.token_classes(HDFS, HDFS_TRUTH) == [False, True, False, False, True, False]


def test_perfect_template_scores_one():
    assert parsing.template_f1(HDFS, HDFS_TRUTH, HDFS_TRUTH) == 1.0


def test_missed_variable_costs_recall():
    # variable tokens: truth {1, 4}, predicted {4}: TP 1, FN 1 -> 2/3
    assert parsing.template_f1(HDFS, "PacketResponder 1 for block <*> terminating", HDFS_TRUTH) == (
        pytest.approx(2 / 3)
    )


def test_everything_variable_costs_precision():
    # predicted all 6 variable: TP 2, FP 4 -> 4/8
    assert parsing.template_f1(HDFS, "<*>", HDFS_TRUTH) == pytest.approx(0.5)


def test_copying_the_log_finds_no_variable():
    assert parsing.template_f1(HDFS, HDFS, HDFS_TRUTH) == 0.0


def test_prefix_wildcard_and_bare_wildcard_agree_on_the_token():
    # Loghub's original `blk_<*>` vs the corrected `<*>`: the raw token is variable under both.
    assert (
        parsing.template_f1(HDFS, "PacketResponder <*> for block <*> terminating", HDFS_TRUTH)
        == 1.0
    )


def test_constant_class_is_scored_when_truth_has_no_variable():
    # truth: 4 constants; predicted 3 constants: TP 3, FN 1 -> 6/7
    log = "data TLB error interrupt"
    assert parsing.template_f1(log, "data <*> error interrupt", log) == pytest.approx(6 / 7)


def test_repeated_token_is_aligned_as_intended():
    assert parsing.token_classes("a a b", "a <*> b") == [False, True, False]


def test_inserted_word_in_prediction_does_not_shift_the_alignment():
    log = "Connection closed by 10.0.0.1"
    truth = "Connection closed by <*>"
    assert parsing.template_f1(log, "Connection was closed by <*>", truth) == 1.0


def test_dropped_word_counts_as_not_constant():
    log = "Connection closed by 10.0.0.1"
    # "closed" unexplained -> variable: TP 1, FP 1 -> 2/3
    assert parsing.template_f1(
        log, "Connection by <*>", "Connection closed by <*>"
    ) == pytest.approx(2 / 3)


def test_multi_line_logs_are_scored_line_by_line():
    log = "open a.txt\nclose b.txt"
    truth = "open <*>\nclose <*>"
    assert parsing.template_f1(log, truth, truth) == 1.0
    # second line wrong: TP 1, FN 1 -> 2/3
    assert parsing.template_f1(log, "open <*>\nclose b.txt", truth) == pytest.approx(2 / 3)


def test_empty_log():
    assert parsing.template_f1("", "", "") == 1.0
    assert parsing.template_f1("   ", "x", "") == 0.0


def test_adversarially_long_template_is_scored():
    """Completes (its cost is linear: see bench/) and scores between 0 and 1."""
    score = parsing.template_f1(HDFS, "<*>x<*>x " * 200_000, HDFS_TRUTH)
    assert 0.0 <= score <= 1.0


def test_parsing_accuracy_normalises_spaces_and_adjacent_wildcards():
    truth = ["a <*> b", "x  <*>", "p <*><*> q", "u <*>"]
    predicted = ["a <*> b", "x <*> ", "p <*> q", "u v"]
    assert parsing.parsing_accuracy(truth, predicted) == 0.75
    assert parsing.parsing_accuracy([], []) == 0.0


def test_pa_and_ga_merge_adjacent_wildcards_as_loghub_does():
    # The evaluator once normalised whitespace only and scored this line wrong while the
    # template bench scored it right; there is one definition now, Loghub's.
    assert parsing.parsing_accuracy(["blk <*><*> done"], ["blk <*> done"]) == 1.0
    assert parsing.normalise_template("  a\t<*><*><*>   b ") == "a <*> b"
    assert parsing.normalise_template("<*> <*>") == "<*> <*>"


def test_grouping_accuracy_counts_lines_whose_group_is_exact():
    # predicted groups {0,1}, {2,3}; truth groups {0,1}, {2}, {3}: lines 0 and 1 are right.
    assert parsing.grouping_accuracy(["A", "A", "B", "C"], ["X", "X", "Y", "Y"]) == 0.5
    # a split truth group is wrong for all its lines
    assert parsing.grouping_accuracy(["A", "A"], ["X", "Z"]) == 0.0
    # labels are any hashable: a parser's template ids score like template texts
    assert parsing.grouping_accuracy(["E1", "E1", "E2"], [7, 7, 9]) == 1.0
    assert parsing.grouping_accuracy([], []) == 0.0


def test_f1_grouping_accuracy_counts_exact_groups_on_both_sides():
    assert parsing.f1_grouping_accuracy(["E1", "E1", "E2"], [7, 7, 9]) == 1.0
    # truth {0,1,2} {3}; predicted {0,1} {2} {3}: precision 1/3, recall 1/2 -> F1 0.4
    assert parsing.f1_grouping_accuracy(["A", "A", "A", "B"], [1, 1, 2, 3]) == pytest.approx(0.4)
    # truth {0,1} {2} {3}; predicted {0,1,2} {3}: precision 1/2, recall 1/3 -> F1 0.4
    assert parsing.f1_grouping_accuracy(["A", "A", "B", "C"], [1, 1, 1, 2]) == pytest.approx(0.4)
    assert parsing.f1_grouping_accuracy([], []) == 0.0
