"""``rlog-train data stats`` prints the split table, and fails in one line without data."""

from __future__ import annotations

from cli_run import invoke
from research_data import needs_data

from rlog_train.cli import app


@needs_data
def test_data_stats_prints_every_task_and_split():
    result = invoke(app, "rlog-train", *["data", "stats"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split("|")[2].strip() == "task"
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in lines[3:]]
    assert len(rows) == 12
    assert ["L.P.", "parse", "test", "10754", "1846", "7", "-"] in rows
    assert ["A.D.", "anomaly", "train", "266", "-", "2", "264"] in rows
    assert ["A.D.", "anomaly", "validation", "66", "-", "2", "65"] in rows


def test_missing_data_dir_is_one_line_and_exit_one(tmp_path, monkeypatch):
    monkeypatch.setenv("RLOG_DATA_DIR", str(tmp_path / "absent"))
    result = invoke(app, "rlog-train", *["data", "stats"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "RLOG_DATA_DIR" in result.output


def test_data_dir_without_files_is_a_clean_error(tmp_path):
    result = invoke(app, "rlog-train", *["data", "stats", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "missing data file" in result.output
