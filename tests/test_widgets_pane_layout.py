"""The reasoning pane's place and width: narrower shares on wider terminals."""

from __future__ import annotations

from rlog_tui.ui.widgets.pane_layout import NEXT_LAYOUT, PaneLayout, default_layout, side_pane_width


def test_narrow_terminals_start_with_the_pane_below_and_wide_ones_beside() -> None:
    assert default_layout(80) is PaneLayout.BOTTOM
    assert default_layout(120) is PaneLayout.SIDE
    assert default_layout(200) is PaneLayout.SIDE


def test_the_side_pane_takes_at_most_forty_percent_and_less_from_160_columns() -> None:
    assert side_pane_width(100) == 40
    assert side_pane_width(120) / 120 < 0.34
    assert side_pane_width(160) / 160 <= 0.28
    assert side_pane_width(200) == 56
    assert side_pane_width(300) == 64  # capped in columns


def test_cycling_visits_side_bottom_hidden_and_comes_back() -> None:
    layout, seen = PaneLayout.SIDE, []
    for _ in range(3):
        layout = NEXT_LAYOUT[layout]
        seen.append(layout)
    assert seen == [PaneLayout.BOTTOM, PaneLayout.HIDDEN, PaneLayout.SIDE]
