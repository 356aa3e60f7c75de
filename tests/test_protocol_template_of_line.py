"""The template rule: every real parsing label passes, the slips a small model makes do not."""

from __future__ import annotations

import pytest
from research_data import needs_data

from rlog_tui.protocol import OutputOrder, Task, TemplateOfLine, template_line

HADOOP = "Address change detected. Old: msra-sa-41/10.190.173.170:9000 New: msra-sa-41:9000"


@needs_data
def test_every_training_parsing_label_is_a_template_of_its_own_line():
    from rlog_train.formatting import training_examples

    examples = training_examples("parse")
    assert len(examples) == 1400
    refused = [e.label for e in examples if not TemplateOfLine(e.lines[0]).accepts(e.label)]
    assert refused == []


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("Linkerror event interval expired", "Linkerror event interval expired"),
        (HADOOP, "Address change detected. Old: <*>/<*>:<*> New: <*>:<*>"),
        ("logname= uid=0 euid=0", "logname=<*> uid=<*> euid=<*>"),  # an empty span
        ("Progress is : 0.36317363", "Progress is : <*>.<*>"),
        ("<*> literally", "<*> literally"),
        ("héllo wörld 42", "héllo wörld <*>"),
    ],
)
def test_templates_of_the_line_pass(line, answer):
    assert TemplateOfLine(line).accepts(answer)


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("Linkerror event interval expired", "Linkserror event interval expired"),
        (HADOOP, "Address change detected."),  # stops before the line does
        (
            "blk_1 is added to invalidSet of 10.0.0.1:50010",
            "blk_<*> is added to invalidSet of <*>:<*> is added to invalidSet of <*>",
        ),
        ("session 0x14f with timeout 10000", "Set session <*> with timeout <*>"),
        ("a 1 b", "a <*><*> b"),  # two wildcards side by side: never in a label
        ("a 1 b", "a <* b"),
    ],
)
def test_what_no_template_of_the_line_can_be_is_refused(line, answer):
    assert not TemplateOfLine(line).accepts(answer)


def test_every_prefix_of_a_template_can_still_go_on_byte_by_byte():
    """Tokens end anywhere, inside ``<*>``, ``</answer>`` or a UTF-8 character."""
    rule = TemplateOfLine("wörld 42 ok")
    written = "  wörld <*> ok</answer> then any reason, L1.".encode()
    states = rule.start()
    for i in range(len(written)):
        states = rule.advance(states, written[i : i + 1])
        assert states, written[: i + 1]
    assert rule.closed(states)
    assert not rule.closed(rule.advance(rule.start(), b"w\xc3\xb6rld <*> ok"))


def test_the_rule_applies_to_answer_first_parsing_of_one_line_only():
    assert template_line(Task.PARSE, ["x 1"], OutputOrder.ANSWER_FIRST) == "x 1"
    assert template_line(Task.PARSE, ["x 1"], OutputOrder.REASON_FIRST) is None
    assert template_line(Task.PARSE, ["x 1", "y 2"], OutputOrder.ANSWER_FIRST) is None
    assert template_line(Task.ANOMALY, ["x 1"], OutputOrder.ANSWER_FIRST) is None
