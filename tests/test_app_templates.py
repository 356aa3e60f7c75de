"""The TUI's templates panel, template filter, screening flags and compression, with Pilot.

Real files, the real embedded model: scores either come from it (one forward pass per template)
or from a seeded score cache, which makes a flag deterministic and proves no call.
"""

from __future__ import annotations

from pathlib import Path

from test_app import wait_for

from rlog_tui.config import Settings
from rlog_tui.protocol import Task, Thresholds
from rlog_tui.screening.screener import Screener
from rlog_tui.screening.verdict_cache import CachedScore, VerdictCache
from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp

LINES = [
    "2024-05-01 12:00:00 INFO api request 1 served in 12 ms",
    "2024-05-01 12:00:01 INFO api request 2 served in 14 ms",
    "2024-05-01 12:00:03 ERROR db connection refused: 10.0.0.5:5432",
    "2024-05-01 12:00:04 INFO api request 3 served in 2013 ms",
    "2024-05-01 12:00:05 ERROR db connection refused: 10.0.0.6:5432",
    "2024-05-01 12:00:06 WARN disk /dev/sda1 is 91% full",
]
API, DB, DISK = (
    "api request <*> served in <*> ms",
    "db connection refused: <*>",
    "disk <*> is <*> full",
)


def make_app(path: Path, engine, screener: Screener | None = None, max_tokens: int = 8) -> RlogApp:
    return RlogApp(
        [LogFile.open(path)],
        engine,
        settings=Settings(max_tokens=max_tokens),
        watch_files=False,
        screener=screener,
    )


def status_text(app: RlogApp) -> str:
    return str(app.query_one("#status").render())


def gutter_flags(app: RlogApp) -> list[bool]:
    view = app.view
    rows = [view.render_line(y).text for y in range(view.size.height)]
    width = max(4, len(str(len(LINES))))
    return [row[width] == "!" for row in rows if row.strip()]


async def test_panel_lists_templates_by_count_and_by_recency(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screener.lines_seen == len(LINES), 10)
        await pilot.press("p")
        panel = app.panel
        assert panel.has_class("open") and panel.table.has_focus
        texts = {t.id: (t.text, t.count) for t in app.screener.miner.templates()}
        assert [texts[i] for i in panel.shown_ids][:2] == [(API, 3), (DB, 2)]
        await pilot.press("s")  # most recent first: the disk warning is the last line
        assert texts[panel.shown_ids[0]][0] == DISK
        await wait_for(pilot, lambda: "templates 3" in status_text(app), 5)  # 0.5 s status timer
        assert "model calls 0 / lines 6" in status_text(app)
        await pilot.press("escape")
        assert app.view.has_focus
        await pilot.press("p")
        assert not panel.has_class("open")


async def test_choosing_a_template_filters_the_tail_and_choosing_it_again_clears(
    log_file, llama_engine
):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screener.lines_seen == len(LINES), 10)
        await pilot.press("p")
        await pilot.press("down", "enter")  # second by count: the db errors
        view = app.view
        assert [view.line_at(r) for r in range(view.row_count)] == [2, 4]
        assert "template #" in status_text(app) and "2 shown" in status_text(app)
        assert [n for n, _ in app.selected_lines()] == [5]  # asking sends its newest line
        await pilot.pause(0.6)  # a panel refresh keeps the cursor on the same template
        await pilot.press("enter")
        assert view.row_count == len(LINES)


async def test_template_filter_follows_appended_lines(log_file, llama_engine):
    app = make_app(log_file, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screener.lines_seen == len(LINES), 10)
        db = app.screener.miner.match(LINES[2]).id
        app.filter_by_template(db)
        with log_file.open("a") as handle:
            handle.write("2024-05-01 12:00:07 ERROR db connection refused: 10.0.0.7:5432\n")
            handle.write("2024-05-01 12:00:08 INFO api request 9 served in 3 ms\n")
        app.refresh_all()
        await wait_for(pilot, lambda: app.view.row_count == 3, 10)
        assert app.view.line_at(2) == 6


