"""The screener on the real embedded model: one model call per template, cached across runs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from rlog_tui.engine import Done, Request, SamplingParams
from rlog_tui.protocol import Task
from rlog_tui.screener import Screener
from rlog_tui.templates import MinerConfig, TemplateMiner
from rlog_tui.verdict_cache import CachedVerdict, VerdictCache

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


def test_one_model_call_per_distinct_template_then_none_with_the_disk_cache(llama_engine, tmp_path):
    cache = tmp_path / "verdicts.json"
    before = llama_engine.calls
    first = screen(llama_engine, THREE_TEMPLATES, cache, constrain=True)
    assert len(first.miner) == 3
    assert first.lines_seen == 36
    assert llama_engine.calls - before == 3
    assert first.calls == 3
    labels = {first.verdict(t.id).label for t, _ in first.templates()}
    assert labels <= {"normal", "abnormal"}  # the grammar forces a label

    before = llama_engine.calls
    second = screen(llama_engine, THREE_TEMPLATES, cache, constrain=True)
    assert llama_engine.calls == before
    assert second.calls == 0 and second.cache_hits == 3
    assert all(second.verdict(t.id).from_cache for t, _ in second.templates())


def test_unconstrained_malformed_answers_become_unknown_and_are_cached(llama_engine, tmp_path):
    lines = THREE_TEMPLATES[:2]
    screener = screen(llama_engine, lines, tmp_path / "v.json", max_tokens=12)
    for template, _ in screener.templates():
        verdict = screener.verdict(template.id)
        assert verdict.label in ("normal", "abnormal", "unknown")
        if verdict.label == "unknown":
            assert not screener.is_abnormal(template.id)
    again = screen(llama_engine, lines, tmp_path / "v.json", max_tokens=12)
    assert again.calls == 0


def test_flag_comes_from_a_seeded_abnormal_verdict_without_a_model_call(llama_engine, tmp_path):
    path = tmp_path / "verdicts.json"
    probe = Screener(llama_engine, constrain=True)
    seeded = VerdictCache(path)
    seeded.put(probe.cache_key, "db connection refused: <*>", CachedVerdict("abnormal", "seed"))
    seeded.put(probe.cache_key, "api request <*> served in <*> ms", CachedVerdict("normal"))
    seeded.save()
    before = llama_engine.calls
    screener = screen(llama_engine, THREE_TEMPLATES[:2] * 3, path, constrain=True)
    assert llama_engine.calls == before
    ids = [screener.miner.match(line).id for line in THREE_TEMPLATES[:2]]
    assert [screener.is_abnormal(i) for i in ids] == [False, True]


def test_mining_only_screener_makes_no_calls(llama_engine):
    before = llama_engine.calls
    screener = Screener(None)
    for line in THREE_TEMPLATES:
        screener.feed(line)
    screener.wait_idle(timeout=1)
    assert not screener.busy and llama_engine.calls == before
    assert all(info.verdict is None for _, info in screener.templates())


def test_a_users_request_preempts_screening(llama_engine, tmp_path):
    # An unconstrained base model rambles up to max_tokens: the screening job is long.
    screener = Screener(llama_engine, cache=VerdictCache(tmp_path / "v.json"), max_tokens=160)
    screener.feed("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for")
    before = llama_engine.calls
    screener.pump()
    for _ in range(600):
        if llama_engine.calls > before:
            break
        threading.Event().wait(0.05)
    assert llama_engine.calls > before, "the screening job never started"
    user = Request(Task.INTERPRET, ["ERROR disk full"], sampling=SamplingParams(max_tokens=4))
    done = [e for e in llama_engine.stream(user) if isinstance(e, Done)]
    assert done and not done[0].cancelled
    screener.pump()
    assert screener.busy and screener.waiting == 1, "screening finished before the user's request"
    screener.wait_idle(timeout=300)
    assert screener.calls == 1


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
        "import sys, rlog_tui.screener, rlog_tui.verdict_cache, rlog_tui.compression, "
        "rlog_tui.screening_report; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr
