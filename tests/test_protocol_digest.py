"""protocol.digest: how a template digest is worded, numbered and trimmed."""

from __future__ import annotations

from rlog_tui.protocol import Task
from rlog_tui.protocol.citations import log_lines
from rlog_tui.protocol.digest import (
    DIGEST_PREAMBLE,
    EXAMPLE_CHARS,
    DigestEntry,
    build_digest_prompt,
    digest_lines,
    digest_request,
)

ENTRIES = [
    DigestEntry("api request <*> served in <*> ms", 1200, ("api request 1 served in 12 ms",)),
    DigestEntry("", 3, ("  ",)),
    DigestEntry("disk <*> is <*> full", 2, ("disk /dev/sda1 is 91% full", "disk sdb is 99% full")),
]


def test_one_line_per_example_with_the_templates_count():
    assert digest_lines(ENTRIES) == [
        "1,200× api request <*> served in <*> ms | e.g. api request 1 served in 12 ms",
        "3× (empty line) | e.g. ",
        "2× disk <*> is <*> full | e.g. disk /dev/sda1 is 91% full",
        "2× disk <*> is <*> full | e.g. disk sdb is 99% full",
    ]


def test_long_examples_are_cut_and_marked():
    (line,) = digest_lines([DigestEntry("x <*>", 1, ("x " + "9" * 1000,))])
    assert line.endswith("…") and len(line) == len("1× x <*> | e.g. ") + EXAMPLE_CHARS + 1


def test_the_instruction_is_the_tasks_then_what_the_lines_are():
    instruction, lines = digest_request(Task.ROOT_CAUSE, ENTRIES[:1], "Why did it fail?")
    assert instruction == f"Why did it fail?\n{DIGEST_PREAMBLE}"
    assert lines == digest_lines(ENTRIES[:1])


def test_digest_lines_are_numbered_for_citations_and_the_prompt_says_it_is_a_digest():
    prompt = build_digest_prompt(Task.INTERPRET, ENTRIES, lines_summarised=1205)
    assert prompt.sent == tuple(digest_lines(ENTRIES))
    assert "L4: 2× disk <*> is <*> full | e.g. disk sdb is 99% full" in prompt.user
    assert log_lines(prompt.sent)[3].endswith("disk sdb is 99% full")
    assert prompt.notices[0] == (
        "Context compressed: 1,205 lines sent as 3 templates with counts and one example each."
    )


def words(text: str) -> int:
    """A stand-in tokenizer for the pure tests: one token per whitespace-separated word."""
    return len(text.split())


def test_a_digest_over_budget_drops_its_oldest_lines_and_says_so():
    full = build_digest_prompt(Task.INTERPRET, ENTRIES, lines_summarised=1205)
    budget = words(full.text) - 5
    prompt = build_digest_prompt(
        Task.INTERPRET, ENTRIES, lines_summarised=1205, token_budget=budget, count_tokens=words
    )
    assert prompt.lines_dropped >= 1 and words(prompt.text) <= budget
    assert "oldest" in prompt.notice and prompt.notice.startswith("Context compressed")