async def test_seeded_scores_flag_abnormal_lines_and_show_scores_without_a_model_call(
    log_file, llama_engine, tmp_path
):
    cache_path = tmp_path / "verdicts.json"
    key = Screener(llama_engine).cache_key
    seeded = VerdictCache(cache_path)
    seeded.put(key, API, CachedScore(0.05))
    seeded.put(key, DB, CachedScore(0.93))
    seeded.put(key, DISK, CachedScore(0.41))
    seeded.save()
    thresholds = Thresholds(flag=0.6, clear=0.2)
    screener = Screener(llama_engine, cache=VerdictCache(cache_path), thresholds=thresholds)
    before = llama_engine.calls
    app = make_app(log_file, llama_engine, screener)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screener.lines_seen == len(LINES) and not screener.busy)
        await pilot.pause(0.1)
        assert screener.cache_hits == 3
        assert [app.view.flagged(n) for n in range(len(LINES))] == [
            False,
            False,
            True,
            False,
            True,
            False,
        ]
        assert gutter_flags(app) == [False, False, True, False, True, False]
        await pilot.press("p")
        await pilot.pause(0.1)
        rows = [[str(cell) for cell in app.panel.table.get_row_at(r)] for r in range(3)]
        assert [row[2:4] for row in rows] == [  # by count: api 3, db 2, disk 1
            ["0.05", "normal"],
            ["0.93", "abnormal"],
            ["0.41", "inconclusive"],
        ]
        await pilot.press("s", "s")  # count -> recency -> score
        texts = {t.id: t.text for t in screener.miner.templates()}
        assert [texts[i] for i in app.panel.shown_ids] == [DB, DISK, API]
    assert llama_engine.calls == before


async def test_screening_scores_each_template_and_flags_exactly_the_abnormal_ones(
    log_file, llama_engine, tmp_path
):
    screener = Screener(
        llama_engine,
        cache=VerdictCache(tmp_path / "v.json"),
        thresholds=Thresholds(flag=0.02, clear=0.01),
    )
    before = llama_engine.calls
    app = make_app(log_file, llama_engine, screener)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screener.lines_seen == len(LINES) and not screener.busy)
        await pilot.pause(0.6)
        assert llama_engine.calls - before == 3 == screener.calls
        mining = app.mining[0]
        for number in range(len(LINES)):
            verdict = screener.verdict(mining.template_of(number))
            assert verdict is not None and 0.0 <= verdict.score <= 1.0
            assert verdict.label in ("normal", "abnormal", "inconclusive")
            assert app.view.flagged(number) == (verdict.label == "abnormal")
        assert "model calls 3 / lines 6" in status_text(app)


async def test_a_users_request_is_answered_while_screening_in_the_tui(
    log_file, llama_engine, tmp_path
):
    screener = Screener(llama_engine, cache=VerdictCache(tmp_path / "v.json"))
    app = make_app(log_file, llama_engine, screener, max_tokens=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        assert not app.conversation.last_done.cancelled
        await wait_for(pilot, lambda: screener.calls == 3 and not screener.busy)
    assert not screener.busy


async def test_explain_template_sends_it_with_count_and_examples(log_file, llama_engine):
    app = make_app(log_file, llama_engine, max_tokens=4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screener.lines_seen == len(LINES), 10)
        await pilot.press("p", "e")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        prompt = app.conversation.last_prompt
        assert prompt.task is Task.INTERPRET
        assert f"L1: 3× {API} | e.g. {LINES[0]}" in prompt.user
        assert f"L3: 3× {API} | e.g. {LINES[3]}" in prompt.user
        await pilot.press("w")
        assert app.screen.__class__.__name__ == "PromptViewer"


async def test_what_was_sent_shows_templates_when_the_selection_does_not_fit(
    tmp_path, llama_engine
):
    path = tmp_path / "big.log"
    path.write_text(
        "".join(
            f"2024-05-01 12:00:{i % 60:02} INFO worker {i % 7} finished job {i} in {i % 90} ms\n"
            f"2024-05-01 12:00:{i % 60:02} WARN queue depth {i % 50} above limit\n"
            for i in range(400)
        )
    )
    app = make_app(path, llama_engine, max_tokens=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l", "backspace", "backspace", *"800", "enter")
        assert len(app.selected_lines()) == 800
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.last_done is not None)
        prompt = app.conversation.last_prompt
        assert "800 lines sent as 2 templates" in prompt.notice
        assert "400× worker <*> finished job <*> in <*> ms | e.g." in prompt.text
        await pilot.press("w")
        viewer = app.screen
        assert viewer.__class__.__name__ == "PromptViewer"
        assert "templates with counts" in str(viewer.query_one("#notice").render())


async def test_a_big_file_is_mined_in_chunks_without_stalling_the_ui(tmp_path, llama_engine):
    path = tmp_path / "huge.log"
    path.write_text(
        "".join(f"2024-05-01 INFO request {i} from 10.0.{i % 255}.1 ok\n" for i in range(150_000))
    )
    app = make_app(path, llama_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screener.lines_seen < 150_000  # not mined in one go on mount
        await pilot.press("down")  # keys are handled while mining goes on
        assert app.view.cursor is not None
        await wait_for(pilot, lambda: app.screener.lines_seen == 150_000, 60)
        await pilot.pause(0.6)
        assert "(mining…)" not in status_text(app)
        assert len(app.screener.miner) == 1
