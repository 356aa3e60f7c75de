"""Snapshots of the tail view at 80 and 160 columns: wrap on/off, the reasoning pane beside, below
or hidden, and the lines an answer cited highlighted.

Nothing moves in these screens: no clock, no screener, the model is loaded but never asked. Each
picture is taken once the app has settled (``_templates_mined``: the first mining pass is done,
the status bar shows it, scheduled animations have run), never after a fixed sleep. The
cited-lines screen replays a response the shipped rlog-270m adapter gave (greedy, answer-first)
for the two lines it cites, through the same protocol functions the app uses on a live answer.
Regenerate after an intended change with
``scripts/test tests/test_app_view_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_snapshots import _templates_mined, app_on_lines

from rlog_tui.protocol import OutputOrder, StreamParser, Task, build_prompt, check_answer
from rlog_tui.protocol.grounding import ground_citations
from rlog_tui.ui.app import RlogApp

LINES = [
    "2026-02-19 10:15:40,112 INFO  [http-nio-8080-exec-2] com.example.shop.CheckoutController - "
    "Order 3140 accepted in 189 ms for customer 88412 (3 items, card ending 4242)",
    "2026-02-19 10:15:41,020 INFO  [scheduling-1] com.example.shop.InventorySync - "
    "Synced 291 SKUs from warehouse eu-3",
    "2026-02-19 10:15:41,508 WARN  [http-nio-8080-exec-4] com.example.shop.PaymentClient - "
    "Payment gateway answered slowly: 2,480 ms for authorisation of order 3141 (limit 2,000 ms)",
    "2026-02-19 10:15:42,704 ERROR [http-nio-8080-exec-6] com.example.shop.CheckoutController - "
    "Checkout failed for order 3142",
    "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, "
    "request timed out after 30000ms.",
    "    at com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:686)",
    "    at com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:179)",
    "    ... 10 more",
    "2026-02-19 10:15:43,752 INFO  [http-nio-8080-exec-3] com.example.shop.CheckoutController - "
    "Order 3143 accepted in 40 ms",
    "2024-05-01 12:00:02 WARN db pool 80% used",
    "2024-05-01 12:00:03 ERROR db connection refused: 10.0.0.5:5432",
    "2026-02-19 10:15:44,597 INFO  [http-nio-8080-exec-9] com.example.shop.CheckoutController - "
    "Order 3144 accepted in 93 ms",
]
ASKED = [(10, LINES[9]), (11, LINES[10])]
RECORDED_RESPONSE = (
    "<answer>normal</answer><think>L1: Looking at the log entry `2024-05-01 12:00:02 WARN db "
    "pool 80% used`, I first check if it contains any invalid values like memory addresses, "
    "floating numbers, or register values. Since this log only shows a status message and does "
    "not contain any explicit error keywords, the absence of invalid values suggests that the "
    "system is functioning normally.</think>"
)
"""What the shipped adapter (stage 3, e5b0dd7) answered for ``ASKED`` (anomaly, answer-first,
greedy, 96 tokens)."""


@pytest.fixture
def app(tmp_path: Path, llama_engine) -> RlogApp:
    return app_on_lines(tmp_path / "shop.log", LINES, llama_engine)


def keys_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await _templates_mined(pilot)
        await pilot.press(*keys)
        await _templates_mined(pilot)

    return run_before


async def replay_cited_answer(pilot) -> None:
    """Show the recorded answer and its checked citations, as the app does on ``Done``."""
    await _templates_mined(pilot)
    app = pilot.app
    await pilot.press("up", "up", "shift+down")  # lines 10-11, the lines that were asked about
    parser = StreamParser(OutputOrder.ANSWER_FIRST)
    segments = parser.feed(RECORDED_RESPONSE)
    parsed = parser.close()
    app.pane.begin(Task.ANOMALY, "shop.log lines 10-11", fast=False)
    app.pane.append(segments)
    app.pane.finish(check_answer(Task.ANOMALY, parsed.answer).valid, "well-formed")
    sent = build_prompt(Task.ANOMALY, [text for _, text in ASKED], OutputOrder.ANSWER_FIRST).sent
    app.show_citations(ground_citations(parsed.think, sent, ASKED), 0)
    await pilot.press("escape")  # the selection cleared: the cited line's own highlight shows
    await _templates_mined(pilot)


@pytest.mark.parametrize("columns", [80, 160])
def test_snapshot_default_layout(app, snap_compare, columns):
    """Wrap off; 80 columns: the pane below; 160: beside, narrower than a third."""
    assert snap_compare(app, run_before=keys_then_settle(), terminal_size=(columns, 24))


@pytest.mark.parametrize("columns", [80, 160])
def test_snapshot_wrapped_with_the_pane_beside(app, snap_compare, columns):
    keys = ["W"] if columns == 160 else ["W", "r", "r"]  # 80: bottom → hidden → side
    assert snap_compare(app, run_before=keys_then_settle(*keys), terminal_size=(columns, 24))


@pytest.mark.parametrize("columns", [80, 160])
def test_snapshot_wrapped_with_the_pane_below(app, snap_compare, columns):
    keys = ["W"] if columns == 80 else ["W", "r"]
    assert snap_compare(app, run_before=keys_then_settle(*keys), terminal_size=(columns, 24))


@pytest.mark.parametrize("columns", [80, 160])
def test_snapshot_pane_hidden_scrolled_sideways(app, snap_compare, columns):
    keys = ["r", "up", "right", "right"] if columns == 80 else ["r", "r", "up", "right"]
    assert snap_compare(app, run_before=keys_then_settle(*keys), terminal_size=(columns, 24))


@pytest.mark.parametrize("columns", [80, 160])
def test_snapshot_cited_lines_highlighted(app, snap_compare, columns):
    assert snap_compare(app, run_before=replay_cited_answer, terminal_size=(columns, 30))


@pytest.mark.parametrize("columns", [80, 160])
def test_snapshot_trace_opened(app, snap_compare, columns):
    """The Java trace (lines 4-8) folded by default, opened with x on its row."""
    keys = ["up"] * 5 + ["x"]
    assert snap_compare(app, run_before=keys_then_settle(*keys), terminal_size=(columns, 24))
