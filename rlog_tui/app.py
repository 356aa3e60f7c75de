"""The Textual app: tail views, and the model's reasoning beside them, under them or hidden.

UI code only: reading files is ``source``'s job, prompting and parsing ``protocol``'s, running the
model ``engine``'s. Model events arrive on the engine thread and are queued; a 50 ms timer drains
the queue on the UI thread, so tokens are painted in batches and the tail keeps repainting while a
response streams.
"""

from __future__ import annotations

import logging
import queue
import re
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import ContentSwitcher, Footer, Header, Input, Static

from rlog_tui.app_templates import TemplatesMixin
from rlog_tui.config import Settings
from rlog_tui.engine import Done, Engine, EngineEvent, Failed, Job, Request, Started, Tokens
from rlog_tui.engine.backend import SamplingParams
from rlog_tui.engine.worker import EngineState
from rlog_tui.protocol import TASKS, OutputOrder, Prompt, Task, answer_problems
from rlog_tui.protocol.grounding import GroundedCitation, ground_citations
from rlog_tui.screener import Screener
from rlog_tui.selection import DEFAULT_LAST
from rlog_tui.source import Appended, Deleted, FileWatcher, LogFile, Rotated, SourceEvent, Truncated
from rlog_tui.source.stdin_spool import StdinSpool
from rlog_tui.source_mining import SourceTemplates
from rlog_tui.widgets.commands import RlogCommands
from rlog_tui.widgets.dialogs import HelpScreen, NumberPrompt, PromptViewer, TaskPicker
from rlog_tui.widgets.pane_layout import (
    BOTTOM_HEIGHT_PERCENT,
    NEXT_LAYOUT,
    PaneLayout,
    default_layout,
    side_pane_width,
)
from rlog_tui.widgets.reasoning_pane import ReasoningPane
from rlog_tui.widgets.tail_view import TailView
from rlog_tui.widgets.templates_panel import TemplatesPanel

logger = logging.getLogger(__name__)

DEFAULT_CONTEXT_LINES = 20
"""What ``l`` (select the newest N lines) proposes."""
INDEX_CHUNK_BYTES = 1 << 20
"""Bytes of older lines indexed per UI tick: the last screen shows at once, the rest fills in."""
FILTER_CHUNK = 20_000
"""Lines scanned per UI tick while a filter is (re)computed, so huge files never freeze the UI."""


