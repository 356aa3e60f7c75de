"""Folded entries: rows ↔ the file's own lines around the folds."""

from __future__ import annotations

from rlog_tui.ui.widgets.entry_folds import EntryFolds


def folds_of(*spans: tuple[int, int]) -> EntryFolds:
    folds = EntryFolds()
    folds.fold(spans)
    return folds


def test_a_folded_entry_is_one_row_and_the_lines_after_it_keep_their_numbers() -> None:
    folds = folds_of((2, 5), (8, 9))  # lines 3-5 and 9 hidden
    assert folds.hidden == 4
    assert [folds.line_of_row(row) for row in range(7)] == [0, 1, 2, 6, 7, 8, 10]
    assert [folds.row_of_line(line) for line in (0, 2, 3, 5, 6, 8, 9, 10)] == [
        0, 2, None, None, 3, 5, None, 6
    ]  # fmt: skip
    assert folds.nearest_row(4) == 2 and folds.nearest_row(9) == 5


def test_unfolding_and_folding_again_and_folds_given_twice() -> None:
    folds = folds_of((2, 5))
    folds.fold([(2, 5), (7, 7)])  # already folded; a one-line entry has nothing to fold
    assert len(folds) == 1 and folds.folded_last(2) == 5 and folds.folded_last(3) is None
    assert folds.unfold(2) and not folds.unfold(2)
    assert folds.hidden == 0 and folds.line_of_row(4) == 4


def test_older_lines_found_above_move_every_fold_down() -> None:
    folds = folds_of((2, 5))
    folds.shift(10)
    assert folds.folded_last(12) == 15 and folds.row_of_line(16) == 13
    folds.clear()
    assert folds.hidden == 0 and len(folds) == 0
