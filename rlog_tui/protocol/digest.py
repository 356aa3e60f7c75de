"""The template digest: log lines sent as their message templates with counts and examples.

Logs repeat themselves. Two thousand lines that are forty messages with different values fit a
small context as forty lines of ``count× template | e.g. example``, and the model still sees every
kind of message and how often it occurred. The TUI asks about one template the same way (its count
and a few examples), so there is one digest prompt, not two. Digest lines are numbered like any
log lines (``L<n>``, ``prompt.build_prompt``), so a reason can cite them and the "what was sent"
view shows exactly what the model got.

Which lines become a digest (mining them into templates) is the caller's business: the protocol
only says how a digest is worded. No model was trained on digests; they are a fallback for
selections that do not fit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rlog_tui.protocol.formats import PromptFormat
from rlog_tui.protocol.orders import OutputOrder
from rlog_tui.protocol.prompt import DEFAULT_FORMAT, Prompt, build_prompt
from rlog_tui.protocol.safe_text import MODEL_LINE_LIMIT
from rlog_tui.protocol.tasks import TASKS, Task

EXAMPLE_CHARS = 300
"""Characters of an example line in a digest (the template carries the rest)."""

DIGEST_PREAMBLE = (
    "The log is summarised. Each line below is one message template (<*> marks a variable "
    "part) with the number of times it occurred and one example line, in the order the "
    "messages first appeared:"
)


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One template: its text, how many log lines it covers and example lines of it."""

    template: str
    count: int
    examples: tuple[str, ...]


def digest_lines(entries: Sequence[DigestEntry]) -> list[str]:
    """``count× template | e.g. example``: one line per example of each entry, in order."""
    out = []
    for entry in entries:
        template = entry.template or "(empty line)"
        for example in entry.examples:
            example = example.strip()
            if len(example) > EXAMPLE_CHARS:
                example = example[:EXAMPLE_CHARS] + "…"
            out.append(f"{entry.count:,}× {template} | e.g. {example}")
    return out


def digest_request(
    task: Task, entries: Sequence[DigestEntry], instruction: str | None = None
) -> tuple[str, list[str]]:
    """(instruction, lines) that ask ``task`` about ``entries``, for ``build_prompt``."""
    return f"{instruction or TASKS[task].instruction}\n{DIGEST_PREAMBLE}", digest_lines(entries)


def build_digest_prompt(
    task: Task,
    entries: Sequence[DigestEntry],
    order: OutputOrder = OutputOrder.REASON_FIRST,
    fmt: PromptFormat = DEFAULT_FORMAT,
    *,
    lines_summarised: int,
    instruction: str | None = None,
    token_budget: int | None = None,
    count_tokens: Callable[[str], int] | None = None,
    line_limit: int = MODEL_LINE_LIMIT,
) -> Prompt:
    """The prompt over a digest of ``lines_summarised`` log lines, saying so in its notices."""
    digest_instruction, lines = digest_request(task, entries, instruction)
    prompt = build_prompt(
        task,
        lines,
        order,
        fmt,
        instruction=digest_instruction,
        token_budget=token_budget,
        count_tokens=count_tokens,
        line_limit=line_limit,
    )
    notice = (
        f"Context compressed: {lines_summarised:,} lines sent as {len(entries):,} templates "
        "with counts and one example each."
    )
    return dataclasses.replace(prompt, notices=(notice, *prompt.notices))
