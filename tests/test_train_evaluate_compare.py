"""``rlog-train compare``: runs side by side, LogLM's row, and refusal of mismatched samples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rlog_train.evaluate.compare import Run, compare_table, parse_run_argument
from rlog_train.evaluate.suite import EvalError


def _record(set_name: str, text: str, ok: bool, answer_at: float | None, total: float) -> dict:
    return {
        "set": set_name,
        "input": text,
        "format_ok": ok,
        "time_to_answer": answer_at,
        "total_time": total,
    }


def _eval_json(folder: Path, f1: float, parse_f1: float, times: list[float | None]) -> Path:
    folder.mkdir(parents=True)
    records = [
        _record("parse/test_unseen", "line a", True, times[0], 9.0),
        _record("anomaly/test", "line b", times[1] is not None, times[1], 9.0),
    ]
    record = {
        "config": {"seed": 0, "drop_leaked": True},
        "metrics": {
            "parse/test_unseen": {"n": 1, "token_f1": parse_f1, "pa": 0.0},
            "anomaly/test": {"n": 1, "f1": f1, "abnormal": 1},
        },
        "records": records,
    }
    (folder / "eval.json").write_text(json.dumps(record))
    return folder


def test_each_run_is_a_row_with_its_own_figures_and_loglm_below(tmp_path):
    base = Run.load("base", _eval_json(tmp_path / "a", 0.0, 0.125, [4.0, None]))
    tuned = Run.load("tuned", _eval_json(tmp_path / "b", 0.5, 0.5625, [1.0, 3.0]))
    table = compare_table([base, tuned])
    lines = table.splitlines()
    assert lines[0].startswith("| model | L.P. unseen token-F1 | L.P. unseen PA | A.D. F1 |")
    # the base never closed its A.D. answer: that example counts its whole 9 s
    assert lines[2] == "| base | 0.125 | 0.000 | 0.000 | 50% | 6.50 s |"
    assert lines[3] == "| tuned | 0.562 | 0.000 | 0.500 | 100% | 2.00 s |"
    assert "0.625 BGL, 0.278 Spirit" in lines[4]
    assert "L.P. unseen 1, A.D. 1" in table
    only_ad = compare_table([base, tuned], ["anomaly/test"])
    assert "token-F1" not in only_ad


def test_runs_on_different_samples_are_refused(tmp_path):
    first = Run.load("a", _eval_json(tmp_path / "a", 0.0, 0.1, [1.0, 1.0]))
    other_folder = _eval_json(tmp_path / "b", 0.0, 0.1, [1.0, 1.0])
    data = json.loads((other_folder / "eval.json").read_text())
    data["records"][0]["input"] = "another line"
    (other_folder / "eval.json").write_text(json.dumps(data))
    with pytest.raises(EvalError, match="different samples of parse/test_unseen"):
        compare_table([first, Run.load("b", other_folder)])
    with pytest.raises(EvalError, match="solution/test is not in"):
        compare_table([first], ["solution/test"])


def test_bad_arguments_are_one_line_errors(tmp_path):
    assert parse_run_argument("x=runs/e") == ("x", Path("runs/e"))
    assert parse_run_argument("runs/eval-base") == ("eval-base", Path("runs/eval-base"))
    with pytest.raises(EvalError, match="NAME=EVAL_DIR"):
        parse_run_argument("=runs/e")
    (tmp_path / "eval.json").write_text("{not json")
    with pytest.raises(EvalError, match="unreadable"):
        Run.load("x", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "rlog_train.cli", "compare", f"x={tmp_path / 'absent'}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("rlog-train:") and "no such eval.json" in result.stderr