class RlogApp(TemplatesMixin, App[None]):
    """``rlog-tui tail``: follow files, select lines, ask a task, watch the reasoning stream."""

    TITLE = "rlog"
    CSS = """
    #main { height: 1fr; }
    #main.bottom { layout: vertical; }
    #left { width: 1fr; height: 1fr; }
    #reasoning.hidden { display: none; }
    #filter, #search { display: none; height: 3; }
    #filter.open, #search.open { display: block; }
    #status { height: 1; background: $boost; color: $text-muted; padding: 0 1; }
    #views { height: 1fr; }
    #templates { display: none; }
    #templates.open { display: block; }
    """
    COMMANDS = App.COMMANDS | {RlogCommands}
    BINDINGS = [
        Binding("enter", "ask", "Ask"),
        Binding("t", "pick_task", "Task"),
        Binding("f", "toggle_fast", "Fast"),
        Binding("slash", "search", "Search"),
        Binding("backslash", "filter", "Filter"),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("w", "show_prompt", "What was sent", show=False),
        Binding("l", "select_last", "Last N", show=False),
        Binding("tab", "next_file", "Next file", show=False),
        Binding("p", "toggle_templates", "Templates", show=False),
        Binding("W", "toggle_wrap", "Wrap lines", show=False),
        Binding("r", "cycle_pane", "Reasoning pane", show=False),
        *[
            Binding(str(n), f"set_task('{task.value}')", show=False)
            for n, task in enumerate(TASKS, start=1)
        ],
    ]

    fast: reactive[bool] = reactive(False)
    analysis_task: reactive[Task] = reactive(Task.ANOMALY)
    wrap: reactive[bool] = reactive(False)
    pane_layout: reactive[PaneLayout | None] = reactive(None)
    """Where the reasoning pane is; None until the user chooses: then it follows the width."""

    def __init__(
        self,
        sources: list[LogFile],
        engine: Engine,
        *,
        fast_engine: Engine | None = None,
        fast: bool = False,
        settings: Settings | None = None,
        watch_files: bool = True,
        screener: Screener | None = None,
        full_order: OutputOrder = OutputOrder.REASON_FIRST,
        log_format: str | None = None,
        stdin_spool: StdinSpool | None = None,
    ) -> None:
        """``screener``: mines templates and judges new ones; without one, templates are mined
        and shown but no model is called in the background (tests, ``--no-screen``).
        ``full_order``: how the model is asked outside fast mode, the order it was trained on.
        ``log_format``: every source's format (``--format``); None recognises each one's.
        ``stdin_spool``: the spool a source named ``-`` reads (its state shows in the status)."""
        super().__init__()
        self.full_order = full_order
        self.sources = sources
        self.engine = engine
        self.fast_engine = fast_engine
        self.settings = settings or Settings()
        self._watch_files = watch_files
        self._watcher: FileWatcher | None = None
        self._inbox: queue.SimpleQueue[EngineEvent] = queue.SimpleQueue()
        self._changed: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self.job: Job | None = None
        self.last_prompt: Prompt | None = None
        self.last_prompt_tokens: int | None = None
        self.last_done: Done | None = None
        self.last_citations: list[GroundedCitation] = []
        self._asked: tuple[int, list[tuple[int, str]]] = (0, [])  # (view, file lines sent)
        self._current = 0
        self._line_filters: list[tuple[re.Pattern[str], bool] | None] = [None] * len(sources)
        self._filter_scans: dict[int, tuple[int, list[int]]] = {}
        self.screener = screener if screener is not None else Screener(None)
        self._mining = [SourceTemplates(log_format) for _ in sources]
        self.stdin_spool = stdin_spool
        self._template_filters: list[int | None] = [None] * len(sources)
        self._mined_once_at: float | None = None
        self._panel_state: tuple[int, int, int] | None = None
        self.set_reactive(RlogApp.fast, fast)

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Input(
                    placeholder="filter: regex, or !regex to hide matching lines", id="filter"
                )
                yield Input(placeholder="search: regex (enter), then n / N", id="search")
                with ContentSwitcher(initial="view-0", id="views"):
                    for index, source in enumerate(self.sources):
                        yield TailView(source.line, source.line_count, id=f"view-{index}")
                yield TemplatesPanel(id="templates")
            yield ReasoningPane(id="reasoning")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._apply_pane_layout()
        self._update_subtitle()
        self.view.focus()
        for index in range(len(self.sources)):
            view = self.query_one(f"#view-{index}", TailView)
            view.flagged = self._flag_checker(index)
            mining = self._mining[index]
            view.entry_of = mining.entry_span
            view.continues = mining.continues_entry
            view.scroll_end(animate=False, immediate=True)
        self.set_interval(0.05, self._drain_engine_events)
        self.set_interval(0.1, self._apply_file_changes)
        self.set_interval(1.0, self._refresh_all)  # safety net under the watcher
        self.set_interval(0.5, self._update_status)
        self.set_interval(0.02, self._index_older_lines)
        self.set_interval(0.02, self._mine_lines)
        self.call_after_refresh(self._scroll_followers)
        if self._watch_files:
            self._watcher = FileWatcher([s.path for s in self.sources], self._changed.put)
            self._watcher.start()
        self._update_status()

    def _scroll_followers(self) -> None:
        """Views that follow show their newest line (again after the layout changed)."""
        for view in self.query(TailView).results(TailView):
            if view.following and view.cursor is None:
                view.scroll_end(animate=False, immediate=True)

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self.job is not None:
            self.job.cancel()
        self.screener.close()

    @property
    def view(self) -> TailView:
        return self.query_one(f"#view-{self._current}", TailView)

    @property
    def source(self) -> LogFile:
        return self.sources[self._current]

    @property
    def pane(self) -> ReasoningPane:
        return self.query_one(ReasoningPane)

    # -- files -------------------------------------------------------------------------------
    def _apply_file_changes(self) -> None:
        if not self.is_running:
            return  # a timer firing while the app shuts down
        changed: set[Path] = set()
        while True:
            try:
                changed.add(Path(self._changed.get_nowait()))
            except queue.Empty:
                break
        for index, source in enumerate(self.sources):
            if source.path in changed or source.path.resolve() in changed:
                self._refresh_source(index)

    def _index_older_lines(self) -> None:
        """Grow each file's index backwards a chunk at a time (on the UI thread: no races)."""
        if not self.is_running:
            return  # a timer firing while the app shuts down
        for index, source in enumerate(self.sources):
            if source.fully_indexed:
                continue
            added = source.index_older(INDEX_CHUNK_BYTES)
            if added:
                self._mining[index].lines_prepended(added)
                new_rows = self._matching(index, 0, added)
                self.query_one(f"#view-{index}", TailView).lines_prepended(
                    added, source.line_count, new_rows
                )

    def _refresh_all(self) -> None:
        if not self.is_running:
            return  # a timer firing while the app shuts down
        for index in range(len(self.sources)):
            self._refresh_source(index)

    def _refresh_source(self, index: int) -> None:
        source = self.sources[index]
        view = self.query_one(f"#view-{index}", TailView)
        events: list[SourceEvent] = source.refresh()
        for event in events:
            if isinstance(event, Appended):
                new_rows = self._matching(index, event.first_line, event.first_line + event.count)
                view.lines_added(source.line_count, new_rows)
            elif isinstance(event, Truncated | Rotated):
                self._mining[index].reset()
                view.reset(source.line_count)
                if self._line_filters[index] is not None:
                    self._start_filter_scan(index)
                what = "truncated" if isinstance(event, Truncated) else "rotated"
                self.notify(f"{source.path.name} was {what}: following the new file")
            elif isinstance(event, Deleted):
                self.notify(
                    f"{source.path.name} was deleted: showing what was read", severity="warning"
                )

    # -- filter and search -------------------------------------------------------------------
    def action_filter(self) -> None:
        self._toggle_input("#filter")

    def action_search(self) -> None:
        self._toggle_input("#search")

    def _toggle_input(self, selector: str) -> None:
        box = self.query_one(selector, Input)
        box.set_class(True, "open")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        text = event.value
        exclude = text.startswith("!")
        pattern = text[1:] if exclude else text
        if text:
            self._template_filters[self._current] = None
        if not pattern:
            if self._template_filters[self._current] is not None:
                return
            self._line_filters[self._current] = None
            self._filter_scans.pop(self._current, None)
            self.view.set_rows(None)
            self._update_status()
            return
        try:
            compiled = re.compile(pattern)
        except re.error:
            return  # keep the last valid filter while the user is still typing
        self._line_filters[self._current] = (compiled, exclude)
        self._start_filter_scan(self._current)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.view.focus()
        if not self.query_one("#filter", Input).value:
            self.query_one("#filter", Input).set_class(False, "open")

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        box = self.query_one("#search", Input)
        view = self.view
        if not event.value:
            view.search = None
            box.set_class(False, "open")
        else:
            try:
                view.search = re.compile(event.value, re.IGNORECASE)
            except re.error as error:
                self.notify(f"bad search regex: {error}", severity="error")
                return
            view.action_next_match(-1)
        view.refresh()
        view.focus()

    def _matching(self, index: int, start: int, stop: int) -> list[int] | None:
        template_id = self._template_filters[index]
        if template_id is not None:
            ids = self._mining[index]
            return [line for line in range(start, stop) if ids.template_of(line) == template_id]
        spec = self._line_filters[index]
        if spec is None:
            return None
        pattern, exclude = spec
        source = self.sources[index]
        return [
            line
            for line, text in zip(range(start, stop), source.lines(start, stop), strict=True)
            if bool(pattern.search(text)) != exclude
        ]

    def _start_filter_scan(self, index: int) -> None:
        self._filter_scans[index] = (0, [])
        self.query_one(f"#view-{index}", TailView).set_rows([])
        self._continue_filter_scans()

    def _continue_filter_scans(self) -> None:
        for index, (position, found) in list(self._filter_scans.items()):
            total = self.sources[index].line_count
            stop = min(total, position + FILTER_CHUNK)
            found.extend(self._matching(index, position, stop) or [])
            if stop >= total:
                del self._filter_scans[index]
                self.query_one(f"#view-{index}", TailView).set_rows(found)
            else:
                self._filter_scans[index] = (stop, found)
        if self._filter_scans:
            self.set_timer(0.01, self._continue_filter_scans)
        self._update_status()

    # -- asking the model --------------------------------------------------------------------
    def selected_lines(self) -> list[tuple[int, str]]:
        """(1-based line number, text) of the selection, else of the newest entry of the view.

        Snapped to whole entries, as in ``analyze``: a folded trace's row, or any line of an
        open one, brings the whole entry."""
        view = self.view
        rows = view.selected_rows()
        if rows is None:
            last = view.row_count - 1
            rows = (max(0, last - DEFAULT_LAST + 1), last)  # as analyze: one entry
        if view.row_count == 0:
            return []
        entry_span = self._mining[self._current].entry_span
        numbers: dict[int, None] = {}
        for row in range(rows[0], rows[1] + 1):
            first, last = entry_span(view.line_at(row))
            numbers.update(dict.fromkeys(range(first, last + 1)))
        return [(number + 1, self.source.line(number)) for number in numbers]

    def action_ask(self) -> None:
        self.ask_task(self.analysis_task)

    def ask_task(self, task: Task) -> None:
        """Send the selection to the model for ``task``, replacing any running request."""
        self.analysis_task = task
        lines = self.selected_lines()
        if not lines:
            self.notify("no lines to analyse yet", severity="warning")
            return
        span = f"line {lines[0][0]}" if len(lines) == 1 else f"lines {lines[0][0]}-{lines[-1][0]}"
        self._send(task, [text for _, text in lines], f"{self.source.path.name} {span}")
        self._asked = (self._current, lines)

    def _send(
        self, task: Task, lines: Sequence[str], description: str, instruction: str | None = None
    ) -> None:
        """Submit a user request (it pre-empts background screening), replacing any running one.

        ``compress=True``: lines that do not fit the model's context go as templates with counts.
        """
        if self.job is not None:
            self.job.cancel()
        self.show_citations([])
        self._asked = (self._current, [])
        if self._pane_layout_now() is PaneLayout.HIDDEN:
            self.pane_layout = default_layout(self.size.width)  # an answer is never asked unseen
        engine = self.fast_engine if self.fast and self.fast_engine else self.engine
        order = OutputOrder.ANSWER_FIRST if self.fast else self.full_order
        request = Request(
            task=task,
            lines=list(lines),
            order=order,
            instruction=instruction,
            sampling=SamplingParams(max_tokens=self.settings.max_tokens),
            stop_after_answer=self.fast,
            compress=True,
        )
        self.pane.begin(task, description, self.fast)
        if engine.state == EngineState.LOADING:
            self.pane.set_status("loading the model…")
        self.job = engine.submit(request, self._inbox.put)

    def action_cancel(self) -> None:
        if self.job is not None and not self.job.finished.is_set():
            self.job.cancel()
            self.pane.set_status("cancelling…")
            return
        if self.panel.table.has_focus:
            self.view.focus()
            return
        for box in self.query("#filter, #search").results(Input):
            if box.has_focus:
                box.set_class(bool(box.value), "open")
                self.view.focus()
                return
        self.view.clear_selection()

    def _drain_engine_events(self) -> None:
        if not self.is_running:
            return  # a timer firing while the app shuts down
        if self.screener.pump():
            self._verdicts_changed()
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
                self.pane.append(tokens)
                tokens = []
            if isinstance(event, Started):
                self.last_prompt, self.last_prompt_tokens = event.prompt, event.prompt_tokens
                status = f"{event.prompt_tokens} prompt tokens sent; thinking…"
                if event.prompt.notice:
                    status = f"{event.prompt.notice} {status}"
                    self.notify(event.prompt.notice, severity="warning")
                self.pane.set_status(status)
            elif isinstance(event, Done):
                self.last_done = event
                sent = self.last_prompt.sent if self.last_prompt is not None else ()
                self.show_citations(ground_citations(event.parsed.think, sent, self._asked[1]))
                self.pane.finish(event.answer.valid and event.parsed.format_ok, _done_status(event))
            elif isinstance(event, Failed):
                self.pane.finish(False, f"failed: {event.message}")
                self.notify(event.message, severity="error")
        if tokens:
            self.pane.append(tokens)

    def show_citations(self, citations: list[GroundedCitation]) -> None:
        """Highlight the cited lines in the view that was asked about; list them in the pane."""
        self.last_citations = citations
        self.pane.show_citations(citations)
        cited = frozenset(c.line - 1 for c in citations if c.line is not None)
        for index, view in enumerate(self.query(TailView).results(TailView)):
            view.set_cited(cited if index == self._asked[0] else frozenset())

    # -- modes, tasks, views -----------------------------------------------------------------
    def action_toggle_fast(self) -> None:
        self.fast = not self.fast

    def watch_fast(self) -> None:
        self._update_subtitle()

    def watch_analysis_task(self) -> None:
        self._update_subtitle()

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def watch_wrap(self, wrap: bool) -> None:
        for view in self.query(TailView).results(TailView):
            view.wrap = wrap
        self._update_status()

    def action_cycle_pane(self) -> None:
        """Reasoning pane: side → bottom → hidden → side."""
        self.pane_layout = NEXT_LAYOUT[self._pane_layout_now()]

    def _pane_layout_now(self) -> PaneLayout:
        return self.pane_layout or default_layout(self.size.width)

    def watch_pane_layout(self) -> None:
        self._apply_pane_layout()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_pane_layout()

    def _apply_pane_layout(self) -> None:
        if not self.is_mounted:
            return
        layout = self._pane_layout_now()
        main, pane = self.query_one("#main"), self.pane
        main.set_class(layout is PaneLayout.BOTTOM, "bottom")
        pane.set_class(layout is PaneLayout.HIDDEN, "hidden")
        pane.set_class(layout is PaneLayout.BOTTOM, "bottom")
        if layout is PaneLayout.BOTTOM:
            pane.styles.width, pane.styles.height = "1fr", f"{BOTTOM_HEIGHT_PERCENT}%"
        else:
            pane.styles.width, pane.styles.height = side_pane_width(self.size.width), "1fr"
        self.call_after_refresh(self._scroll_followers)

    def action_set_task(self, name: str) -> None:
        self.analysis_task = Task(name)

    def action_pick_task(self) -> None:
        def chosen(task: Task | None) -> None:
            if task is not None:
                self.analysis_task = task

        self.push_screen(TaskPicker(self.analysis_task), chosen)

    def action_select_last(self) -> None:
        def chosen(count: int | None) -> None:
            if count:
                view = self.view
                view.select_rows(view.row_count - count, view.row_count - 1)

        self.push_screen(
            NumberPrompt("Select how many of the newest lines?", DEFAULT_CONTEXT_LINES), chosen
        )

    def action_show_prompt(self) -> None:
        self.push_screen(PromptViewer(self.last_prompt, self.last_prompt_tokens))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_next_file(self) -> None:
        if len(self.sources) > 1:
            self._current = (self._current + 1) % len(self.sources)
            self.query_one(ContentSwitcher).current = f"view-{self._current}"
            self.view.focus()
            self._update_status()

    def on_tail_view_selection_changed(self) -> None:
        self._update_status()

    def _update_subtitle(self) -> None:
        mode = "FAST (answer first)" if self.fast else "FULL (reasoning first)"
        self.sub_title = f"{mode} · task: {TASKS[self.analysis_task].title}"

    def _update_status(self) -> None:
        if not self.is_running:
            return  # a timer firing while the app shuts down
        view = self.view
        spool = self.stdin_spool
        from_stdin = spool is not None and self.source.path == spool.path
        name = "stdin" if from_stdin else self.source.path.name
        parts = [f"{name}: {self.source.line_count:,} lines"]
        if not self.source.fully_indexed:
            parts[0] += " (indexing…)"
        format_name = self._mining[self._current].format_name
        if format_name:
            parts[0] += f" [{format_name}]"
        if from_stdin and spool is not None:
            parts.append(spool.describe())
        if self._line_filters[self._current] is not None:
            scanning = " (scanning…)" if self._current in self._filter_scans else ""
            parts.append(f"filter: {view.row_count:,} shown{scanning}")
        if self._template_filters[self._current] is not None:
            parts.append(
                f"template #{self._template_filters[self._current]}: {view.row_count:,} shown"
            )
        rows = view.selected_rows()
        if rows:
            first, last = view.line_at(rows[0]) + 1, view.line_at(rows[1]) + 1
            parts.append(f"selected {first}-{last}" if last != first else f"line {first}")
        if self.wrap:
            parts.append("wrap")
        if view.following:
            parts.append("following")
        else:
            parts.append(
                f"paused +{view.new_lines} new lines (End)" if view.new_lines else "paused (End)"
            )
        engine = self.fast_engine if self.fast and self.fast_engine else self.engine
        state = {EngineState.LOADING: "loading model…", EngineState.FAILED: "model failed"}.get(
            engine.state, engine.description
        )
        screener = self.screener
        mining = "" if self._mined_once_at is not None else " (mining…)"
        waiting = f" ({screener.waiting} queued)" if screener.busy else ""
        parts.append(
            f"templates {len(screener.miner):,}{mining} · "
            f"model calls {screener.calls:,} / lines {screener.lines_seen:,}{waiting}"
        )
        parts.append(f"model: {state}")
        self.query_one("#status", Static).update(Text(" │ ".join(parts)))
        if self.panel.has_class("open"):
            self._refresh_panel()


def _done_status(event: Done) -> str:
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
