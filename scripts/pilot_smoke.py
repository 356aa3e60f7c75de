"""Open the TUI exactly as `rlog-tui tail FILE` does, drive it with Textual's Pilot, and quit.

Used by scripts/check-fresh on a clean install: `RlogApp.run` is replaced by a Pilot session, so
the command line, settings, model resolution, engine and screener are the real ones. The session
waits for the log to show, asks the model about the newest line (`enter`, where every generation
segfaulted on AMX CPUs), waits for the answer, and quits with ctrl+q. Exit 0 when all of it worked.
"""

from __future__ import annotations

import asyncio
import sys
import time

from rlog_tui import cli
from rlog_tui.ui.app import RlogApp

TIMEOUT_S = 300


async def _wait(pilot, condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"pilot: gave up waiting for {what} after {TIMEOUT_S} s")
        await pilot.pause(0.2)


async def _drive(app: RlogApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await _wait(pilot, lambda: app.view.row_count > 0, "the log lines")
        print(f"pilot: TUI open, {app.view.row_count} lines shown", flush=True)
        await pilot.press("enter")
        await _wait(pilot, lambda: app.conversation.last_done is not None, "the model's answer")
        answer = (app.pane.answer_text or app.pane.outside_text or "").strip()
        print(f"pilot: enter answered {answer[:60]!r}", flush=True)
        await pilot.press("ctrl+q")
    print(f"pilot: quit (return code {app.return_code})", flush=True)


def main() -> None:
    RlogApp.run = lambda self, *args, **kwargs: asyncio.run(_drive(self))  # type: ignore[method-assign]
    sys.argv = ["rlog-tui", "tail", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
