"""Where the reasoning pane sits: beside the log, under it, or hidden; and how wide it is.

At 160 columns an even split gave the pane half the screen and cut the log's messages off, so the
side pane takes a smaller share as the terminal widens, capped in columns: the log is what a user
reads most. Under 100 columns a side pane would leave the log about 40 cells, so it starts below
instead. ``r`` cycles side → bottom → hidden; the user's choice then holds at every width.
"""

from __future__ import annotations

from enum import StrEnum


class PaneLayout(StrEnum):
    SIDE = "side"
    BOTTOM = "bottom"
    HIDDEN = "hidden"


NEXT_LAYOUT = {
    PaneLayout.SIDE: PaneLayout.BOTTOM,
    PaneLayout.BOTTOM: PaneLayout.HIDDEN,
    PaneLayout.HIDDEN: PaneLayout.SIDE,
}
SIDE_BELOW_COLUMNS = 100
"""Narrower terminals start with the pane at the bottom."""
SIDE_MAX_COLUMNS = 64
SIDE_MIN_COLUMNS = 28
BOTTOM_HEIGHT_PERCENT = 40


def default_layout(columns: int) -> PaneLayout:
    """Where the pane starts on a terminal ``columns`` wide."""
    return PaneLayout.BOTTOM if columns < SIDE_BELOW_COLUMNS else PaneLayout.SIDE


def side_pane_width(columns: int) -> int:
    """Columns of the side pane: 40% up to 119 columns, a third up to 159, then 28%, ≤ 64."""
    share = 0.40 if columns < 120 else 0.33 if columns < 160 else 0.28
    return max(SIDE_MIN_COLUMNS, min(SIDE_MAX_COLUMNS, int(columns * share)))
