"""Grounded answers in the TUI: the shipped model cites `L<n>`, the view highlights the cited file
lines, `c` jumps to them, and the pane lists every citation, unverified ones marked (Pilot)."""

from __future__ import annotations

from test_app import wait_for

from rlog_tui.config import Settings
from rlog_tui.protocol import OutputOrder, Task
from rlog_tui.protocol.grounding import ground_citations
from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp
from rlog_tui.ui.widgets.tail_row import CITED_GUTTER_STYLE

LINES = [f"2024-05-01 12:00:0{i} INFO api request {i} served in 12 ms" for i in range(6)] + [
    "2024-05-01 12:00:07 WARN db pool 80% used",
    "2024-05-01 12:00:08 ERROR db connection refused: 10.0.0.5:5432",
    "2024-05-01 12:00:09 INFO api request 9 served in 11 ms",
]


def pane_citations(app: RlogApp) -> str:
    return str(app.pane.query_one("#citations").render())


async def test_cited_lines_are_highlighted_and_c_jumps_to_them(log_file, adapter_engine):
    """The shipped adapter answers first, then reasons `L1: …` (answer-first full mode)."""
    app = RlogApp(
        [LogFile.open(log_file)],
        adapter_engine,
        settings=Settings(max_tokens=24),
        watch_files=False,
        full_order=OutputOrder.ANSWER_FIRST,
    )
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("up", "up", "shift+down")  # lines 8 and 9
        asked = app.selected_lines()
        assert [n for n, _ in asked] == [8, 9]
        await pilot.press("2", "enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        await pilot.pause()
        assert app.conversation.last_prompt.task is Task.ANOMALY
        conversation = app.conversation
        expected = ground_citations(
            conversation.last_done.parsed.think, conversation.last_prompt.sent, asked
        )
        assert expected, f"the model cited nothing: {app.conversation.last_done.raw_text!r}"
        assert app.conversation.last_citations == expected
        cited = {c.line - 1 for c in expected if c.line is not None}
        assert cited and app.view.cited == cited
        first = min(cited)
        assert f"{expected[0].cited} → line" in pane_citations(app)
        await pilot.press("end", "c")
        assert app.view.cursor == first and app.view.anchor is None
        y = first - int(app.view.scroll_y)
        gutter = app.view.render_line(y)._segments[0]
        assert gutter.text.strip() == str(first + 1) and gutter.style == CITED_GUTTER_STYLE
        app.action_ask()  # a new question clears the old citations at once
        assert not app.view.cited and "Cited" not in pane_citations(app)
        await wait_for(pilot, lambda: app.conversation.job.finished.is_set())


async def test_a_citation_of_a_line_not_sent_is_listed_as_unverified(log_file, llama_engine):
    app = RlogApp([LogFile.open(log_file)], llama_engine, watch_files=False)
    async with app.run_test(size=(160, 30)) as pilot:
        asked = [(8, LINES[7])]
        sent = (LINES[7],)
        app.show_citations(ground_citations("L1: refused; L4 is not there.", sent, asked), 0)
        await pilot.pause()
        shown = pane_citations(app)
        assert "✓ L1 → line 8: 2024-05-01 12:00:08 ERROR db connection refused" in shown
        assert "✗ L4 unverified" in shown
        assert app.view.cited == {7}
        await pilot.press("c")
        assert app.view.cursor == 7


async def test_c_without_citations_says_so_and_moves_nothing(log_file, llama_engine):
    app = RlogApp([LogFile.open(log_file)], llama_engine, watch_files=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert app.view.cursor is None
        assert any("cites no line" in str(n.message) for n in app._notifications)
