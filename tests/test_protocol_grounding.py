"""`L<n>` mapped back to the file's own line numbers, unverified ones kept."""

from __future__ import annotations

from rlog_tui.protocol import OutputOrder, Task, build_prompt
from rlog_tui.protocol.grounding import GroundedCitation, ground_citations

ASKED = [(41, "disk full on /var"), (42, "retrying write \x1b[31m")]


def test_citations_name_the_files_lines_and_a_line_not_sent_stays_unverified() -> None:
    prompt = build_prompt(Task.ANOMALY, [text for _, text in ASKED], OutputOrder.ANSWER_FIRST)
    reason = "L2: the write is retried after L1; see L9."
    assert ground_citations(reason, prompt.sent, ASKED) == [
        GroundedCitation("L2", 42, "retrying write ␛[31m", True),
        GroundedCitation("L1", 41, "disk full on /var", True),
        GroundedCitation("L9", None, "", False),
    ]


def test_numbers_count_from_the_first_line_kept_when_old_lines_were_left_out() -> None:
    asked = [(n, f"line {n} " + "word " * 30) for n in range(100, 140)]
    prompt = build_prompt(
        Task.ANOMALY,
        [text for _, text in asked],
        OutputOrder.ANSWER_FIRST,
        token_budget=400,
        count_tokens=lambda text: len(text.split()),
    )
    assert prompt.lines_dropped > 0
    [citation] = ground_citations("L1", prompt.sent, asked)
    assert citation.line == 100 + prompt.lines_dropped and citation.verified
