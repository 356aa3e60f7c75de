"""Which piece of which row goes on each screen line when the tail view wraps long lines.

A wrapped view cannot know the height of every row of a 1 GB file, so it scrolls by rows: the
scroll offset names the top row, and the screen is filled from there with each row's pieces (a row
of ``c`` cells at text width ``w`` takes ``ceil(c / w)`` screen lines). At the end of the file the
screen is filled from the bottom instead, so the newest line is always whole on screen while
following. ``rows_fitting_at_end`` says how many of the last rows fit, which makes the scroll range
exactly long enough: scrolling up from the end moves one row at a time, with no dead zone.

Only the rows on screen are measured: the cost per repaint is one screen, whatever the file size.
"""

from __future__ import annotations

from collections.abc import Callable

ScreenLine = tuple[int, int]
"""(row, piece): the ``piece``-th chunk of ``width`` cells of that row's text."""


def pieces(cells: int, width: int) -> int:
    """Screen lines a row of ``cells`` cells takes at text width ``width`` (at least one)."""
    return max(1, -(-cells // max(1, width)))


def fill_down(
    first_row: int, row_count: int, height: int, row_pieces: Callable[[int], int]
) -> list[ScreenLine]:
    """The screen from ``first_row`` downwards: every piece of each row until ``height`` lines."""
    screen: list[ScreenLine] = []
    row = first_row
    while len(screen) < height and row < row_count:
        screen.extend((row, piece) for piece in range(row_pieces(row)))
        row += 1
    return screen[:height]


def fill_up(last_row: int, height: int, row_pieces: Callable[[int], int]) -> list[ScreenLine]:
    """The screen ending with ``last_row``'s last piece; the top row may show only its tail."""
    screen: list[ScreenLine] = []
    row = last_row
    while len(screen) < height and row >= 0:
        screen[:0] = [(row, piece) for piece in range(row_pieces(row))]
        row -= 1
    return screen[-height:] if height > 0 else []


def rows_fitting_at_end(row_count: int, height: int, row_pieces: Callable[[int], int]) -> int:
    """How many of the last rows fit whole on a screen of ``height`` lines (at least one)."""
    used = fitting = 0
    for row in range(row_count - 1, -1, -1):
        used += row_pieces(row)
        if used > height:
            break
        fitting += 1
    return max(1, fitting) if row_count else 0
