"""The reasoning pane: the model's thinking (dimmed) and its answer (highlighted), as they stream.

The `L<n>` lines the reason cites are listed under the answer when it is done: each verified one
with the file line it names, each unverified one marked so (a number that was not sent is shown,
never dropped).

Tokens arrive in batches (one message per burst: ``widgets.conversation``), never per token, so a
fast model cannot starve the tail view of repaints. Text is shown as plain ``rich.text.Text`` (no
markup parsing): whatever the model writes, including escape sequences, is displayed as data.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rlog_tui.protocol import TASKS, Segment, Task
from rlog_tui.protocol.grounding import GroundedCitation
from rlog_tui.protocol.safe_text import for_display, make_printable

CITED_TEXT_LIMIT = 160
"""Characters of a cited line shown in the pane (the tail view shows it whole)."""


class ReasoningPane(VerticalScroll):
    """Shows one response at a time: a title, the reasoning, the answer card and a status line."""

    DEFAULT_CSS = """
    ReasoningPane { border-left: vkey $primary-darken-2; padding: 0 1; }
    ReasoningPane #title { text-style: bold; color: $accent; }
    ReasoningPane #think { color: $text-muted; text-style: italic; }
    ReasoningPane #answer { border: round $success; padding: 0 1; margin-top: 1; }
    ReasoningPane #answer.invalid { border: round $warning; }
    ReasoningPane #answer.empty { display: none; }
    ReasoningPane.bottom { border-left: none; border-top: hkey $primary-darken-2; }
    ReasoningPane #citations { margin-top: 1; }
    ReasoningPane #citations.empty { display: none; }
    ReasoningPane #status { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.think_text = ""
        self.answer_text = ""
        self.outside_text = ""

    def compose(self) -> ComposeResult:
        yield Static(Text("Select lines and press enter to ask the model."), id="title")
        yield Static("", id="think")
        yield Static("", id="answer", classes="empty")
        yield Static("", id="citations", classes="empty")
        yield Static("", id="status")

    def begin(self, task: Task, description: str, fast: bool) -> None:
        """Clear the pane for a new request."""
        self.think_text = self.answer_text = self.outside_text = ""
        mode = "fast: answer first" if fast else "full: reasoning first"
        title = f"{TASKS[task].title} · {description} · {mode}"
        self.query_one("#title", Static).update(Text(title))
        self.query_one("#think", Static).update("")
        answer = self.query_one("#answer", Static)
        answer.update("")
        answer.set_classes("empty")
        self.show_citations([])
        self.set_status("waiting for the model…")

    def append(self, segments: list[Segment]) -> None:
        """Add streamed text; think and answer go to their own places."""
        for segment in segments:
            if segment.channel == "think":
                self.think_text += segment.text
            elif segment.channel == "answer":
                self.answer_text += segment.text
            else:
                self.outside_text += segment.text
        think = self.think_text or self.outside_text
        self.query_one("#think", Static).update(Text(make_printable_keep_newlines(think)))
        if self.answer_text:
            answer = self.query_one("#answer", Static)
            answer.update(
                Text(make_printable_keep_newlines(self.answer_text.strip()), style="bold")
            )
            answer.set_classes("")
        self.scroll_end(animate=False)

    def finish(self, valid: bool, status: str) -> None:
        answer = self.query_one("#answer", Static)
        if not self.answer_text.strip():
            answer.update(Text("(no answer)", style="bold"))
            answer.set_classes("invalid")
        elif not valid:
            answer.set_classes("invalid")
        self.set_status(status)

    def show_citations(self, citations: list[GroundedCitation]) -> None:
        """List the reason's `L<n>`: verified ones with their file line, unverified ones marked."""
        box = self.query_one("#citations", Static)
        box.set_class(not citations, "empty")
        if not citations:
            box.update("")
            return
        text = Text("Cited lines (c jumps to them)\n", style="bold")
        for citation in citations:
            text.append_text(citation_line(citation))
        box.update(text)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(text))


def make_printable_keep_newlines(text: str) -> str:
    """Printable text that keeps the model's line breaks (they are layout, not control codes)."""
    return "\n".join(make_printable(line) for line in text.split("\n"))


def citation_line(citation: GroundedCitation) -> Text:
    """One citation as the pane lists it, ending in a newline."""
    if not citation.verified:
        return Text(f"✗ {citation.cited} unverified: no such line was sent\n", style="yellow")
    where = f"line {citation.line}" if citation.line is not None else "a summarised line"
    shown = for_display(citation.text, CITED_TEXT_LIMIT)
    return Text(f"✓ {citation.cited} → {where}: {shown}\n", style="green")
