"""The TUI's mining: every line of an entry gets its template; a growing entry waits."""

from __future__ import annotations

from test_source_entries import JAVA

from rlog_tui.screening.screener import Screener
from rlog_tui.templates.source_mining import SourceTemplates


def mine_all(mining: SourceTemplates, screener: Screener, lines: list[str], now: float) -> None:
    mining.mine(screener, lambda a, b: lines[a:b], len(lines), budget_s=1.0, now=now)


def test_continuation_lines_share_their_entry_template_and_no_frame_is_mined():
    lines = JAVA * 3
    screener, mining = Screener(None), SourceTemplates()
    mine_all(mining, screener, lines, now=0.0)
    ids = list(mining.ids)
    assert mining.format_name == "plain"
    assert len(set(ids[1:8])) == 1 and ids[1] not in (ids[0], ids[8])
    assert ids[9:18] == ids[0:9]
    assert not any(t.text.startswith("at ") for t in screener.miner.templates())
    assert screener.entries_seen == 3 * 3 - 1  # the last entry is still open


def test_the_entry_still_growing_at_the_end_is_mined_after_an_idle_pause():
    lines = JAVA[:5]  # a trace still being written
    screener, mining = Screener(None), SourceTemplates()
    mine_all(mining, screener, lines, now=0.0)
    assert list(mining.ids)[1:5] == [0, 0, 0, 0] and not mining.complete(len(lines))
    lines += JAVA[5:8]  # the trace grows
    mine_all(mining, screener, lines, now=0.5)
    mine_all(mining, screener, lines, now=0.9)
    assert mining.template_of(1) == 0  # not idle long enough yet
    mine_all(mining, screener, lines, now=2.0)
    assert mining.complete(len(lines))
    assert len({mining.template_of(i) for i in range(1, 8)}) == 1 and mining.template_of(1)
    (template,) = [t for t in screener.miner.templates() if "Request failed" in t.text]
    assert template.count == 1


def test_older_lines_found_later_are_mined_from_an_entry_start():
    lines = JAVA * 2
    screener, mining = Screener(None), SourceTemplates("plain")
    newest = lines[13:]  # the index found the newest lines first, mid-trace
    mining.mine(screener, lambda a, b: newest[a:b], len(newest), budget_s=1.0, now=0.0)
    mining.lines_prepended(13)
    mining.mine(screener, lambda a, b: lines[a:b], len(lines), budget_s=1.0, step=4, now=0.1)
    ids = list(mining.ids)
    assert ids[0] and len(set(ids[1:8])) == 1 and ids[1] != ids[0]  # the older trace is whole


def test_mined_entries_know_their_lines_and_are_handed_over_once():
    lines = JAVA + JAVA[:8]  # the second trace is still being written
    screener, mining = Screener(None), SourceTemplates()
    mine_all(mining, screener, lines, now=0.0)
    assert mining.take_entries() == [(1, 7)]
    assert mining.take_entries() == []
    assert [mining.continues_entry(line) for line in range(9)] == [False, False] + [True] * 6 + [
        False
    ]
    assert mining.entry_span(4) == mining.entry_span(1) == (1, 7)
    assert mining.entry_span(8) == (8, 8) and mining.entry_span(0) == (0, 0)
    mine_all(mining, screener, lines, now=5.0)  # idle: the open trace is finished
    assert mining.take_entries() == [(10, 16)]
    mining.lines_prepended(3)
    assert mining.entry_span(4 + 3) == (4, 10)
