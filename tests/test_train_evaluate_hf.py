"""``rlog-train eval --hf``: batched transformers generation on a tiny local Llama, same report."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from cli_run import invoke
from repeated_runs import longest_repeated_run
from research_data import needs_data
from tiny_models import build_tiny_llama

from rlog_train.cli import app
from rlog_train.formatting import prompt_format_for
from rlog_tui.protocol import Task, build_prompt, select_format


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


def test_hf_prompt_for_gemma_is_the_engines_prompt_for_the_embedded_gguf():
    lines = ["RAS KERNEL FATAL data TLB error interrupt"]
    engine_format = select_format({"general.architecture": "gemma3"})  # the GGUF's metadata
    ours = build_prompt(
        Task.ANOMALY, lines, fmt=prompt_format_for(SimpleNamespace(model_type="gemma3_text"))
    )
    assert ours.text == build_prompt(Task.ANOMALY, lines, fmt=engine_format).text


@needs_data
@pytest.mark.parametrize("fast", [False, True])
def test_hf_eval_writes_the_same_report_structure(tiny_llama, tmp_path, fast):
    out = tmp_path / "run"
    arguments = ["eval", "--hf", str(tiny_llama), "--tasks", "all", "--limit", "1"]
    arguments += ["--max-tokens", "8", "--batch-size", "2", "--out", str(out)]
    result = invoke(app, "rlog-train", *arguments + (["--fast"] if fast else []))
    assert result.exit_code == 0, result.output
    data = json.loads((out / "eval.json").read_text())
    config = data["config"]
    assert config["runner"].startswith("transformers")
    assert config["prompt_format"] == "plain" and config["device"] == "cpu"
    assert config["model"]["files"]["model.safetensors"] > 0
    assert config["order"] == ("answer-first" if fast else "reason-first")
    assert set(data["metrics"]) == set(config["sets"])
    assert len(data["records"]) == len(config["sets"]) == 6
    for record in data["records"]:
        assert record["prompt"].startswith("### System:\n")
        assert record["order"] == config["order"]
        assert 1 <= record["completion_tokens"] <= 8
        assert record["total_time"] >= record["time_to_first_token"] > 0
    assert "| LogLM (LLaMA-2-7B, SFT) |" in (out / "eval.md").read_text()


@needs_data
def test_hf_model_not_found_is_one_line(tmp_path):
    result = invoke(app, "rlog-train", *["eval", "--hf", str(tmp_path / "absent"), "--limit", "1"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "HF model not found" in result.output


@pytest.mark.parametrize("rule", [True, False])
def test_hf_parsing_answers_follow_the_served_template_rule(tiny_llama, rule):
    """The tiny random Llama, unaided, writes no template of the line (seen once: stray pieces);
    under the rule, as llama.cpp serves it, its answer is one and closes."""
    from rlog_train.evaluate.hf_runner import HFGenerator, load_hf
    from rlog_train.evaluate.suite import EvalOptions
    from rlog_tui.protocol import OutputOrder, TemplateOfLine, parse_response

    line = "block 42 ok"
    network, tokenizer = load_hf(tiny_llama, None, "cpu")
    options = EvalOptions(
        tasks=(Task.PARSE,), fast=True, max_tokens=24, recorded_order="answer-first"
    )
    generator = HFGenerator(network, tokenizer, replace(options, template_rule=rule), 512)
    example = SimpleNamespace(task=Task.PARSE, lines=[line], instruction=None)
    other = SimpleNamespace(task=Task.ANOMALY, lines=[line], instruction=None)
    parsed, anomaly = generator.generate(
        [generator.prompt_for(example), generator.prompt_for(other)]
    )
    answer = parse_response(parsed.raw_text, OutputOrder.ANSWER_FIRST).answer
    assert TemplateOfLine(line).accepts(answer.strip()) is rule, parsed.raw_text
    if rule:
        assert parsed.finish_reason == "answer", parsed.raw_text
    assert not TemplateOfLine(line).accepts(
        parse_response(anomaly.raw_text, OutputOrder.ANSWER_FIRST).answer.strip()
    )  # a row of another task in the same batch is left alone


def test_hf_free_text_answers_decode_under_the_served_repeat_guard(tiny_llama):
    """The tiny random Llama, unaided, repeats a long run of tokens (seen: the same few tokens
    over and over); under the guard, as llama.cpp serves it, only short runs come back."""
    from rlog_train.evaluate.hf_runner import HFGenerator, load_hf
    from rlog_train.evaluate.suite import EvalOptions

    network, tokenizer = load_hf(tiny_llama, None, "cpu")
    options = EvalOptions(
        tasks=(Task.SOLUTION,), fast=True, max_tokens=48, recorded_order="answer-first"
    )
    example = SimpleNamespace(task=Task.SOLUTION, lines=["disk full on /var"], instruction=None)

    def run(guard: bool) -> tuple[int, str]:
        generator = HFGenerator(network, tokenizer, replace(options, guard_repeats=guard), 512)
        (answer,) = generator.generate([generator.prompt_for(example)])
        ids = tokenizer(answer.raw_text, add_special_tokens=False)["input_ids"]
        return longest_repeated_run(ids), answer.raw_text

    (free, free_text), (guarded, guarded_text) = run(False), run(True)
    assert free >= 12, free_text
    assert guarded <= free // 2, guarded_text
