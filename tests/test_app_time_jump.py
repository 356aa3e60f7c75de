"""``g`` in the TUI (Pilot) on a real sample: the cursor lands on the first entry at or after
the time typed, a folded trace's row when the time falls in it; a time past the end says so."""

from __future__ import annotations

from pathlib import Path

from test_app import wait_for

from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp

SAMPLE = Path(__file__).parent.parent / "samples" / "java-trace-incident.log"


def notices(app: RlogApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_g_moves_the_cursor_to_the_first_entry_at_or_after_a_time(llama_engine):
    app = RlogApp([LogFile.open(SAMPLE)], llama_engine, watch_files=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.mining[0].complete(app.source.line_count), 30)
        view = app.view
        await pilot.press("g", *"10:15:30", "enter")
        assert app.screen is app.screen_stack[0]  # the prompt closed
        assert view.cursor is not None and view.line_at(view.cursor) == 57
        assert not view.following
        assert view.cursor - int(view.scroll_y) in range(view.size.height)  # on screen
        await pilot.press("g", *"2026-02-19 10:15:30,500", "enter")
        assert view.line_at(view.cursor) == 76  # past the 10:15:30,190 ERROR's folded trace
        await pilot.press("g", *"2026-02-19 11:00", "enter")
        await pilot.pause()
        assert view.line_at(view.cursor) == 76  # unmoved
        assert any("newest entry is at 2026-02-19 10:15:49" in n for n in notices(app))
