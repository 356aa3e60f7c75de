"""GA, PA and FGA as bench/templates.py computes them, on hand-computed cases."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "templates.py"
_spec = importlib.util.spec_from_file_location("bench_templates", _PATH)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_perfect_grouping_scores_one_whatever_the_labels() -> None:
    truth = ["E1", "E1", "E2"]
    predicted = [7, 7, 9]
    assert bench.grouping_accuracy(truth, predicted) == 1.0
    assert bench.f1_grouping_accuracy(truth, predicted) == 1.0


def test_split_group_counts_only_the_exact_groups() -> None:
    # truth groups {0,1,2} {3}; predicted {0,1} {2} {3}: only {3} is exact.
    truth = ["A", "A", "A", "B"]
    predicted = [1, 1, 2, 3]
    assert bench.grouping_accuracy(truth, predicted) == 0.25
    # precision 1/3, recall 1/2 -> F1 = 2 * (1/6) / (5/6) = 0.4
    assert bench.f1_grouping_accuracy(truth, predicted) == pytest.approx(0.4)


def test_merged_groups_are_all_wrong() -> None:
    truth = ["A", "A", "B", "C"]
    predicted = [1, 1, 1, 2]
    assert bench.grouping_accuracy(truth, predicted) == 0.25
    # correct {3}; precision 1/2, recall 1/3 -> F1 = 0.4
    assert bench.f1_grouping_accuracy(truth, predicted) == pytest.approx(0.4)


def test_parsing_accuracy_normalises_spaces_and_adjacent_wildcards() -> None:
    truth = ["a <*> b", "x  <*>", "p <*><*> q", "u <*>"]
    predicted = ["a <*> b", "x <*> ", "p <*> q", "u v"]
    # third: truth collapses to "p <*> q"; fourth differs
    assert bench.parsing_accuracy(truth, predicted) == 0.75


def test_normalise_template() -> None:
    assert bench.normalise_template("  a\t<*><*><*>   b ") == "a <*> b"
    assert bench.normalise_template("<*> <*>") == "<*> <*>"


def test_empty_input_scores_zero() -> None:
    assert bench.grouping_accuracy([], []) == 0.0
    assert bench.parsing_accuracy([], []) == 0.0
    assert bench.f1_grouping_accuracy([], []) == 0.0
