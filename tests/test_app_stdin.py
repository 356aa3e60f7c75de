"""``rlog-tui tail -``: the TUI follows a pipe through its spool, entries and all (Pilot)."""

from __future__ import annotations

import os

from test_app import wait_for
from test_source_entries import JAVA

from rlog_tui.config import Settings
from rlog_tui.source import LogFile
from rlog_tui.source.stdin_spool import StdinSpool
from rlog_tui.ui.app import RlogApp
from rlog_tui.ui.widgets.tail_view import TailView


def status_text(app: RlogApp) -> str:
    return str(app.query_one("#status").render())


async def test_tail_follows_a_pipe_shows_its_format_and_the_end_of_input(llama_engine):
    read_end, write_end = os.pipe()
    spool = StdinSpool(read_end).start()
    source = LogFile.open(spool.path)
    app = RlogApp([source], llama_engine, settings=Settings(max_tokens=8), stdin_spool=spool)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            os.write(write_end, ("\n".join(JAVA[:5]) + "\n").encode())
            await wait_for(pilot, lambda: source.line_count == 5, seconds=30)
            await wait_for(pilot, lambda: "reading stdin" in status_text(app), seconds=10)
            os.write(write_end, ("\n".join(JAVA[5:]) + "\n").encode())
            os.close(write_end)
            await wait_for(pilot, lambda: source.line_count == len(JAVA), seconds=30)
            await wait_for(pilot, lambda: "end of input" in status_text(app), seconds=10)
            status = status_text(app)
            assert status.startswith("stdin: 9 lines [plain]")
            mining = app.mining[0]
            await wait_for(pilot, lambda: mining.complete(source.line_count), seconds=30)
            trace = {mining.template_of(line) for line in range(1, 8)}
            assert len(trace) == 1 and trace != {0}  # the trace written in two parts: one entry
            view = app.query_one("#view-0", TailView)
            await wait_for(pilot, lambda: view.row_count == 3, seconds=10)  # the trace: one row
            assert [view.line_at(row) for row in range(3)] == [0, 1, len(JAVA) - 1]
    finally:
        source.close()
        spool.close()
    assert not spool.path.exists()
