"""The screener on the real embedded model: one score per template, cached across runs, ranked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rlog_tui.engine import Done, Request, SamplingParams, Scored, ScoreRequest
from rlog_tui.protocol import Task, Thresholds
from rlog_tui.screening.screener import Screener
from rlog_tui.screening.verdict_cache import CachedScore, VerdictCache
from rlog_tui.templates import MinerConfig, TemplateMiner

THREE_TEMPLATES = [
    line
    for i in range(12)
    for line in (
        f"2024-05-01 12:00:{i:02} INFO api request {i} served in {10 + i} ms",
        f"2024-05-01 12:01:{i:02} ERROR db connection refused: 10.0.0.{i}:5432",
        f"2024-05-01 12:02:{i:02} WARN disk /dev/sda{i % 3} is {80 + i}% full",
    )
]


def screen(engine, lines, cache_path: Path, **options) -> Screener:
    screener = Screener(engine, cache=VerdictCache(cache_path), **options)
    for number, line in enumerate(lines, start=1):
        screener.feed(line, number)
    screener.wait_idle(timeout=300)
    return screener


API, DB, DISK = (
    "api request <*> served in <*> ms",
    "db connection refused: <*>",
    "disk <*> is <*> full",
)


def test_one_score_per_distinct_template_then_none_with_the_disk_cache(llama_engine, tmp_path):
    cache = tmp_path / "verdicts.json"
    thresholds = Thresholds(flag=0.6, clear=0.2)
    before = llama_engine.calls
    first = screen(llama_engine, THREE_TEMPLATES, cache, thresholds=thresholds)
    assert len(first.miner) == 3
    assert first.lines_seen == 36
    assert llama_engine.calls - before == 3
    assert first.calls == 3
    for template, info in first.templates():
        verdict = first.verdict(template.id)
        assert not verdict.from_cache
        # the score is the model's own for this template's message, asked directly
        (scored,) = [
            e for e in llama_engine.stream(ScoreRequest([info.message])) if isinstance(e, Scored)
        ]
        assert verdict.score == pytest.approx(scored.score.abnormal, abs=1e-4)
        assert verdict.label == thresholds.label(scored.score.abnormal)
        assert first.is_abnormal(template.id) == (verdict.label == "abnormal")
    scores = sorted(first.verdict(t.id).score for t, _ in first.templates())
    assert scores[0] != scores[-1]  # three different messages, not one score copied thrice

    before = llama_engine.calls
    second = screen(llama_engine, THREE_TEMPLATES, cache, thresholds=thresholds)
    assert llama_engine.calls == before
    assert second.calls == 0 and second.cache_hits == 3
    for template, _ in second.templates():
        verdict = second.verdict(template.id)
        assert verdict.from_cache and verdict.score == first.verdict(template.id).score


def seed(path, key: str, scores: dict[str, float]) -> None:
    cache = VerdictCache(path)
    for template, value in scores.items():
        cache.put(key, template, CachedScore(value))
    cache.save()


@pytest.mark.parametrize(
    ("thresholds", "labels"),
    [
        (Thresholds(flag=0.6, clear=0.2), ["normal", "abnormal", "inconclusive"]),
        (Thresholds(flag=0.95, clear=0.95), ["normal", "normal", "normal"]),
    ],
)
def test_cached_scores_are_reused_without_a_model_call_and_labelled_by_the_thresholds(
    llama_engine, tmp_path, thresholds, labels
):
    path = tmp_path / "verdicts.json"
    seed(path, Screener(llama_engine).cache_key, {API: 0.05, DB: 0.9, DISK: 0.4})
    before = llama_engine.calls
    screener = screen(llama_engine, THREE_TEMPLATES, path, thresholds=thresholds)
    assert llama_engine.calls == before and screener.calls == 0 and screener.cache_hits == 3
    ids = [screener.miner.match(line).id for line in THREE_TEMPLATES[:3]]
    assert [screener.verdict(i).label for i in ids] == labels
    assert [screener.verdict(i).score for i in ids] == [0.05, 0.9, 0.4]
    assert [screener.is_abnormal(i) for i in ids] == [label == "abnormal" for label in labels]


def test_templates_are_ranked_by_score_most_suspicious_first(llama_engine, tmp_path):
    path = tmp_path / "verdicts.json"
    seed(path, Screener(llama_engine).cache_key, {API: 0.05, DB: 0.9, DISK: 0.4})
    screener = screen(llama_engine, THREE_TEMPLATES, path)
    assert [t.text for t, _ in screener.ranked()] == [DB, DISK, API]
    screener.feed("a line of a template never scored", 99)  # queued: unscored, ranked last
    assert [t.text for t, _ in screener.ranked()][-1] == "a line of a template never scored"


def test_mining_only_screener_makes_no_calls(llama_engine):
    before = llama_engine.calls
    screener = Screener(None)
    for line in THREE_TEMPLATES:
        screener.feed(line)
    screener.wait_idle(timeout=1)
    assert not screener.busy and llama_engine.calls == before
    assert all(info.verdict is None for _, info in screener.templates())


def test_a_users_request_is_served_while_screening_goes_on(llama_engine, tmp_path):
    screener = Screener(llama_engine, cache=VerdictCache(tmp_path / "v.json"))
    for number, line in enumerate(THREE_TEMPLATES, start=1):
        screener.feed(line, number)
    screener.pump()  # the first score is submitted in the background
    user = Request(Task.INTERPRET, ["ERROR disk full"], sampling=SamplingParams(max_tokens=4))
    done = [e for e in llama_engine.stream(user) if isinstance(e, Done)]
    assert done and not done[0].cancelled
    screener.wait_idle(timeout=300)
    assert screener.calls == 3  # a pre-empted score re-runs and counts once


def test_queue_is_bounded_and_the_oldest_waiting_templates_are_skipped(llama_engine):
    screener = Screener(llama_engine, max_pending=2)
    for n in range(5):
        screener.feed(f"event{n} alpha beta")  # feed queues; only pump() submits
    assert screener.waiting == 2 and screener.skipped == 3
    skipped = [info.state for _, info in screener.templates()]
    assert skipped == ["skipped"] * 3 + ["queued"] * 2
    screener.close()
    assert not screener.busy


def test_memory_follows_the_miners_cap_on_a_flood_of_distinct_lines():
    screener = Screener(None, miner=TemplateMiner(MinerConfig(max_templates=500)))
    for n in range(20_000):
        screener.feed(f"junk{n} " + "x" * (n % 7) + f" {chr(65 + n % 26)}{n}")
    assert len(screener.miner) <= 500
    assert len(screener._info) <= 2 * 500 + 1_024
    huge = screener.feed("E" * 10_000_000)
    assert len(screener.info(huge).examples[0]) == 500


def test_screener_modules_import_no_textual():
    code = (
        "import sys, rlog_tui.screening.screener, rlog_tui.screening.verdict_cache, "
        "rlog_tui.protocol.compression, rlog_tui.screening.report; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr


def test_an_entry_is_scored_on_its_message_not_its_header_laden_line(llama_engine, tmp_path):
    from rlog_tui.engine import Scored, ScoreRequest
    from rlog_tui.source.entries import assemble
    from rlog_tui.source.formats import format_named

    line = (
        "1771497601 2026.02.19 R19-M1-NC-C:J03-U11 2026-02-19-10.40.01.522294 "
        "R19-M1-NC-C:J03-U11 RAS KERNEL FATAL data TLB error interrupt"
    )
    (entry,) = assemble(format_named("bgl"), [line])
    screener = Screener(llama_engine, cache=VerdictCache(tmp_path / "v.json"))
    template_id = screener.feed_entry(entry, line)
    screener.wait_idle(timeout=300)
    assert screener.info(template_id).examples == [line]  # shown as written

    def direct(text: str) -> float:
        (scored,) = [e for e in llama_engine.stream(ScoreRequest([text])) if isinstance(e, Scored)]
        return scored.score.abnormal

    score = screener.verdict(template_id).score
    assert score == pytest.approx(direct("data TLB error interrupt"), abs=1e-6)
    assert score != pytest.approx(direct(line), abs=1e-6)


def _bgl(level: str, message: str, second: int) -> str:
    return (
        f"17714976{second:02} 2026.02.19 R19-M1-NC-C:J03-U11 2026-02-19-10.40.{second:02}.522294 "
        f"R19-M1-NC-C:J03-U11 RAS KERNEL {level} {message}"
    )


def test_a_template_logged_only_at_info_is_shown_with_its_score_but_not_flagged(
    llama_engine, tmp_path
):
    from rlog_tui.source.entries import assemble
    from rlog_tui.source.formats import format_named

    parity, tlb, ddr = (
        "instruction cache parity error corrected",
        "data TLB error interrupt",
        "ddr errors detected and corrected",
    )
    path = tmp_path / "verdicts.json"
    seed(path, Screener(llama_engine).cache_key, {parity: 0.94, tlb: 0.92, ddr: 0.91})
    screener = Screener(llama_engine, cache=VerdictCache(path), thresholds=Thresholds(0.8, 0.4))
    bgl = format_named("bgl")

    def feed(line: str) -> int:
        (entry,) = assemble(bgl, [line])
        return screener.feed_entry(entry, line)

    info_lines = [feed(_bgl("INFO", parity, s)) for s in range(3)]
    assert len(set(info_lines)) == 1  # three lines, one template
    info_only = info_lines[0]
    fatal = feed(_bgl("FATAL", tlb, 4))
    lifted = feed(_bgl("INFO", ddr, 5))
    screener.wait_idle(timeout=300)
    assert screener.calls == 0 and screener.cache_hits == 3
    gated = screener.verdict(info_only)
    assert (gated.label, gated.score, gated.detail) == ("inconclusive", 0.94, "logged at INFO")
    assert not screener.is_abnormal(info_only)
    assert screener.verdict(fatal).label == "abnormal" and screener.is_abnormal(fatal)
    assert screener.verdict(lifted).label == "inconclusive"
    assert feed(_bgl("ERROR", ddr, 6)) == lifted  # one line above INFO lifts the gate
    assert screener.verdict(lifted).label == "abnormal" and screener.verdict(lifted).score == 0.91


def test_a_level_guessed_from_the_messages_words_does_not_gate(llama_engine, tmp_path):
    from rlog_tui.source.entries import assemble
    from rlog_tui.source.formats import format_named

    message = "disk controller info page unreadable"
    path = tmp_path / "verdicts.json"
    seed(path, Screener(llama_engine).cache_key, {message: 0.9})
    screener = Screener(llama_engine, cache=VerdictCache(path), thresholds=Thresholds(0.8, 0.4))
    (entry,) = assemble(format_named("plain"), [message])
    assert entry.level is not None and entry.level_guessed
    template_id = screener.feed_entry(entry, message)
    screener.wait_idle(timeout=300)
    assert screener.verdict(template_id).label == "abnormal"
