"""Leakage between training and test inputs is found, reported and removed."""

from __future__ import annotations

import pytest

from rlog_train.data import Example, LeakageError, assert_no_leakage, leakage_key, remove_leaked
from rlog_tui.protocol import Task


def _item(text: str) -> Example:
    return Example(Task.PARSE, "i", text, "t", None, "test")


def test_key_ignores_whitespace_runs_and_a_surrounding_fence():
    assert leakage_key("  a   b\tc \n") == "a b c"
    assert leakage_key("```\na  b\n```") == leakage_key("a b")
    assert leakage_key("```python\na b\n```") == "a b"
    assert leakage_key("a ``` b") == "a ``` b"


def test_assert_no_leakage_names_first_overlap_and_count():
    train = [_item("x  y"), _item("z")]
    test = [_item("ok"), _item("x y"), _item(" z ")]
    with pytest.raises(LeakageError, match=r"2 test item\(s\).*'x y'"):
        assert_no_leakage(train, test)


def test_assert_no_leakage_passes_on_disjoint_sets():
    assert_no_leakage([_item("a")], [_item("b")])


def test_remove_leaked_keeps_order_and_internal_duplicates():
    train = [_item("seen")]
    test = [_item("b"), _item("seen"), _item("b"), _item("seen ")]
    kept, report = remove_leaked(train, test)
    assert [e.input for e in kept] == ["b", "b"]
    assert (report.dropped, report.first) == (2, "seen")
