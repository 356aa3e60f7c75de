"""Context compression: when raw lines do not fit, send their templates with counts instead.

Logs repeat themselves. Two thousand lines that are forty messages with different values fit a
small context as forty lines of ``count× template | e.g. one example``, and the model still sees
every kind of message that happened and how often. The compressed lines go through
``protocol.build_prompt`` like any others, with an instruction that says what they are and a
notice on the ``Prompt``, so the TUI, ``analyze`` and the "what was sent" view all show exactly
what the model got.

Whether to compress is decided by token count, with the model's own tokenizer, where the engine
builds the prompt (``Request(compress=True)``): raw lines when they fit, templates otherwise, and
the usual oldest-first trimming if even the templates do not fit. Log parsing is never compressed
(its answer is one template per input line).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rlog_tui.protocol import TASKS, OutputOrder, Prompt, PromptFormat, Task, build_prompt
from rlog_tui.protocol.prompt import DEFAULT_FORMAT
from rlog_tui.safe_text import MODEL_LINE_LIMIT
from rlog_tui.templates import MinerConfig, TemplateMiner

EXAMPLE_CHARS = 300
"""Characters of each template's example line in a compressed prompt."""
CHARS_PER_TOKEN_CEILING = 8
"""No tokenizer packs more characters than this into a token of log text: a cheap "cannot fit"."""

COMPRESSED_PREAMBLE = (
    "The log is too long to show in full. Each line below is one message template "
    "(<*> marks a variable part) with the number of times it occurred and one example line, "
    "in the order the messages first appeared:"
)


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    """One template of a set of lines: its text, how many lines it covers, its first line."""

    template: str
    count: int
    example: str
    first_index: int
    """Index of its first line in the summarised sequence (0-based)."""


def summarise(lines: Sequence[str], config: MinerConfig | None = None) -> list[TemplateSummary]:
    """Mine ``lines`` afresh into templates, in the order each template first appeared."""
    miner = TemplateMiner(config)
    first: dict[int, tuple[int, str]] = {}
    for index, line in enumerate(lines):
        template_id = miner.add(line).template_id
        if template_id not in first:
            first[template_id] = (index, line)
    summaries = []
    for template in miner.templates():
        index, example = first[template.id]
        summaries.append(TemplateSummary(template.text, template.count, example, index))
    summaries.sort(key=lambda s: s.first_index)
    return summaries


def compressed_lines(summaries: Sequence[TemplateSummary]) -> list[str]:
    """``count× template | e.g. example`` per template (example cut to ``EXAMPLE_CHARS``)."""
    out = []
    for summary in summaries:
        example = summary.example.strip()
        if len(example) > EXAMPLE_CHARS:
            example = example[:EXAMPLE_CHARS] + "…"
        out.append(f"{summary.count}× {summary.template or '(empty line)'} | e.g. {example}")
    return out


def compressed_instruction(task: Task, instruction: str | None = None) -> str:
    """The task's instruction followed by what the compressed lines are."""
    return f"{instruction or TASKS[task].instruction}\n{COMPRESSED_PREAMBLE}"


def fit_prompt(
    task: Task,
    lines: Sequence[str],
    order: OutputOrder = OutputOrder.REASON_FIRST,
    fmt: PromptFormat = DEFAULT_FORMAT,
    *,
    instruction: str | None = None,
    token_budget: int,
    count_tokens: Callable[[str], int],
    line_limit: int = MODEL_LINE_LIMIT,
) -> Prompt:
    """The raw prompt when it fits ``token_budget``, else one over templates with counts."""
    fits = sum(len(line) + 1 for line in lines) <= token_budget * CHARS_PER_TOKEN_CEILING
    if fits:
        raw = build_prompt(task, lines, order, fmt, instruction=instruction, line_limit=line_limit)
        if count_tokens(raw.text) <= token_budget:
            return raw
    if task is Task.PARSE or len(lines) < 2:
        return build_prompt(
            task,
            lines,
            order,
            fmt,
            instruction=instruction,
            token_budget=token_budget,
            count_tokens=count_tokens,
            line_limit=line_limit,
        )
    summaries = summarise(lines)
    prompt = build_prompt(
        task,
        compressed_lines(summaries),
        order,
        fmt,
        instruction=compressed_instruction(task, instruction),
        token_budget=token_budget,
        count_tokens=count_tokens,
        line_limit=line_limit,
    )
    notice = (
        f"Context compressed: {len(lines):,} lines sent as {len(summaries):,} templates "
        "with counts and one example each."
    )
    return dataclasses.replace(prompt, notices=(notice, *prompt.notices))


def template_request_parts(
    task: Task, template: str, count: int, examples: Sequence[str]
) -> tuple[str, list[str]]:
    """(instruction, lines) that ask ``task`` about one template, its count and examples."""
    instruction = (
        f"{TASKS[task].instruction}\nThe log below is one message template (<*> marks a "
        f"variable part) that occurred {count:,} time(s), followed by example lines of it:"
    )
    return instruction, [f"template: {template or '(empty line)'}", *examples]
