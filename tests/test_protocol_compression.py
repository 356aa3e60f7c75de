"""Context compression: a template digest when raw lines do not fit, raw lines when they do."""

from __future__ import annotations

from rlog_tui.engine import Request, SamplingParams, Started
from rlog_tui.protocol import Task
from rlog_tui.protocol.compression import fit_prompt, summarise

MANY = [
    line
    for i in range(300)
    for line in (
        f"2024-05-01 12:{i % 60:02}:00 INFO api request {i} served in {i % 97} ms",
        f"2024-05-01 12:{i % 60:02}:01 ERROR db connection refused: 10.0.{i % 7}.{i % 250}:5432",
    )
] + ["2024-05-01 13:00:00 FATAL kernel panic: not syncing"]


def words(text: str) -> int:
    """A stand-in tokenizer for the pure tests: one token per whitespace-separated word."""
    return len(text.split())


def test_summary_keeps_first_seen_order_counts_and_the_first_line_as_example():
    summaries = summarise(MANY)
    assert [(s.template, s.count) for s in summaries] == [
        ("api request <*> served in <*> ms", 300),
        ("db connection refused: <*>", 300),
        ("kernel panic: not syncing", 1),
    ]
    assert summaries[1].examples == (MANY[1],) and summaries[2].examples == (MANY[600],)


def test_lines_over_the_budget_become_templates_with_counts_and_a_notice():
    prompt = fit_prompt(Task.ROOT_CAUSE, MANY, token_budget=400, count_tokens=words)
    assert prompt.lines_sent == 3 and prompt.lines_dropped == 0
    assert "601 lines sent as 3 templates" in prompt.notice
    assert f"L2: 300× db connection refused: <*> | e.g. {MANY[1]}" in prompt.text
    assert "one message template" in prompt.user
    assert words(prompt.text) <= 400


def test_lines_that_fit_are_sent_raw():
    prompt = fit_prompt(Task.ANOMALY, MANY[:4], token_budget=4000, count_tokens=words)
    assert prompt.lines_sent == 4 and not prompt.notice
    assert MANY[3] in prompt.text


def test_parsing_is_never_compressed_it_trims_instead():
    prompt = fit_prompt(Task.PARSE, MANY, token_budget=400, count_tokens=words)
    assert "templates" not in prompt.notice and "oldest" in prompt.notice


def test_engine_compresses_with_the_models_tokenizer(llama_engine):
    request = Request(Task.INTERPRET, MANY, sampling=SamplingParams(max_tokens=2), compress=True)
    started = next(e for e in llama_engine.stream(request) if isinstance(e, Started))
    assert "templates with counts" in started.prompt.notice
    assert "1× kernel panic: not syncing" in started.prompt.text
    assert started.prompt_tokens <= 2048
