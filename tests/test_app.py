"""The TUI driven with Pilot on real files and the real embedded model."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Input

from rlog_tui.config import Settings
from rlog_tui.protocol import OutputOrder, Task
from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp
from rlog_tui.ui.widgets.dialogs import HelpScreen, TaskPicker

LINES = [
    "2024-05-01 12:00:00 INFO api request 1 served in 12 ms",
    "2024-05-01 12:00:01 INFO api request 2 served in 14 ms",
    "2024-05-01 12:00:02 WARN db pool 80% used",
    "2024-05-01 12:00:03 ERROR db connection refused: 10.0.0.5:5432",
    "2024-05-01 12:00:04 INFO api request 3 served in 2013 ms",
    "2024-05-01 12:00:05 ERROR api request 4 failed: upstream timeout",
]


def make_app(path: Path, engine, max_tokens: int = 24) -> RlogApp:
    return RlogApp(
        [LogFile.open(path)], engine, settings=Settings(max_tokens=max_tokens), watch_files=False
    )


async def wait_for(pilot, condition, seconds: float = 120) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached in time")


async def test_select_lines_ask_and_real_tokens_arrive_in_the_pane(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("up", "shift+up", "shift+up")
        assert app.selected_lines() == [(4, LINES[3]), (5, LINES[4]), (6, LINES[5])]
        await pilot.press("2", "enter")  # task 2: anomaly detection
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        await pilot.pause(0.1)
        pane = app.pane
        assert pane.think_text or pane.answer_text or pane.outside_text
        assert app.conversation.last_prompt.task is Task.ANOMALY
        assert app.conversation.last_prompt.lines_sent == 3
        assert "db connection refused" in app.conversation.last_prompt.text
        assert app.conversation.last_done.stats.completion_tokens > 0


async def test_enter_without_a_selection_asks_about_the_newest_line(log_file, llama_engine):
    """One log entry, as the model was trained (the shipped one degenerates on long windows)."""
    app = make_app(log_file, llama_engine, max_tokens=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        assert app.conversation.last_prompt.lines_sent == 1
        assert LINES[-1] in app.conversation.last_prompt.text
        assert LINES[-2] not in app.conversation.last_prompt.text


async def test_escape_cancels_a_streaming_response(log_file, llama_engine):
    app = make_app(log_file, llama_engine, max_tokens=500)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: bool(app.pane.think_text or app.pane.answer_text or app.pane.outside_text),
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        assert app.conversation.last_done.cancelled
        assert app.conversation.last_done.stats.completion_tokens < 500


async def test_fast_mode_toggle_shows_in_header_and_asks_answer_first(log_file, llama_engine):
    app = make_app(log_file, llama_engine, max_tokens=8)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "FULL" in app.sub_title
        await pilot.press("f")
        assert app.fast and "FAST" in app.sub_title
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        assert app.conversation.last_prompt.order is OutputOrder.ANSWER_FIRST
        await pilot.press("f")
        assert not app.fast


async def test_live_filter_includes_and_excludes(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("backslash")
        await pilot.press(*"ERROR")
        await wait_for(pilot, lambda: app.view.row_count == 2, 10)
        assert [app.view.line_at(r) for r in range(2)] == [3, 5]
        for _ in range(5):
            await pilot.press("backspace")
        await pilot.press(*"!INFO")
        await wait_for(pilot, lambda: app.view.row_count == 3, 10)
        await pilot.press("enter")
        assert [n for n, _ in app.selected_lines()] == [6]  # the newest line shown
        await pilot.press("l", "backspace", "backspace", "3", "enter")
        # a range over the filtered view holds only the filtered lines
        assert [n for n, _ in app.selected_lines()] == [3, 4, 6]


async def test_sticky_follow_pauses_counts_new_lines_and_resumes(tmp_path, llama_engine):
    path = tmp_path / "busy.log"
    path.write_text("".join(f"INFO line {i}\n" for i in range(200)))
    app = make_app(path, llama_engine)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.view
        assert view.following
        await pilot.press("pageup")
        assert not view.following
        with path.open("a") as handle:
            handle.write("".join(f"INFO new {i}\n" for i in range(5)))
        app.refresh_all()
        await pilot.pause()
        assert view.new_lines == 5
        assert view.row_count == 205
        await pilot.press("end")
        assert view.following and view.new_lines == 0
        with path.open("a") as handle:
            handle.write("INFO one more\n")
        app.refresh_all()
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y


async def test_escape_sequences_are_drawn_as_text(tmp_path, llama_engine):
    path = tmp_path / "ansi.log"
    path.write_bytes(
        b"\x1b[31mRED\x1b[0m \x1b]0;pwned-title\x07 done\n" + b"x" * 10_000_000 + b"\n"
    )
    app = make_app(path, llama_engine)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.view
        rows = [view.render_line(y).text for y in range(view.size.height)]
        shown = "\n".join(rows)
        assert "␛[31mRED" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert len(max(rows, key=len)) <= 100


async def test_search_moves_the_cursor_to_matches(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"refused", "enter")
        rows = app.view.selected_rows()
        assert rows and app.view.line_at(rows[0]) == 3


async def test_select_last_n_lines_and_what_was_sent_view(log_file, llama_engine):
    app = make_app(log_file, llama_engine, max_tokens=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.press("backspace", "backspace", "2", "enter")
        assert [n for n, _ in app.selected_lines()] == [5, 6]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        await pilot.press("w")
        assert app.screen.__class__.__name__ == "PromptViewer"
        await pilot.press("escape")
        await pilot.press("t")
        assert app.screen.__class__.__name__ == "TaskPicker"
        await pilot.press("4")
        assert app.analysis_task is Task.ROOT_CAUSE


async def test_deleted_file_keeps_what_was_read(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        log_file.unlink()
        app.refresh_all()
        await pilot.pause()
        assert app.view.row_count == len(LINES)
        assert re.search("upstream timeout", app.source.line(5))


async def test_the_footer_shows_six_keys_and_each_does_what_it_says(log_file, llama_engine):
    """Read from the footer as drawn (not from BINDINGS), then press each key it shows."""
    app = make_app(log_file, llama_engine, max_tokens=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = [(key.key, key.description) for key in app.query("FooterKey")]
        assert shown == [
            ("enter", "Ask"),
            ("t", "Task"),
            ("f", "Fast"),
            ("slash", "Search"),
            ("backslash", "Filter"),
            ("question_mark", "Help"),
            ("ctrl+p", "palette"),  # Textual's own
        ]
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "t")
        assert isinstance(app.screen, TaskPicker)
        await pilot.press("escape", "f")
        assert app.fast and "FAST" in app.sub_title
        for key, box in (("slash", "#search"), ("backslash", "#filter")):
            await pilot.press(key)
            assert app.query_one(box, Input).has_focus and app.query_one(box).display
            await pilot.press("escape")
            assert app.view.has_focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        assert app.conversation.last_prompt.lines_sent == 1
