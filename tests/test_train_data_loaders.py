"""Readers of each upstream format, on small files written like the originals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlog_train.data import DataDirNotFound, find_data_dir
from rlog_train.data.loaders import (
    DATA_DIR_ENV,
    DataError,
    load_anomaly_patch,
    load_loghub,
    load_loglm_test,
    load_logprompt,
    load_rlog,
)
from rlog_tui.protocol import Task


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_rlog_reasoning_is_split_by_the_protocol(tmp_path):
    records = [
        {"instruction": "I", "input": "a", "label": "normal",
         "reasoning": "<think>Because.</think><answer>normal</answer>"},
        {"instruction": "I", "input": "b", "label": "abnormal",
         "reasoning": "Untagged thoughts.<answer>abnormal</answer>"},
        {"instruction": "I", "input": "c", "label": "normal",
         "reasoning": "<think></think><answer>normal</answer>"},
        {"instruction": "I", "input": "d", "label": "normal",
         "reasoning": "```xml\n<think>Fenced.</think><answer>normal</answer>\n```"},
    ]  # fmt: skip
    _write(tmp_path / "rlog/AnomalyDetection_with_reason.json", json.dumps(records))
    examples = load_rlog(Task.ANOMALY, tmp_path)
    assert [e.reasoning for e in examples] == ["Because.", "Untagged thoughts.", None, "Fenced."]
    assert [e.label for e in examples] == ["normal", "abnormal", "normal", "normal"]
    assert {e.source for e in examples} == {"rlog/AnomalyDetection"}


def test_loglm_output_becomes_label(tmp_path):
    record = {"instruction": "Why?", "input": "```\nboom\n```", "output": "Disk full."}
    _write(tmp_path / "loglm/root_cause_analysis_test.json", json.dumps([record]))
    [example] = load_loglm_test(Task.ROOT_CAUSE, tmp_path)
    assert (example.input, example.label, example.reasoning) == (
        "```\nboom\n```",
        "Disk full.",
        None,
    )
    with pytest.raises(ValueError):
        load_loglm_test(Task.PARSE, tmp_path)


def test_logprompt_label_one_is_abnormal(tmp_path):
    _write(tmp_path / "logprompt/templates_spirit.csv", 'log,label\n"a, b",1\nc <*>,0\n')
    examples = load_logprompt("Spirit", tmp_path)
    assert [(e.input, e.label, e.system) for e in examples] == [
        ("a, b", "abnormal", "Spirit"),
        ("c <*>", "normal", "Spirit"),
    ]


def test_anomaly_patch_gives_rectified_labels(tmp_path):
    patch = [{"instruction": "I", "input": "x", "label": "normal", "rectified": "Abnormal"}]
    _write(tmp_path / "rlog/anomaly_patch.json", json.dumps(patch))
    assert load_anomaly_patch(tmp_path) == [("x", "abnormal")]


def test_loghub_lines_after_a_line_id(tmp_path):
    _write(
        tmp_path / "loghub/HDFS/HDFS_2k.log_structured.csv",
        "LineId,Content,EventId,EventTemplate\n1,a 1,E1,a <*>\n2,b 2,E2,b <*>\n3,c,E3,c\n",
    )
    assert [e.input for e in load_loghub("HDFS", tmp_path, after_line=1)] == ["b 2", "c"]
    first = load_loghub("HDFS", tmp_path)[0]
    assert (first.label, first.source, first.system) == ("a <*>", "loghub/HDFS", "HDFS")


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="missing data file"):
        load_loghub("Mac", tmp_path)


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert find_data_dir() == tmp_path
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "nope"))
    with pytest.raises(DataDirNotFound, match="not a directory"):
        find_data_dir()


def test_data_dir_found_by_walking_up_to_shared_data(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    (tmp_path / "shared/data/rlog").mkdir(parents=True)
    repo = tmp_path / "main" / "pkg"
    repo.mkdir(parents=True)
    assert find_data_dir(repo) == (tmp_path / "shared/data").resolve()


def test_missing_data_dir_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(DataDirNotFound) as caught:
        find_data_dir(tmp_path)
    assert DATA_DIR_ENV in str(caught.value) and "\n" not in str(caught.value)
