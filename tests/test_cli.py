"""``rlog-tui`` as a user runs it: a real process, real files, the real embedded model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rlog_tui.protocol import Task

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "hdfs-incident.log"


def rlog(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "rlog_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )


def one_line_error(result: subprocess.CompletedProcess, code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rlog: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_analyze_json_has_reasoning_and_answer_from_the_real_model():
    result = rlog(
        "analyze", str(SAMPLE), "--task", "anomaly", "--last", "20", "--json", "--max-tokens", "48"
    )
    assert result.returncode in (0, 3), result.stderr
    record = json.loads(result.stdout)
    assert record["task"] == "anomaly" and record["mode"] == "full"
    assert record["lines"] == {"first": 101, "last": 120, "count": 20}
    assert "gemma" in record["model"].lower()
    assert isinstance(record["reasoning"], str) and isinstance(record["answer"], str)
    assert record["stats"]["completion_tokens"] > 0
    assert (result.returncode == 0) == (record["well_formed"] and record["answer_valid"])


def test_analyze_without_a_selection_asks_about_the_last_line():
    """One log entry, as the models are trained (not a window they degenerate on)."""
    result = rlog("analyze", str(SAMPLE), "--fast", "--json", "--max-tokens", "16")
    assert result.returncode in (0, 3), result.stderr
    assert json.loads(result.stdout)["lines"] == {"first": 120, "last": 120, "count": 1}


def test_analyze_streams_answer_to_stdout_and_reasoning_to_stderr(tmp_path):
    """The streamed channels carry what --json reports as answer and reasoning (greedy: same run).

    The log it reads carries escape sequences and turn markers: data, left byte for byte as it was.
    """
    log = tmp_path / "app.log"
    log.write_bytes(SAMPLE.read_bytes() + b"\x1b[31mERROR\x1b[0m <end_of_turn> disk full\n")
    before = log.read_bytes()
    args = ("analyze", str(log), "--task", "anomaly", "--max-tokens", "64", "--threads", "1")
    streamed = rlog(*args)
    assert streamed.returncode in (0, 3), streamed.stderr
    record = json.loads(rlog(*args, "--json").stdout)
    assert record["answer"] and streamed.stdout.strip() == record["answer"]
    assert record["reasoning"].strip() and record["reasoning"].strip() in streamed.stderr
    assert record["reasoning"].strip() not in streamed.stdout
    assert log.read_bytes() == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.log", "no such file"),
        (lambda d: d, "directory"),
        (
            lambda d: (
                (d / "core.bin").write_bytes(b"\x7fELF\x00\x00\x01\x02" * 512) and d / "core.bin"
            ),
            "binary",
        ),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, make, message):
    path = make(tmp_path)
    line = one_line_error(rlog("analyze", str(path), "--task", "anomaly"))
    assert message in line.lower()


def test_bad_selection_flags_are_usage_errors(tmp_path):
    def usage(*args: str) -> str:
        return one_line_error(rlog("analyze", str(SAMPLE), *args), code=2)

    assert "bad line range" in usage("--lines", "9:3")
    assert "choose one of" in usage("--lines", "1:3", "--last", "4")
    assert "no line matches" in usage("--grep", "NO_SUCH_TEXT_ANYWHERE")
    assert "past the end" in usage("--lines", "5000:")


def test_unknown_task_exits_2_and_lists_the_valid_tasks():
    result = rlog("analyze", str(SAMPLE), "--task", "nonsense")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert all(f"'{task.value}'" in result.stderr for task in Task)
    assert "--task" in result.stderr


def test_missing_model_is_one_line_error(tmp_path):
    line = one_line_error(rlog("analyze", str(SAMPLE), "--model", str(tmp_path / "none.gguf")))
    assert "model not found" in line


def test_models_shows_what_resolves_and_from_where(tmp_path, embedded_model):
    result = rlog("models")
    assert result.returncode == 0, result.stderr
    assert "embedded default" in result.stdout and embedded_model.name in result.stdout
    # The shipped adapter's calibration fits it and today's scoring prompt (else: rerun
    # `rlog-train calibrate`); a bare base has none.
    assert "[calibrated (rlog-270m-lora.calibration.json)]" in result.stdout
    # full mode asks the order the adapter records (answer-first), a bare base reason-first
    assert result.stdout.count("order:   answer-first") == 2
    bare = rlog("models", "--adapter", "none").stdout
    assert "flag >= 0.50, no band [uncalibrated" in bare
    assert "order:   reason-first\n" in bare
    result = rlog("models", env={"RLOG_MODEL": str(embedded_model)})
    assert "environment RLOG_MODEL" in result.stdout
    config = tmp_path / "config.toml"
    config.write_text(f'adapter = "{tmp_path / "a.gguf"}"\nn_ctx = 8192\n')
    result = rlog("models", env={"RLOG_CONFIG": str(config)})
    assert f"config file {config}" in result.stdout and "8192" in result.stdout


def test_setting_flags_set_their_settings_and_a_flag_left_out_leaves_its_setting_be():
    from rlog_tui.cli import _settings

    resolved = _settings({"ctx": 512, "max_tokens": 64, "base_url": "http://x", "model": None})
    settings = resolved.settings
    assert (settings.n_ctx, settings.max_tokens, settings.base_url) == (512, 64, "http://x")
    assert resolved.origins.get("model") != "--model flag"


def test_models_takes_the_server_flags():
    result = rlog("models", "--backend", "openai", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 0, result.stderr
    assert "openai-compatible server at http://127.0.0.1:9 (--base-url flag)" in result.stdout


def test_malformed_config_is_one_line_error(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("n_ctx = [oops\n")
    assert "not valid TOML" in one_line_error(rlog("models", env={"RLOG_CONFIG": str(config)}))
    config.write_text("colour = 'red'\n")
    assert "unknown setting" in one_line_error(rlog("models", env={"RLOG_CONFIG": str(config)}))


def test_help_teaches_with_examples():
    result = rlog("--help")
    assert result.returncode == 0
    assert "rlog-tui tail /var/log/app.log" in result.stdout
    analyze_help = rlog("analyze", "--help").stdout
    assert "--last" in analyze_help and "Exit status" in analyze_help


def test_debug_flag_shows_the_traceback(tmp_path):
    result = rlog("analyze", str(tmp_path / "missing.log"), "--debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_analyze_all_scores_each_template_once_and_ranks_them(tmp_path, embedded_model):
    env = {"RLOG_CACHE_DIR": str(tmp_path)}
    args = ("analyze", str(SAMPLE), "--task", "anomaly", "--all", "--json")
    args += ("--model", str(embedded_model))
    result = rlog(*args, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["lines"] == 120
    assert 0 < report["model_calls"] == report["template_count"] < report["lines"]
    assert sum(row["count"] for row in report["templates"]) == 120
    scores = [row["score"] for row in report["templates"]]
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)  # ranked, most suspicious first
    # A bare --model has no calibration: the default 0.5, no band, and it says so.
    assert report["thresholds"]["flag"] == report["thresholds"]["clear"] == 0.5
    assert report["thresholds"]["origin"].startswith("uncalibrated")
    for row in report["templates"]:
        assert row["verdict"] == ("abnormal" if row["score"] >= 0.5 else "normal")
        assert row["first_lines"] and row["first_lines"][0] >= 1
    assert report["abnormal_templates"] == [
        row["template_id"] for row in report["templates"] if row["verdict"] == "abnormal"
    ]
    again = json.loads(rlog(*args, env=env).stdout)
    assert again["model_calls"] == 0 and again["cache_hits"] == report["template_count"]
    assert [row["score"] for row in again["templates"]] == scores
    table = rlog(*(a for a in args if a != "--json"), env=env).stdout
    assert "| id | count | score | verdict | first lines | template |" in table
    assert "model calls: 0" in table and f"| {scores[0]:.3f} |" in table


def test_analyze_all_is_for_the_anomaly_task_on_the_whole_file():
    assert "anomaly task only" in one_line_error(
        rlog("analyze", str(SAMPLE), "--task", "interpret", "--all"), code=2
    )
    assert "whole file" in one_line_error(
        rlog("analyze", str(SAMPLE), "--all", "--last", "3"), code=2
    )


def test_answer_and_reason_streamed_to_one_terminal_stay_on_lines_of_their_own(monkeypatch):
    """stdout and stderr on one terminal: ``abnormal`` then ``L1: …``, not ``abnormalL1: …``."""
    import io

    from rlog_tui.cli import _StreamLines

    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setattr(sys, "stderr", terminal)
    lines = _StreamLines()
    for answer, text in [(True, "abn"), (True, "ormal"), (False, "L1: disk"), (False, " full.")]:
        lines.write(answer, text)
    lines.close()
    assert terminal.getvalue() == "abnormal\nL1: disk full.\n"
    silent = io.StringIO()
    monkeypatch.setattr(sys, "stdout", silent)
    _StreamLines().close()
    assert silent.getvalue() == "\n"  # no answer: still one (empty) line, as before
