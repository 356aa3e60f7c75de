"""``rlog-train eval`` on the real embedded gemma-3-270m through the TUI's engine (CPU, 1 thread).

Tiny samples and short responses keep each run to seconds; the base model is untrained, so the
tests pin the machinery (records, metrics, report, modes, interruption), never its figures.
"""

from __future__ import annotations

import json

import pytest
from cli_run import invoke
from research_data import needs_data

from rlog_train.cli import app
from rlog_train.evaluate import EvalOptions, evaluate, write_report
from rlog_train.evaluate import command as eval_command
from rlog_train.evaluate.runner import request_for
from rlog_tui.protocol import SYSTEM_PROMPTS, OutputOrder, Task

EMBEDDED_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"


pytestmark = needs_data

QUICK = ["--limit", "1", "--max-tokens", "16", "--threads", "1", "--ctx", "2048"]


def test_eval_command_writes_json_and_markdown_for_every_task(tmp_path):
    out = tmp_path / "run"
    result = invoke(app, "rlog-train", *["eval", "--tasks", "all", *QUICK, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "eval: 6/6 examples" in result.output  # no terminal: progress as plain lines
    data = json.loads((out / "eval.json").read_text())
    config = data["config"]
    assert config["model"]["sha256"] == EMBEDDED_SHA256
    assert config["model_origin"].startswith("embedded default")
    assert (config["fast"], config["seed"], config["limit"], config["threads"]) == (False, 0, 1, 1)
    sets = ["parse/test", "parse/test_unseen", "anomaly/test"]
    sets += ["interpret/test", "root-cause/test", "solution/test"]
    assert list(config["sets"]) == sets
    assert all(config["sets"][name]["n"] == 1 for name in sets)
    assert data["machine"]["nproc"] >= 1 and data["machine"]["cpu"]
    assert set(data["metrics"]) == set(sets)
    assert "token_f1" in data["metrics"]["parse/test_unseen"]
    assert "f1" in data["metrics"]["anomaly/test"]
    assert "rouge_l" in data["metrics"]["solution/test"]
    assert all("decode_tokens_per_s" in data["metrics"][name] for name in sets)
    assert len(data["records"]) == 6 and not data["partial"]
    for record in data["records"]:
        assert record["order"] == "answer-first"  # what the shipped adapter's GGUF records
        assert record["prompt"].startswith("<start_of_turn>user\n")
        assert record["prompt_tokens"] > 20
        assert 1 <= record["completion_tokens"] <= 16
        assert record["total_time"] >= record["time_to_first_token"] > 0
        assert record["reward"]["total"] == pytest.approx(
            record["reward"]["format"] + record["reward"]["answer"]
        )
    markdown = (out / "eval.md").read_text()
    assert "| LogLM (LLaMA-2-7B, SFT) |" in markdown and "0.965" in markdown
    # The figures table is printed last.
    assert result.stdout.rstrip().splitlines()[-1].startswith("| S.R.")


def test_eval_resolves_rlog_model_like_every_other_command(tmp_path, monkeypatch, embedded_model):
    # RLOG_MODEL names a model, so (as in the TUI) the shipped adapter is not added to it.
    monkeypatch.setenv("RLOG_MODEL", str(embedded_model))
    out = tmp_path / "run"
    result = invoke(app, "rlog-train", *["eval", "--tasks", "anomaly", *QUICK, "--out", str(out)])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "eval.json").read_text())["config"]
    assert config["model"]["path"] == str(embedded_model.resolve())
    assert config["model_origin"] == "environment RLOG_MODEL"
    assert config["adapter"] is None


def test_fast_mode_asks_answer_first_and_records_it(llama_engine):
    options = EvalOptions(tasks=(Task.ANOMALY,), limit=1, fast=True, max_tokens=12)
    result = evaluate(llama_engine, options)
    (record,) = result.records
    assert result.config["order"] == record.order == "answer-first"
    assert SYSTEM_PROMPTS[OutputOrder.ANSWER_FIRST] in record.prompt
    assert record.finish_reason in {"answer", "length", "stop"}
    request = request_for(result.sets[0].examples[0], options)
    assert request.order is OutputOrder.ANSWER_FIRST and request.stop_after_answer
    assert request.instruction == result.sets[0].examples[0].instruction


def test_interruption_keeps_the_finished_examples(llama_engine, tmp_path):
    options = EvalOptions(tasks=(Task.PARSE,), limit=2, max_tokens=8)

    def interrupt(_record, done, _total):
        if done == 1:
            raise KeyboardInterrupt

    result = evaluate(llama_engine, options, on_record=interrupt)
    assert result.partial and result.stopped_reason == "interrupted"
    assert len(result.records) == 1
    json_path, md_path = write_report(result, tmp_path)
    data = json.loads(json_path.read_text())
    assert data["partial"] and data["examples_done"] == 1 and data["examples_planned"] == 4
    assert "PARTIAL RESULTS" in md_path.read_text()
    assert llama_engine.pending == 0  # nothing left queued behind the interruption


def test_ctrl_c_in_the_command_writes_partial_results_and_exits_130(tmp_path, monkeypatch):
    def interrupt(self, record, done, total):
        raise KeyboardInterrupt

    monkeypatch.setattr(eval_command._ProgressBar, "update", interrupt)
    out = tmp_path / "run"
    result = invoke(app, "rlog-train", *["eval", "--tasks", "anomaly", *QUICK, "--out", str(out)])
    assert result.exit_code == 130, result.output
    data = json.loads((out / "eval.json").read_text())
    assert data["partial"] and len(data["records"]) == 1


@pytest.mark.parametrize(
    ("arguments", "message", "code"),
    [
        (["--model", "/no/such/model.gguf"], "model not found", 1),
        (["--tasks", "parse,frobnicate"], "unknown task", 2),
        (["--hf-adapter", "/tmp"], "--hf-adapter needs --hf", 2),
        (["--limit", "-1"], "--limit", 2),
    ],
)
def test_user_errors_are_one_line_with_their_exit_code(arguments, message, code, tmp_path):
    result = invoke(app, "rlog-train", "eval", *arguments, "--out", str(tmp_path))
    assert result.exit_code == code
    assert result.output.strip().count("\n") == 0
    assert message in result.output


def test_missing_data_dir_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RLOG_DATA_DIR", str(tmp_path / "absent"))
    result = invoke(app, "rlog-train", *["eval", *QUICK])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "RLOG_DATA_DIR" in result.output
