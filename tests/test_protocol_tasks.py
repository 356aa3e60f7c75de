"""``--tasks`` lists: one parser (``protocol.parse_task_list``) for every command that takes one."""

from __future__ import annotations

import pytest

from rlog_tui.errors import UsageError
from rlog_tui.protocol import Task, parse_task_list


def test_all_means_every_task_in_protocol_order():
    assert parse_task_list("all") == tuple(Task)
    assert parse_task_list(None) == tuple(Task)
    assert parse_task_list("solution, parse,ad") == (Task.PARSE, Task.ANOMALY, Task.SOLUTION)
    assert parse_task_list(["rc", "root_cause"]) == (Task.ROOT_CAUSE,)


@pytest.mark.parametrize("text", ["", " , ", "parsing,frobnicate"])
def test_unknown_or_empty_task_list_is_a_usage_error(text):
    with pytest.raises(UsageError):
        parse_task_list(text)
