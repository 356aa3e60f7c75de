"""The joint reward: format + task metric, on well-formed, malformed and adversarial completions."""

from __future__ import annotations

import pytest

from rlog_train.metrics import template_f1
from rlog_train.rewards import (
    MAX_COMPLETION_CHARS,
    answer_reward,
    completion_text,
    format_reward,
    joint_reward,
    score,
)
from rlog_tui.protocol import OutputOrder, Task

LOG = "PacketResponder 1 for block blk_38865 terminating"
TEMPLATE = "PacketResponder <*> for block blk_<*> terminating"


def _anomaly(completion: str, label: str = "normal", order: str = "reason-first") -> float:
    return score(Task.ANOMALY, completion, label, "some log", order).total


def test_right_anomaly_answer_earns_format_and_answer():
    result = score(
        Task.ANOMALY, "<think>ok</think><answer>Normal</answer>", "normal", "x", "reason-first"
    )
    assert (result.format, result.answer, result.answer_text) == (0.1, 1.0, "normal")
    assert result.total == pytest.approx(1.1) and result.format_ok


def test_wrong_anomaly_answer_is_minus_one():
    assert _anomaly("<think>ok</think><answer>abnormal</answer>") == pytest.approx(-0.9)


def test_answer_first_order_is_accepted_when_expected():
    # R-Log's released check looked for "<//answer>", failing every answer-first response.
    assert _anomaly("<answer>normal</answer><think>ok</think>", order="answer-first") == (
        pytest.approx(1.1)
    )


def test_fast_mode_stopped_at_answer_is_well_formed_only_when_declared():
    completion = "<answer>normal</answer>"
    assert _anomaly(completion, order="answer-first") == pytest.approx(-2.0)
    stopped = score(Task.ANOMALY, completion, "normal", "x", "answer-first",
                    stopped_after_answer=True)  # fmt: skip
    assert stopped.total == pytest.approx(1.1)


def test_wrong_order_fails_format_and_answer():
    result = score(Task.ANOMALY, "<answer>normal</answer><think>ok</think>", "normal", "x",
                   OutputOrder.REASON_FIRST)  # fmt: skip
    assert (result.format, result.answer) == (-1.0, -1.0)
    assert result.problems


@pytest.mark.parametrize(
    "completion",
    [
        "<think>a</think><think>b</think><answer>normal</answer>",
        "<think>a</think><answer>normal</answer><answer>normal</answer>",
        "<think>a</think><answer>normal</answer> trailing words",
        "<think>a<answer>normal</answer>",
        "normal",
        "",
    ],
)
def test_malformed_completions_get_minus_two(completion):
    assert _anomaly(completion) == pytest.approx(-2.0)


@pytest.mark.parametrize("stuffed", ["normal abnormal", "normal, abnormal", "normal\nabnormal"])
def test_answer_stuffed_with_both_labels_is_wrong(stuffed):
    result = score(Task.ANOMALY, f"<think>x</think><answer>{stuffed}</answer>", "normal", "x",
                   "reason-first")  # fmt: skip
    assert (result.format, result.answer) == (0.1, -1.0)


@pytest.mark.parametrize("task", list(Task))
def test_empty_answer_is_minus_one_for_every_task(task):
    result = score(task, "<think>x</think><answer>  </answer>", "label", LOG, "reason-first")
    assert result.answer == -1.0


def test_parsing_answer_is_the_template_f1_over_the_raw_log():
    completion = "<think>x</think><answer>PacketResponder 1 for block <*> terminating</answer>"
    result = score(Task.PARSE, completion, TEMPLATE, LOG, "reason-first")
    expected = template_f1(LOG, "PacketResponder 1 for block <*> terminating", TEMPLATE)
    assert result.answer == pytest.approx(expected) == pytest.approx(2 / 3)


def test_generation_reward_is_normalised_overlap_unclipped():
    reference = "The datanode ran out of disk space on its data volume"
    copy = score(Task.ROOT_CAUSE, f"<think>x</think><answer>{reference}</answer>", reference,
                 "log", "reason-first")  # fmt: skip
    assert copy.answer == pytest.approx(400 / 400 / 0.8)
    unrelated = score(Task.SOLUTION, "<think>x</think><answer>zzz qqq</answer>", reference, "log",
                      "reason-first")  # fmt: skip
    assert unrelated.answer == 0.0


def test_very_long_completions_are_refused_or_scored():
    runaway = score(Task.INTERPRET, "<think>" + "<a " * MAX_COMPLETION_CHARS, "ref", "log",
                    "reason-first")  # fmt: skip
    assert (runaway.format, runaway.answer) == (-1.0, -1.0)
    just_under = "<think>" + "a< " * 15_000 + "</think><answer>" + "word " * 2_000 + "</answer>"
    assert len(just_under) < MAX_COMPLETION_CHARS
    score(Task.INTERPRET, just_under, "word " * 300, "log", "reason-first")
    assert score(Task.PARSE, just_under, TEMPLATE, LOG, "reason-first").answer > -1.0  # scored


def test_trl_functions_accept_strings_and_message_lists():
    completions = [
        "<think>x</think><answer>abnormal</answer>",
        [{"role": "assistant", "content": "<answer>normal</answer><think>x</think>"}],
        [{"role": "assistant", "content": "<think>x</think><answer>" + TEMPLATE + "</answer>"}],
    ]
    columns = {
        "task": ["anomaly", "anomaly", "parse"],
        "answer": ["abnormal", "abnormal", TEMPLATE],
        "log": ["a", "b", LOG],
        "order": ["reason-first", "answer-first", "reason-first"],
        "prompts": ["ignored", "ignored", "ignored"],
    }
    assert format_reward(completions, **columns) == [0.1, 0.1, 0.1]
    assert answer_reward(completions, **columns) == [1.0, -1.0, 1.0]
    assert joint_reward(completions, **columns) == pytest.approx([1.1, -0.9, 1.1])


def test_order_column_defaults_to_reason_first():
    assert joint_reward(["<think>x</think><answer>normal</answer>"], task=["anomaly"],
                        answer=["normal"]) == [pytest.approx(1.1)]  # fmt: skip


def test_missing_or_misaligned_columns_are_errors():
    with pytest.raises(ValueError, match="'task' and 'answer'"):
        joint_reward(["x"], answer=["normal"])
    with pytest.raises(ValueError, match="column 'answer'"):
        joint_reward(["x", "y"], task=["anomaly", "anomaly"], answer=["normal"])
    with pytest.raises(ValueError, match="raw log"):
        joint_reward(["x"], task=["parse"], answer=[TEMPLATE])


def test_completion_text_joins_assistant_messages_only():
    messages = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    assert completion_text(messages) == "a"
    assert completion_text("plain") == "plain"
