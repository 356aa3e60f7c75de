"""Short answers keep whole leading sentences of the label, only for the free-text tasks."""

from __future__ import annotations

import pytest

from rlog_train.data.examples import Example
from rlog_train.data.short_answer import leading_sentences, shorten_answers
from rlog_tui.errors import UsageError
from rlog_tui.protocol import Task

LABEL = (
    "The root cause is a full disk on the data node. "
    "Writes to /data failed with ENOSPC while the balancer ran. "
    "Cleaning old snapshots would have prevented it."
)


def test_whole_sentences_within_the_budget() -> None:
    assert leading_sentences(LABEL, 21) == (
        "The root cause is a full disk on the data node. "
        "Writes to /data failed with ENOSPC while the balancer ran."
    )
    assert leading_sentences(LABEL, 100) == LABEL


def test_the_first_sentence_stays_even_when_it_is_long() -> None:
    assert leading_sentences(LABEL, 3) == "The root cause is a full disk on the data node."


def test_a_sentence_that_only_opens_a_list_ends_the_answer() -> None:
    text = "To resolve it, configure the proxy. This involves: 1. **Set** the header."
    assert leading_sentences(text, 40) == "To resolve it, configure the proxy."


def test_only_free_text_tasks_are_cut() -> None:
    def item(task: Task, label: str) -> Example:
        return Example(task, "", "a line", label, "<think>x</think>", "test")

    examples = [item(Task.ROOT_CAUSE, LABEL), item(Task.PARSE, "a <*>. B <*>. C <*>.")]
    cut = shorten_answers(examples, 3)
    assert cut[0].label == "The root cause is a full disk on the data node."
    assert cut[1] == examples[1]
    assert shorten_answers(examples, None) == examples


def test_a_budget_below_one_word_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        leading_sentences(LABEL, 0)


def test_chosen_tasks_only_and_only_free_text_ones() -> None:
    def item(task: Task) -> Example:
        return Example(task, "", "a line", LABEL, "<think>x</think>", "test")

    examples = [item(Task.INTERPRET), item(Task.SOLUTION)]
    cut = shorten_answers(examples, 3, {Task.INTERPRET})
    assert cut[0].label == "The root cause is a full disk on the data node."
    assert cut[1].label == LABEL
    with pytest.raises(UsageError, match="free-text tasks only"):
        shorten_answers(examples, 3, {Task.PARSE})


def test_a_first_sentence_that_opens_a_list_keeps_its_opening_and_the_first_step() -> None:
    text = (
        "To resolve it, the following steps should be taken: 1. **Free space**: Delete old "
        "snapshots on /data. Then restart the node. 2. **Alert**: Watch the disk."
    )
    assert leading_sentences(text, 40) == (
        "To resolve it, the following steps should be taken: **Free space**: Delete old "
        "snapshots on /data. Then restart the node."
    )
    assert leading_sentences(text, 5) == (
        "To resolve it, the following steps should be taken: **Free space**: Delete old "
        "snapshots on /data."
    )


def test_a_number_ending_a_sentence_is_no_list() -> None:
    text = "Apache could not bind to port 443. Another process holds it. 1. Stop it."
    assert (
        leading_sentences(text, 40)
        == "Apache could not bind to port 443. Another process holds it."
    )


def test_dotted_numbers_ending_a_sentence_are_no_list() -> None:
    text = (
        "It was logged at 01:42:40.659710. The client was 10.10.10.100. "
        "The PID is 10727. 1. Restart it."
    )
    assert leading_sentences(text, 40) == (
        "It was logged at 01:42:40.659710. The client was 10.10.10.100. The PID is 10727."
    )
