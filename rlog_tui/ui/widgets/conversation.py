"""One question to the model at a time, and its answer streamed into the reasoning pane.

A new question replaces the running one (cancelled: its late events are dropped by job id). The
engine calls back on its own thread; the events are queued and a ``Doorbell`` wakes the UI, which
paints everything queued at once (tokens in batches, never one repaint per token). When the
answer is done its ``L<n>`` citations are checked against what was sent and handed to the app,
which highlights them in the view that was asked about. Prompt building stays in ``protocol``.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence

from rlog_tui.config import Settings
from rlog_tui.engine import Done, Engine, EngineEvent, Failed, Job, Request, Started, Tokens
from rlog_tui.engine.backend import SamplingParams
from rlog_tui.engine.worker import EngineState
from rlog_tui.protocol import OutputOrder, Prompt, Task, answer_problems
from rlog_tui.protocol.digest import DigestEntry, digest_request
from rlog_tui.protocol.grounding import GroundedCitation, ground_citations
from rlog_tui.screening.screener import Screener
from rlog_tui.ui.widgets.messages import Doorbell
from rlog_tui.ui.widgets.reasoning_pane import ReasoningPane

EXPLAIN_EXAMPLES = 3
"""Example lines sent with a template the user asks about."""

Notify = Callable[..., None]
"""``App.notify``: message, then ``severity=``."""


class Conversation:
    """The user's request to the model, its streamed answer, and what was sent and cited.

    ``pane``: where the answer streams. ``wake``: posts a message to the UI thread (from the
    engine's). ``on_citations(citations, view_index)``: the checked citations of an answer."""

    def __init__(
        self,
        settings: Settings,
        pane: Callable[[], ReasoningPane],
        wake: Callable[[], object],
        notify: Notify,
        on_citations: Callable[[list[GroundedCitation], int], None],
    ) -> None:
        self.settings = settings
        self._pane = pane
        self._notify = notify
        self._on_citations = on_citations
        self._inbox: queue.SimpleQueue[EngineEvent] = queue.SimpleQueue()
        self.doorbell = Doorbell(wake)
        self.job: Job | None = None
        self.last_prompt: Prompt | None = None
        self.last_prompt_tokens: int | None = None
        self.last_done: Done | None = None
        self.last_citations: list[GroundedCitation] = []
        """The last answer's ``L<n>`` citations, checked against what was sent."""
        self.asked_view = 0
        """The view whose lines were asked about (its cited lines are highlighted)."""
        self.asked_lines: list[tuple[int, str]] = []
        """(1-based file line, text) sent from the view: what citations are checked against."""

    def send(
        self,
        engine: Engine,
        request: Request,
        description: str,
        *,
        view_index: int,
        asked_lines: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Submit a user request (it pre-empts background screening), replacing any running one."""
        self.cancel_running()
        self.asked_view, self.asked_lines = view_index, list(asked_lines)
        self.last_citations = []
        self._on_citations([], view_index)
        pane = self._pane()
        pane.begin(request.task, description, request.stop_after_answer)
        if engine.state == EngineState.LOADING:
            pane.set_status("loading the model…")
        self.job = engine.submit(request, self._queue_event)

    def request(
        self,
        task: Task,
        lines: Sequence[str],
        *,
        fast: bool,
        order: OutputOrder,
        instruction: str | None = None,
    ) -> Request:
        """The request for ``lines``: ``fast`` asks answer first and stops after the answer;
        lines that do not fit the model's context go as templates with counts."""
        return Request(
            task=task,
            lines=list(lines),
            order=OutputOrder.ANSWER_FIRST if fast else order,
            instruction=instruction,
            sampling=SamplingParams(max_tokens=self.settings.max_tokens),
            stop_after_answer=fast,
            compress=True,
        )

    def cancel_running(self) -> bool:
        """Cancel the request that is still running; False when none is."""
        if self.job is None or self.job.finished.is_set():
            return False
        self.job.cancel()
        return True

    def _queue_event(self, event: EngineEvent) -> None:
        """The engine's callback (its thread): queue the event, wake the UI."""
        self._inbox.put(event)
        self.doorbell.ring()

    def deliver(self) -> None:
        """Paint every queued event of the current request (UI thread)."""
        self.doorbell.answer()
        pane = self._pane()
        tokens = []
        while True:
            try:
                event = self._inbox.get_nowait()
            except queue.Empty:
                break
            if self.job is None or event.job_id != self.job.id:
                continue  # a cancelled or replaced request
            if isinstance(event, Tokens):
                tokens.extend(event.segments)
                continue
            if tokens:
                pane.append(tokens)
                tokens = []
            if isinstance(event, Started):
                self._started(event, pane)
            elif isinstance(event, Done):
                self.last_done = event
                sent = self.last_prompt.sent if self.last_prompt is not None else ()
                citations = ground_citations(event.parsed.think, sent, self.asked_lines)
                self.last_citations = citations
                self._on_citations(citations, self.asked_view)
                pane.finish(event.answer.valid and event.parsed.format_ok, done_status(event))
            elif isinstance(event, Failed):
                pane.finish(False, f"failed: {event.message}")
                self._notify(event.message, severity="error")
        if tokens:
            pane.append(tokens)

    def _started(self, event: Started, pane: ReasoningPane) -> None:
        self.last_prompt, self.last_prompt_tokens = event.prompt, event.prompt_tokens
        status = f"{event.prompt_tokens} prompt tokens sent; thinking…"
        if event.prompt.notice:
            status = f"{event.prompt.notice} {status}"
            self._notify(event.prompt.notice, severity="warning")
        pane.set_status(status)


def template_question(
    screener: Screener, template_id: int, task: Task
) -> tuple[str, list[str], str] | None:
    """(instruction, lines, description) that ask ``task`` about one template: its text, its
    count and a few example lines; None when the template is no longer known."""
    template = screener.miner.get(template_id)
    info = screener.info(template_id)
    if template is None or info is None:
        return None
    entry = DigestEntry(template.text, template.count, tuple(info.examples[:EXPLAIN_EXAMPLES]))
    instruction, lines = digest_request(task, [entry])
    return instruction, lines, f"template #{template_id} ({template.count:,} lines)"


def done_status(event: Done) -> str:
    """The pane's last line: well-formed or not, and how fast."""
    stats = event.stats
    if event.cancelled:
        return "cancelled."
    problems = answer_problems(event.parsed, event.answer)
    verdict = "well-formed" if not problems else "malformed: " + "; ".join(problems)
    answer_time = f", answer after {stats.time_to_answer:.1f}s" if stats.time_to_answer else ""
    return (
        f"{verdict} · {stats.completion_tokens} tokens in {stats.total_time:.1f}s "
        f"({stats.decode_tokens_per_second:.0f} tok/s{answer_time})"
    )
