"""``rlog_train.data.mixture``: a second stage's replay caps and repeated anomalies."""

from __future__ import annotations

from collections import Counter

import pytest

from rlog_train.data import Example
from rlog_train.data.mixture import mixture
from rlog_tui.errors import UsageError
from rlog_tui.protocol import Task


def _items() -> list[Example]:
    parse = [Example(Task.PARSE, "i", f"p{k}", "t", None, "s", "HDFS") for k in range(10)]
    anomaly = [
        Example(Task.ANOMALY, "i", f"a{k}", "abnormal" if k < 2 else "normal", None, "s", "BGL")
        for k in range(6)
    ]
    explain = [Example(Task.INTERPRET, "i", f"e{k}", "because", None, "s") for k in range(5)]
    return parse + anomaly + explain


def test_caps_the_named_tasks_and_repeats_each_abnormal_item():
    mixed = mixture(_items(), {"parse": 3, "interpret": 0}, abnormal_repeat=3)
    by_task = Counter(example.task for example in mixed)
    assert by_task == {Task.PARSE: 3, Task.ANOMALY: 2 * 3 + 4}
    assert Counter(e.input for e in mixed if e.label == "abnormal") == {"a0": 3, "a1": 3}
    assert mixed == mixture(_items(), {"parse": 3, "interpret": 0}, abnormal_repeat=3)


def test_no_caps_and_no_repeat_is_the_input():
    assert mixture(_items()) == _items()


@pytest.mark.parametrize(
    ("limits", "repeat", "message"),
    [({}, 0, "abnormal_repeat"), ({"parse": -1}, 1, "negative"), ({"nonsense": 1}, 1, "task")],
)
def test_bad_settings_are_refused(limits, repeat, message):
    with pytest.raises(UsageError, match=message):
        mixture(_items(), limits, repeat)
