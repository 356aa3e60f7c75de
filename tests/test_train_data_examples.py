"""Example rendering: training targets and prompts go through the protocol."""

from __future__ import annotations

import pytest

from rlog_train.data import Example, to_prompt, to_target
from rlog_tui.protocol import OutputOrder, Task, parse_response

EXAMPLE = Example(
    task=Task.ANOMALY,
    instruction="Classify the given log entries into normal and abnormal categories.",
    input="L3 major internal error",
    label="abnormal",
    reasoning="It reports an internal error.",
    source="rlog/AnomalyDetection",
    system="BGL",
)


def test_reason_first_target_is_think_then_answer():
    assert to_target(EXAMPLE, OutputOrder.REASON_FIRST) == (
        "<think>It reports an internal error.</think><answer>abnormal</answer>"
    )


def test_answer_first_target_is_the_label_then_a_short_reason_citing_the_line():
    target = to_target(EXAMPLE, OutputOrder.ANSWER_FIRST)
    assert target.startswith("<answer>abnormal</answer>")
    parsed = parse_response(target, OutputOrder.ANSWER_FIRST)
    assert parsed.format_ok
    assert (parsed.think, parsed.answer) == ("L1: It reports an internal error.", EXAMPLE.label)


def test_example_without_reasoning_cannot_be_a_target():
    test_item = Example(Task.ANOMALY, "x", "log", "normal", None, "logprompt/BGL", "BGL")
    with pytest.raises(ValueError, match="no reasoning"):
        to_target(test_item, OutputOrder.REASON_FIRST)


def test_prompt_carries_the_examples_own_instruction_and_fenced_lines_numbered():
    example = Example(
        task=Task.INTERPRET,
        instruction="Interpret the Apache rewrite log entries.",
        input="```\n[rewrite:trace3] strip prefix\n[rewrite:trace2] rewrite done\n```",
        label="It rewrites a URL.",
        reasoning="Looks like mod_rewrite.",
        source="rlog/LogInterpretation",
    )
    prompt = to_prompt(example, OutputOrder.REASON_FIRST)
    assert prompt.user == (
        f"{example.instruction}\n```\nL1: [rewrite:trace3] strip prefix\n"
        "L2: [rewrite:trace2] rewrite done\n```"
    )
    assert prompt.lines_sent == 4
    assert prompt.text.endswith("<start_of_turn>model\n")


def test_single_line_input_makes_one_line_prompt():
    prompt = to_prompt(EXAMPLE, OutputOrder.ANSWER_FIRST)
    assert prompt.lines_sent == 1
    assert prompt.order is OutputOrder.ANSWER_FIRST
    assert "first gives the user the final answer" in prompt.system
