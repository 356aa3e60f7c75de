"""Entries in the TUI (Pilot): a stack trace is one row that opens and folds, line numbers stay
the file's own, a trace that arrives while tailing is folded when it is finished, and a selection
snaps to whole entries, as ``analyze`` does. Real files, the real embedded model."""

from __future__ import annotations

from pathlib import Path

from test_app import wait_for
from test_source_entries import JAVA, PYTHON

from rlog_tui.config import Settings
from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp

LINES = JAVA + PYTHON  # entries (1-based lines): 1, 2-8 (a Java trace), 9, 10-14 (Python), 15


def make_app(path: Path, engine) -> RlogApp:
    return RlogApp([LogFile.open(path)], engine, settings=Settings(max_tokens=2), watch_files=False)


def gutter_numbers(app: RlogApp) -> list[int]:
    view = app.view
    rows = [view.render_line(y).text for y in range(view.row_count)]
    return [int(row.split()[0]) for row in rows]


async def all_mined(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.mining[0].complete(app.source.line_count), 30)
    await pilot.pause()


async def test_a_trace_is_one_row_that_x_opens_and_folds(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await all_mined(pilot)
        view = app.view
        assert gutter_numbers(app) == [1, 2, 9, 10, 15]
        assert "▸" in view.render_line(1).text
        await pilot.press("W")
        assert "+6 lines" in "".join(view.render_line(y).text for y in range(4))
        await pilot.press("W", "up", "up", "up", "up", "x")  # the cursor on line 2's row
        assert gutter_numbers(app) == [1, *range(2, 10), 10, 15]
        assert view.render_line(4).text.split()[1] == "│"  # a line of the open entry
        await pilot.press("down", "down", "down", "x")  # inside the open trace: fold it
        assert gutter_numbers(app) == [1, 2, 9, 10, 15]
        assert view.line_at(view.cursor) == 1  # on the entry's row
        await pilot.press("X")
        assert gutter_numbers(app) == list(range(1, 16))
        await pilot.press("X")
        assert gutter_numbers(app) == [1, 2, 9, 10, 15]


async def test_a_trace_written_while_tailing_is_folded_once_finished(tmp_path, llama_engine):
    """Finished by the next entry's first line, or by a short idle at the end of the file; the
    view keeps following the newest line while the rows above it fold."""
    path = tmp_path / "growing.log"
    earlier = [
        f"2024-03-05 10:14:{i:02d},000 INFO  [main] com.shop.Cart - tick {i}" for i in range(40)
    ]
    path.write_text("\n".join(earlier) + "\n")
    app = make_app(path, llama_engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await all_mined(pilot)
        view = app.view
        with path.open("a") as handle:
            handle.write("\n".join(JAVA[1:8]) + "\n")  # a trace, nothing after it yet
        app.refresh_all()
        await wait_for(pilot, lambda: view.row_count == 41, 10)  # folded after the idle pause
        assert view.following and view.scroll_y == view.max_scroll_y
        assert view.line_at(view.row_count - 1) == 40  # the trace's row, at the bottom
        with path.open("a") as handle:
            handle.write("\n".join(JAVA[1:]) + "\n")  # another trace, finished by a new entry
        app.refresh_all()
        await wait_for(pilot, lambda: view.row_count == 43, 10)
        assert view.following and view.scroll_y == view.max_scroll_y
        assert [view.line_at(row) for row in range(40, 43)] == [40, 47, 54]


async def test_a_selection_snaps_to_whole_entries_and_asks_about_them(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 30)) as pilot:
        await all_mined(pilot)
        await pilot.press("up", "up")  # the cursor on the Python traceback's row
        assert [n for n, _ in app.selected_lines()] == list(range(10, 15))
        await pilot.press("x", "down", "down")  # open it; the cursor on line 12
        assert app.view.line_at(app.view.cursor) == 11
        assert [n for n, _ in app.selected_lines()] == list(range(10, 15))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        assert app.conversation.last_prompt.lines_sent == 5
        assert "ValueError: invalid literal" in app.conversation.last_prompt.text
