"""Wrapped rows on screen: filled from a top row, or from the end so the newest line is whole."""

from __future__ import annotations

from rlog_tui.ui.widgets.wrap_layout import fill_down, fill_up, pieces, rows_fitting_at_end

HEIGHTS = [1, 3, 1, 2, 4]  # screen lines each row takes when wrapped


def test_a_row_takes_one_screen_line_per_width_of_cells_and_at_least_one() -> None:
    assert [pieces(cells, 10) for cells in (0, 1, 10, 11, 25)] == [1, 1, 1, 2, 3]


def test_filling_down_shows_every_piece_of_each_row_until_the_screen_is_full() -> None:
    screen = fill_down(1, len(HEIGHTS), 5, HEIGHTS.__getitem__)
    assert screen == [(1, 0), (1, 1), (1, 2), (2, 0), (3, 0)]


def test_filling_up_ends_with_the_last_rows_last_piece_and_may_cut_the_top_row() -> None:
    screen = fill_up(4, 5, HEIGHTS.__getitem__)
    assert screen == [(3, 1), (4, 0), (4, 1), (4, 2), (4, 3)]


def test_rows_fitting_at_end_make_the_scroll_range_reach_the_end_without_a_dead_zone() -> None:
    fitting = rows_fitting_at_end(len(HEIGHTS), 6, HEIGHTS.__getitem__)
    assert fitting == 2  # rows 3 and 4 (2 + 4 lines); row 2 would need a seventh
    top = len(HEIGHTS) - fitting
    assert {row for row, _ in fill_down(top, len(HEIGHTS), 6, HEIGHTS.__getitem__)} == {3, 4}
    assert rows_fitting_at_end(3, 1, [5, 5, 5].__getitem__) == 1  # a huge row still counts one
    assert rows_fitting_at_end(0, 5, HEIGHTS.__getitem__) == 0
