"""Numbered prompt lines and the `L<n>` citations checked against them."""

from __future__ import annotations

from rlog_tui.protocol import OutputOrder, Task, build_prompt
from rlog_tui.protocol.citations import Citation, check_citations, cited_numbers, number_lines


def test_prompt_numbers_the_lines_it_sends_from_one() -> None:
    prompt = build_prompt(Task.ANOMALY, ["first line", "second line"], OutputOrder.ANSWER_FIRST)
    assert "L1: first line\nL2: second line" in prompt.text
    assert prompt.sent == ("first line", "second line")


def test_fences_get_no_number() -> None:
    assert number_lines(["```", "a", "b", "```"]) == ["```", "L1: a", "L2: b", "```"]


def test_numbering_restarts_at_the_first_line_kept_when_old_lines_are_dropped() -> None:
    lines = [f"line {i} " + "word " * 30 for i in range(40)]
    prompt = build_prompt(
        Task.ANOMALY,
        lines,
        OutputOrder.ANSWER_FIRST,
        token_budget=400,
        count_tokens=lambda text: len(text.split()),
    )
    assert prompt.lines_dropped > 0
    assert f"L1: {prompt.sent[0]}" in prompt.text
    assert prompt.sent[-1] == lines[-1]


def test_citations_are_checked_against_what_was_sent_and_never_dropped() -> None:
    sent = ["```", "disk full on /var", "retrying write", "```"]
    response = "L2: the write is retried after L1 reports a full disk; see also L7 and L2."
    assert cited_numbers(response) == [2, 1, 7]
    assert check_citations(response, sent) == [
        Citation(2, "retrying write", True),
        Citation(1, "disk full on /var", True),
        Citation(7, "", False),
    ]


def test_words_that_merely_contain_l_and_digits_are_not_citations() -> None:
    assert cited_numbers("BL1 XL2 L3a model-L4") == []
