"""Answer schemas per task and task-name resolution."""

from __future__ import annotations

import pytest

from rlog_tui.errors import UsageError
from rlog_tui.protocol import Task, check_answer, task_from_name


@pytest.mark.parametrize("raw", ["abnormal", " Abnormal\n", "ABNORMAL"])
def test_anomaly_answer_is_normalised(raw):
    answer = check_answer(Task.ANOMALY, raw)
    assert answer.valid and answer.text == "abnormal"


@pytest.mark.parametrize("raw", ["abnormal.", "normal, abnormal", "The log is abnormal", ""])
def test_anomaly_answer_outside_the_two_labels_is_invalid(raw):
    assert not check_answer(Task.ANOMALY, raw).valid


def test_parse_answer_normalises_whitespace_per_template_line():
    answer = check_answer(Task.PARSE, "  Receiving  block <*>\n\nsrc: <*> ")
    assert answer.valid and answer.text == "Receiving block <*>\nsrc: <*>"


def test_empty_generation_answer_is_invalid():
    assert not check_answer(Task.SOLUTION, "   ").valid
    assert check_answer(Task.SOLUTION, "Restart the datanode.").valid


@pytest.mark.parametrize(
    ("name", "task"),
    [
        ("anomaly", Task.ANOMALY),
        ("A.D.", Task.ANOMALY),
        ("root_cause", Task.ROOT_CAUSE),
        ("rca", Task.ROOT_CAUSE),
        ("parse", Task.PARSE),
        ("solution", Task.SOLUTION),
    ],
)
def test_task_names(name, task):
    assert task_from_name(name) is task


def test_unknown_task_names_the_choices():
    with pytest.raises(UsageError, match="choose one of parse, anomaly"):
        task_from_name("summarise")
