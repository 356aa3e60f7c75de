"""quantize.verify: agreement and speed of a candidate against its reference, in one run."""

from __future__ import annotations

import pytest
from research_data import needs_data

from quantize.errors import InputNotFound
from quantize.merge import merge_adapter
from quantize.verify import (
    SAMPLES_DIR,
    ModelSpec,
    build_cases,
    efficacy_hook,
    efficacy_options,
    verify,
)


def test_cases_are_fixed_and_cover_every_log_and_task():
    first, second = build_cases(["anomaly", "parse"], 6), build_cases(["anomaly", "parse"], 6)
    assert first == second
    assert {case.task for case in first} == {"anomaly", "parse"}
    assert len({case.source for case in first}) == len(list(SAMPLES_DIR.glob("*.log")))
    assert all(len(case.text.splitlines()) <= 8 for case in first)


def test_merged_model_agrees_with_base_plus_adapter(tiny_assets, tmp_path):
    merged = merge_adapter(tiny_assets.f32, tiny_assets.lora_gguf, tmp_path / "m.gguf", "f32").path
    report = verify(
        ModelSpec(tiny_assets.f32, tiny_assets.lora_gguf), ModelSpec(merged), limit=3, max_tokens=12
    )
    assert report.n_prompts == 3
    assert report.top1_agreement > 0.95
    assert report.ref.decode_tok_s > 0 and report.cand.decode_tok_s > 0
    assert report.ref.file_bytes > report.cand.file_bytes  # base + adapter vs one file
    assert report.efficacy_retention is None  # no evaluator asked for


def test_a_different_model_disagrees(tiny_assets):
    report = verify(
        ModelSpec(tiny_assets.f32, tiny_assets.lora_gguf),
        ModelSpec(tiny_assets.f32),
        limit=2,
        max_tokens=12,
    )
    assert report.top1_agreement < 0.9


def test_efficacy_hook_gives_retention(tiny_assets):
    scores = {None: 0.5, tiny_assets.lora_gguf: 0.4}
    report = verify(
        ModelSpec(tiny_assets.f32),
        ModelSpec(tiny_assets.f32, tiny_assets.lora_gguf),
        limit=1,
        max_tokens=4,
        efficacy=lambda spec, *_: scores[spec.adapter],
    )
    assert report.efficacy_retention == pytest.approx(0.8)


def test_missing_candidate(tiny_assets, tmp_path):
    with pytest.raises(InputNotFound, match="model not found"):
        verify(ModelSpec(tiny_assets.f32), ModelSpec(tmp_path / "none.gguf"), limit=1)


def test_efficacy_is_scored_in_the_order_verify_compares():
    fast = efficacy_options(["parse", "anomaly"], 3, "answer-first", 32)
    full = efficacy_options(["parse"], 3, "reason-first", 32)
    assert fast.fast and not full.fast
    assert (fast.limit, fast.max_tokens) == (3, 32)


@needs_data
def test_efficacy_hook_runs_the_real_evaluator(embedded_model):
    score = efficacy_hook(ModelSpec(embedded_model), ["parse"], 1, "answer-first", 24)
    assert score is not None and 0.0 <= score <= 1.0


def test_answer_first_is_judged_like_fast_mode_up_to_the_answer(embedded_model):
    """The reasoning after ``</answer>`` may hit the token cap; fast mode never generates it."""
    from rlog_tui.models import embedded_adapter_path

    pair = ModelSpec(embedded_model, embedded_adapter_path())
    report = verify(pair, pair, limit=2, order="answer-first", max_tokens=24)
    closed = [
        text.startswith("<answer>") and "<think>" not in text.split("</answer>")[0]
        for text in report.ref.outputs
        if "</answer>" in text
    ]
    assert any(closed), report.ref.outputs  # the shipped adapter answers within 24 tokens
    assert report.ref.format_ok == sum(closed) / len(report.ref.outputs)
