"""The tail view's readability keys with Pilot: wrap (W), sideways scroll (← →), the reasoning
pane's place (r) and its default width at 80, 120, 160 and 200 columns. Real files, real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import wait_for
from textual.widgets import Markdown

from rlog_tui.config import Settings
from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp
from rlog_tui.ui.widgets.dialogs import HelpScreen
from rlog_tui.ui.widgets.pane_layout import PaneLayout
from rlog_tui.ui.widgets.tail_view import PAN_CELLS, TailView

LONG = "2024-05-01 12:00:05 ERROR payment gateway said: " + "upstream reset; " * 12 + "END"
LINES = [f"2024-05-01 12:00:0{i} INFO api request {i} served in 12 ms" for i in range(5)] + [LONG]


@pytest.fixture
def many_long_lines(tmp_path: Path) -> Path:
    """60 lines of 0 to 120 filler cells: wrapped at 80 columns, rows of one to three lines."""
    path = tmp_path / "long.log"
    path.write_text("".join(f"{i} WARN " + "x" * (30 * (i % 5)) + f" end{i}\n" for i in range(60)))
    return path


def make_app(path: Path, engine) -> RlogApp:
    return RlogApp([LogFile.open(path)], engine, settings=Settings(max_tokens=2), watch_files=False)


def screen_rows(view: TailView) -> list[str]:
    """The text of each screen line of the view, blank ones at the bottom left out."""
    rows = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
    while rows and not rows[-1].strip():
        rows.pop()
    return rows


async def test_w_wraps_long_lines_so_the_newest_line_shows_whole_and_again_unwraps(
    log_file, llama_engine
):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.view
        assert not any("END" in row for row in screen_rows(view))
        await pilot.press("W")
        assert app.wrap and view.wrap
        rows = screen_rows(view)
        assert rows[-1].rstrip().endswith("END")  # following: the newest line's last piece
        first = next(i for i, row in enumerate(rows) if row.lstrip().startswith("6 "))
        assert rows[first + 1].startswith(" " * 6)  # its other pieces have a blank gutter
        assert "wrap" in str(app.query_one("#status").render())
        await pilot.press("W")
        assert not view.wrap
        assert not any("END" in row for row in screen_rows(view))


async def test_wrapped_view_scrolls_by_whole_rows_without_a_dead_zone(
    many_long_lines, llama_engine
):
    """The cursor's row is always whole on screen, and one row up from the end the screen is
    still full (the scroll range ends where the last rows fill the screen)."""
    app = make_app(many_long_lines, llama_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.view
        await pilot.press("W")
        height = view.scrollable_content_region.height
        view.scroll_to(y=view.max_scroll_y - 1, animate=False, immediate=True)
        await pilot.pause()
        assert view.screen_lines()[0] == (view.row_count - view.end_rows - 1, 0)
        assert len(screen_rows(view)) == height  # no blank screen lines below the rows
        await pilot.press("end")
        for _ in range(40):
            await pilot.press("up")
            assert view.cursor in view.whole_rows()
        await pilot.press("pagedown", "pagedown")
        assert view.cursor in view.whole_rows()
        await pilot.press("end")
        assert screen_rows(view)[-1].rstrip().endswith("end59")


async def test_right_scrolls_the_text_sideways_while_the_line_numbers_stay(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.view
        presses = 0
        while not any("END" in row for row in screen_rows(view)):
            await pilot.press("right")
            presses += 1
            assert presses < 40, "never reached the end of the long line"
        assert view.scroll_x == min(presses * PAN_CELLS, view.max_scroll_x)
        last = [row for row in screen_rows(view) if row.strip()][-1]
        assert last.lstrip().startswith("6 ")  # the gutter did not scroll away
        await pilot.press("left")
        assert view.scroll_x < presses * PAN_CELLS
        await pilot.press("W", "right")
        assert view.scroll_x == 0  # wrapped text has nothing to scroll sideways


async def test_r_cycles_the_reasoning_pane_side_bottom_hidden(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(160, 30)) as pilot:
        pane, left = app.pane.region, app.query_one("#left").region
        assert pane.x >= left.right and pane.height == left.height  # beside
        await pilot.press("r")
        assert app.pane_layout is PaneLayout.BOTTOM
        pane, left = app.pane.region, app.query_one("#left").region
        assert pane.y >= left.bottom and pane.width == left.width == 160
        await pilot.press("r")
        assert app.pane_layout is PaneLayout.HIDDEN
        assert not app.pane.display and app.query_one("#left").region.width == 160
        await pilot.press("r")
        assert app.pane_layout is PaneLayout.SIDE and app.pane.region.x > 100


@pytest.mark.parametrize(
    ("columns", "layout", "most"),
    [
        (80, PaneLayout.BOTTOM, 1.0),
        (120, PaneLayout.SIDE, 0.34),
        (160, PaneLayout.SIDE, 0.28),
        (200, PaneLayout.SIDE, 0.28),
    ],
)
async def test_the_pane_starts_below_on_80_columns_and_narrower_beside_on_wide_ones(
    log_file, llama_engine, columns, layout, most
):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(columns, 30)):
        assert app.pane_layout_now() is layout
        assert app.pane.outer_size.width <= most * columns
        assert app.view.region.width >= columns * 0.6


async def test_asking_with_the_pane_hidden_shows_it_again(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("r", "r")
        assert app.pane_layout is PaneLayout.HIDDEN
        await pilot.press("enter")
        assert app.pane_layout is PaneLayout.SIDE and app.pane.display
        await wait_for(pilot, lambda: app.conversation.last_done is not None)


async def test_help_and_the_command_palette_offer_the_new_keys(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.query_one(Markdown).source
        for key in ("**W**", "**← →**", "**r**", "**c** / **C**"):
            assert key in shown
        await pilot.press("escape", "ctrl+p", *"wrap lines")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.wrap, 10)
        await pilot.press("ctrl+p", *"reasoning pane")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.pane_layout is PaneLayout.BOTTOM, 10)
