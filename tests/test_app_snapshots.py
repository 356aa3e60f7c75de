"""Snapshot tests of the TUI (pytest-textual-snapshot): what a user sees, frozen.

Nothing in these screens moves: no clock in the header, no background screening (no screener),
no model output (the model is loaded but never asked), and the sample file is fixed. Regenerate
after an intended change with ``scripts/test tests/test_app_snapshots.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp
from rlog_tui.ui.widgets.dialogs import HelpScreen

LINES = [
    "2024-05-01 12:00:00 INFO api request 1 served in 12 ms",
    "2024-05-01 12:00:01 DEBUG cache hit ratio 0.93",
    "2024-05-01 12:00:02 WARN db pool 80% used",
    "2024-05-01 12:00:03 ERROR db connection refused: 10.0.0.5:5432",
    "2024-05-01 12:00:04 INFO api request 3 served in 2013 ms",
    "2024-05-01 12:00:05 FATAL api worker 4 crashed: upstream timeout",
    "2024-05-01 12:00:06 INFO \x1b[31mcoloured\x1b[0m text from a misbehaving logger",
]
SIZE = (110, 24)


def app_on_lines(path: Path, lines: list[str], engine) -> RlogApp:
    """The app following a file of ``lines`` with no file watcher (nothing changes under it)."""
    path.write_text("\n".join(lines) + "\n")
    return RlogApp([LogFile.open(path)], engine, watch_files=False)


@pytest.fixture
def app(tmp_path: Path, llama_engine) -> RlogApp:
    return app_on_lines(tmp_path / "app.log", LINES, llama_engine)


async def settle(pilot, condition, what: str, seconds: float = 30) -> None:
    """Wait for a state (not for a time): ``condition`` polled until a deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not reached in {seconds} s"
        await pilot.pause(0.02)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _templates_mined(pilot) -> None:
    """Wait for the first mining pass: before it the status bar says "mining…", after it the
    template count, and which one a snapshot caught used to depend on the machine's load."""
    app = pilot.app
    await settle(pilot, lambda: app.mined_once_at is not None, "mining")
    app.update_status()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def help_shown(pilot) -> None:
    """``?``, then wait until the help's Markdown has built its table of keys."""
    await _templates_mined(pilot)
    await pilot.press("question_mark")
    app = pilot.app
    await settle(
        pilot,
        lambda: (
            isinstance(app.screen, HelpScreen)
            and bool(app.screen.query("MarkdownTable"))
            and all(table.is_mounted for table in app.screen.query("MarkdownTable"))
        ),
        "help drawn",
    )


async def templates_panel_shown(pilot) -> None:
    """``p``, then wait until the panel holds a row per mined template and has the focus."""
    await _templates_mined(pilot)
    await pilot.press("p")
    app = pilot.app
    panel = app.panel
    await settle(
        pilot,
        lambda: (
            panel.is_open
            and panel.table.has_focus
            and panel.table.row_count == len(app.screener.miner) > 0
        ),
        "templates panel filled",
    )


def test_snapshot_opening_screen(app, snap_compare):
    assert snap_compare(app, run_before=_templates_mined, terminal_size=SIZE)


def test_snapshot_selection_and_filter(app, snap_compare):
    keys = ["backslash", *"!DEBUG", "enter", "_", "up", "shift+up", "_"]
    assert snap_compare(app, press=keys, run_before=_templates_mined, terminal_size=SIZE)


def test_snapshot_task_picker(app, snap_compare):
    assert snap_compare(app, press=["t", "_"], run_before=_templates_mined, terminal_size=SIZE)


def test_snapshot_help(app, snap_compare):
    assert snap_compare(app, run_before=help_shown, terminal_size=SIZE)


def test_snapshot_templates_panel(app, snap_compare):
    assert snap_compare(app, run_before=templates_panel_shown, terminal_size=SIZE)
