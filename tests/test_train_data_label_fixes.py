"""``rlog_train.data.label_fixes``: expert fixes reach the cold-start targets, honestly."""

from __future__ import annotations

from rlog_train.data import Example, to_target
from rlog_train.data.label_fixes import fixed_label_reasoning, relabelled
from rlog_tui.protocol import OutputOrder, Task


def _item(text: str, label: str) -> Example:
    reasoning = (
        f"<think>The entry {text} is routine. So it is {label}.</think><answer>{label}</answer>"
    )
    return Example(Task.ANOMALY, "Classify", text, label, reasoning, "rlog", "BGL")


def test_a_fixed_item_answers_the_fixed_label_and_drops_the_reasoning_that_argued_the_old_one():
    old = _item("rts tree link training failed", "normal")
    (fixed,) = relabelled([old], [("rts tree link training failed", "abnormal")])
    assert fixed.label == "abnormal"
    assert fixed.reasoning == fixed_label_reasoning(old.input)
    target = to_target(fixed, OutputOrder.ANSWER_FIRST)
    assert target.startswith("<answer>abnormal</answer>")
    assert "routine" not in target and "It reports: rts tree link training failed." in target


def test_a_fixed_reasoning_quotes_the_entry_not_one_sentence_for_all():
    short, long = "rts internal error.", " ".join(f"w{k}" for k in range(20))
    assert fixed_label_reasoning(short) == "It reports: rts internal error."
    words = " ".join(f"w{k}" for k in range(12))
    assert fixed_label_reasoning(long) == f"It reports: {words}."


def test_an_unfixed_or_confirmed_item_keeps_its_own_trajectory():
    kept, confirmed = _item("CE sym 2", "normal"), _item("L3 major internal error", "abnormal")
    result = relabelled([kept, confirmed], [("L3 major internal error", "abnormal")])
    assert result == [kept, confirmed]
