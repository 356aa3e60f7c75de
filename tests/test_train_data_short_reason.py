"""Short reasons for answer-first targets: built from the item's own label and trajectory."""

from __future__ import annotations

from rlog_train.data.short_reason import (
    MAX_WORDS,
    cited_lines,
    masked_values,
    sentences,
    short_reason,
)
from rlog_tui.protocol import Task

TRAJECTORY = (
    "<think>Step 1: The log shows `CreateJavaVM Failed` at startup. The JVM options were edited "
    "recently, which often breaks startup. " + "Many words follow here without end " * 12 + ". "
    "So the root cause is an invalid JVM option.</think><answer>bad JVM option</answer>"
)
LINES = [
    "```",
    "[2012-08-08 19:13:02] [info] Running 'Tomcat7' Service...",
    "[2012-08-08 19:13:02] [error] CreateJavaVM Failed",
    "```",
]


def test_parsing_reason_lists_the_values_the_template_masks() -> None:
    line = "PacketResponder 2 for block blk_8229193803249955061 terminating"
    template = "PacketResponder <*> for block blk_<*> terminating"
    assert masked_values(line, template) == ["2", "8229193803249955061"]
    reason = short_reason(Task.PARSE, [line], template, None)
    assert reason == ("L1: masks 2 values (2, 8229193803249955061); the rest is constant text.")


def test_parsing_reason_without_values_and_with_misaligned_tokens() -> None:
    assert "no part of the line varies" in short_reason(Task.PARSE, ["a b"], "a b", None)
    assert "become <*>" in short_reason(Task.PARSE, ["a b c"], "a <*>", None)


def test_trajectory_reason_keeps_the_first_and_last_short_sentences_and_cites_the_evidence() -> (
    None
):
    reason = short_reason(Task.ROOT_CAUSE, LINES, "bad JVM option", TRAJECTORY)
    # Fences are not log lines: the error line is L2 as the prompt numbers it.
    assert reason.startswith("L2: The log shows `CreateJavaVM Failed` at startup.")
    assert reason.endswith("So the root cause is an invalid JVM option.")
    assert "Step 1" not in reason and "Many words" not in reason


def test_sentences_drop_the_tags_and_long_sentences_are_left_out_of_reasons() -> None:
    found = sentences(TRAJECTORY)
    assert found[0] == "The log shows `CreateJavaVM Failed` at startup."
    assert any(len(s.split()) > MAX_WORDS for s in found)
    assert all(
        len(s.split()) <= MAX_WORDS
        for s in short_reason(Task.ANOMALY, ["x"], "abnormal", TRAJECTORY)
        .split(": ", 1)[1]
        .split(". ")
    )


def test_cited_lines_default_to_the_first_line_when_nothing_is_shared() -> None:
    assert cited_lines(["nothing in common"], ["alpha beta", "gamma delta"]) == [1]
    assert cited_lines(["the gamma delta thing"], ["alpha beta", "gamma delta"]) == [2]


def test_upstream_wildcard_in_a_trajectory_is_written_as_the_input_writes_it() -> None:
    trajectory = "<think>The log `shutting down for system ⟨*⟩` is routine.</think><answer>normal"
    reason = short_reason(Task.ANOMALY, ["shutting down for system <*>"], "normal", trajectory)
    assert reason == "L1: The log `shutting down for system <*>` is routine."
