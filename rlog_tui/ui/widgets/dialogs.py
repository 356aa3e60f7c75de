"""Modal screens: pick a task, ask for a number or a time, show what was sent, help."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from rlog_tui.protocol import TASKS, Prompt, Task
from rlog_tui.source.time_jump import JUMP_HELP

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90%; max-width: 110; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2; }}
"""


class TaskPicker(ModalScreen[Task | None]):
    """Choose one of the five tasks (or press its number)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TaskPicker")
    BINDINGS = [Binding("escape", "dismiss(None)", "Close")] + [
        Binding(str(number), f"choose({number - 1})", show=False) for number in range(1, 6)
    ]

    def __init__(self, current: Task) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Task for the selected lines (1-5, enter to choose, esc to close)")
            options = [
                Option(f"{n}. {spec.title} ({spec.short}): {spec.instruction}", id=task.value)
                for n, (task, spec) in enumerate(TASKS.items(), start=1)
            ]
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.highlighted = list(TASKS).index(self._current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Task(event.option.id))

    def action_choose(self, index: int) -> None:
        self.dismiss(list(TASKS)[index])


class NumberPrompt(ModalScreen[int | None]):
    """Ask for a positive whole number (e.g. how many of the last lines to select)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NumberPrompt")
    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, question: str, default: int) -> None:
        super().__init__()
        self._question = question
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._question)
            yield Input(str(self._default), type="integer", id="number")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = int(event.value)
        except ValueError:
            value = 0
        if value < 1:
            self.notify("enter a whole number of at least 1", severity="error")
            return
        self.dismiss(value)


class TimePrompt(ModalScreen[str | None]):
    """Ask for a time to go to (``g``); the app reads it (``time_jump``) and says what is wrong."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TimePrompt")
    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Go to the first entry at or after: {JUMP_HELP}")
            yield Input(placeholder="14:03", id="time")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)


class PromptViewer(ModalScreen[None]):
    """Exactly what was sent to the model for the last request, notices first."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PromptViewer")
        + """
    PromptViewer #sent { height: auto; max-height: 30; border: round $secondary; }
    PromptViewer #notice { color: $warning; }
    """
    )
    BINDINGS = [Binding("escape,q,w", "dismiss(None)", "Close")]

    def __init__(self, prompt: Prompt | None, prompt_tokens: int | None) -> None:
        super().__init__()
        self._prompt = prompt
        self._tokens = prompt_tokens

    def compose(self) -> ComposeResult:
        with Vertical():
            if self._prompt is None:
                yield Label("Nothing has been sent to the model yet.")
                return
            prompt = self._prompt
            yield Label(
                f"{TASKS[prompt.task].title}, {prompt.order.value}: {prompt.lines_sent} line(s), "
                f"{self._tokens} tokens (esc to close)"
            )
            if prompt.notice:
                yield Static(Text(prompt.notice), id="notice")
            with VerticalScroll(id="sent"):
                yield Static(Text(prompt.text))


HELP = """\
# rlog keys

| key | what it does |
|---|---|
| **enter** | ask the model about the selection (or the newest line) |
| **t** / **1**-**5** | pick the task: parse, anomaly, interpret, root cause, solution |
| **f** | fast mode: answer first, stop at `</answer>` |
| **esc** | cancel the running request, else clear the selection |
| **↑ ↓ pgup pgdn home** | move the cursor (scrolling up pauses following) |
| **shift+↑ ↓**, **space** | extend the selection / start a range at the cursor |
| **l** | select the last N lines |
| **g** | go to the first entry at or after a time: `14:03`, `2026-11-30 14:03`, `-5m` |
| **end** | follow the newest lines again |
| **/** then **n N** | search, next / previous match |
| **W** | wrap long lines (again: one row a line) |
| **← →** | scroll long lines sideways when not wrapping (the line numbers stay) |
| **r** | reasoning pane: beside → below → hidden |
| **c** / **C** | next / previous line the answer cited (`L<n>`, highlighted in green) |
| **x** / **X** | open or fold the entry (a stack trace: `▸` folded, `▾` open) / all entries |
| **\\\\** | live filter: a regex; `!regex` hides matching lines; empty clears |
| **w** | show exactly what was sent to the model |
| **p** | templates panel: mined templates, counts, verdicts (`!` in the gutter: abnormal) |
| panel **enter** | filter the tail to the template's lines (again: show all) |
| panel **e** / **s** | explain the template / order by count, recency or anomaly score |
| **tab** | next file (when following several) |
| **ctrl+p** | command palette · **ctrl+q** quit |

Log lines are data: escape sequences are shown as text (␛), and nothing the model says is run.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="HelpScreen")
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Markdown(HELP)
