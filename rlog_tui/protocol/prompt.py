"""Building the prompt for one request: task + log lines + output order → text for the model.

Log lines are numbered `L1: …` (see `citations`), so the model's reason can name the lines it
rests on and rlog can check them.

Log lines are bounded and made printable before they are placed in a prompt (a 10 MB line or an
escape sequence never reaches the model raw), and chat control markers inside them are broken so a
log line can never close the user's turn. When the lines do not fit the token budget the oldest are
dropped and the prompt says so, and so does the returned ``Prompt`` (``notice``): never silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rlog_tui.protocol.citations import number_lines
from rlog_tui.protocol.formats import PromptFormat, PromptStyle, neutralise_turn_markers
from rlog_tui.protocol.orders import SYSTEM_PROMPTS, OutputOrder
from rlog_tui.protocol.safe_text import MODEL_LINE_LIMIT, for_model
from rlog_tui.protocol.tasks import TASKS, Task

DEFAULT_FORMAT = PromptFormat(PromptStyle.GEMMA)
_CUT_MARK = " …[cut]"


@dataclass(frozen=True, slots=True)
class Prompt:
    """Everything that was sent to the model, kept so the user can see it."""

    task: Task
    order: OutputOrder
    system: str
    user: str
    text: str
    lines_sent: int
    lines_dropped: int = 0
    notices: tuple[str, ...] = field(default=())
    sent: tuple[str, ...] = field(default=())
    """The log lines as sent (bounded, printable), in order: what `L<n>` citations refer to."""

    @property
    def notice(self) -> str:
        """One line for the UI about anything trimmed, or an empty string."""
        return " ".join(self.notices)


def user_message(task: Task, log_text: str, instruction: str | None = None) -> str:
    """The user turn: the task's instruction, then the log text on the following lines."""
    return f"{instruction or TASKS[task].instruction}\n{log_text}"


def numbered_log_text(lines: Sequence[str]) -> str:
    """The log part of a prompt: one numbered line each (`L1: …`), so a reason can cite them."""
    return "\n".join(number_lines(lines))


def sanitise_lines(lines: Sequence[str], line_limit: int = MODEL_LINE_LIMIT) -> list[str]:
    """Bound each line, make it printable and break chat markers inside it."""
    return [neutralise_turn_markers(for_model(line, line_limit)) for line in lines]


def build_prompt(
    task: Task,
    lines: Sequence[str],
    order: OutputOrder = OutputOrder.REASON_FIRST,
    fmt: PromptFormat = DEFAULT_FORMAT,
    *,
    instruction: str | None = None,
    token_budget: int | None = None,
    count_tokens: Callable[[str], int] | None = None,
    line_limit: int = MODEL_LINE_LIMIT,
) -> Prompt:
    """Render the prompt for ``task`` over ``lines``.

    With ``token_budget`` and ``count_tokens`` the oldest lines are dropped until the prompt fits
    (the newest lines matter most during an incident); at least one line is always kept, cut to fit
    if it must be. Each trim is recorded in ``Prompt.notices``.
    """
    system = SYSTEM_PROMPTS[order]
    clean = sanitise_lines(lines, line_limit)
    notices: list[str] = []
    cut_lines = sum(1 for line in lines if len(line) > line_limit)
    if cut_lines:
        notices.append(f"{cut_lines} over-long line(s) cut to {line_limit:,} characters.")

    def render(kept: list[str]) -> tuple[str, str]:
        user = user_message(task, numbered_log_text(kept), instruction)
        return user, fmt.render(system, user)

    user, text = render(clean)
    kept = clean
    dropped = 0
    if token_budget is not None and count_tokens is not None and count_tokens(text) > token_budget:
        dropped = _lines_to_drop(clean, token_budget, lambda kept: count_tokens(render(kept)[1]))
        kept = clean[dropped:]
        user, text = render(kept)
        if count_tokens(text) > token_budget:
            kept = [_cut_to_fit(kept[-1], token_budget, lambda s: count_tokens(render([s])[1]))]
            user, text = render(kept)
            notices.append("The remaining line was cut to fit the model's context.")
        if dropped:
            notices.append(
                f"Context full: the oldest {dropped} of {len(clean)} lines were left out."
            )
    return Prompt(
        task=task,
        order=order,
        system=system,
        user=user,
        text=text,
        lines_sent=len(clean) - dropped,
        lines_dropped=dropped,
        notices=tuple(notices),
        sent=tuple(kept),
    )


def _lines_to_drop(lines: list[str], budget: int, measure: Callable[[list[str]], int]) -> int:
    """Smallest number of leading lines to drop so the rest fits (binary search, ≥1 line kept)."""
    low, high = 0, len(lines) - 1
    while low < high:
        middle = (low + high) // 2
        if measure(lines[middle:]) <= budget:
            high = middle
        else:
            low = middle + 1
    return low


def _cut_to_fit(line: str, budget: int, measure: Callable[[str], int]) -> str:
    """Longest prefix of ``line`` that fits the budget (binary search over characters)."""
    low, high = 0, len(line)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(line[:middle] + _CUT_MARK) <= budget:
            low = middle
        else:
            high = middle - 1
    return line[:low] + _CUT_MARK
