"""Context compression: when raw lines do not fit, send them as a template digest instead.

Whether to compress is decided by token count, with the model's own tokenizer, where the engine
builds the prompt (``Request(compress=True)``): raw lines when they fit, otherwise the lines are
mined afresh into templates and sent as ``protocol.digest`` words them, with the usual oldest-first
trimming if even the digest does not fit. Log parsing is never compressed (its answer is one
template per input line).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rlog_tui.protocol import OutputOrder, Prompt, PromptFormat, Task, build_prompt
from rlog_tui.protocol.digest import DigestEntry, build_digest_prompt
from rlog_tui.protocol.prompt import DEFAULT_FORMAT
from rlog_tui.protocol.safe_text import MODEL_LINE_LIMIT
from rlog_tui.templates import MinerConfig, TemplateMiner

CHARS_PER_TOKEN_CEILING = 8
"""No tokenizer packs more characters than this into a token of log text: a cheap "cannot fit"."""


def summarise(lines: Sequence[str], config: MinerConfig | None = None) -> list[DigestEntry]:
    """Mine ``lines`` afresh into templates, each with its first line as the example, in the
    order the templates first appeared."""
    miner = TemplateMiner(config)
    first: dict[int, tuple[int, str]] = {}
    for index, line in enumerate(lines):
        template_id = miner.add(line).template_id
        if template_id not in first:
            first[template_id] = (index, line)
    ordered = sorted(miner.templates(), key=lambda template: first[template.id][0])
    return [DigestEntry(t.text, t.count, (first[t.id][1],)) for t in ordered]


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
    """The raw prompt when it fits ``token_budget``, else one over a template digest."""
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
    return build_digest_prompt(
        task,
        summarise(lines),
        order,
        fmt,
        lines_summarised=len(lines),
        instruction=instruction,
        token_budget=token_budget,
        count_tokens=count_tokens,
        line_limit=line_limit,
    )
