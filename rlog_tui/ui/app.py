"""The Textual app: tail views, the templates panel, and the model's reasoning beside them.

UI code only: reading files is ``source``'s job, prompting and parsing ``protocol``'s, running the
model ``engine``'s. The app wires its parts together and owns the keys: each followed file is a
``FollowedSource`` (its view, mining and filter), the question to the model a ``Conversation``,
the templates panel a widget that posts what the user chose. Other threads (file watcher, engine,
stdin) ring the UI with messages (``widgets.messages``); the only timers are a work loop that
runs while a file still has lines to index, mine or filter (and stops when none has), and a slow
safety net that re-reads the files in case a change was never reported.
"""

from __future__ import annotations

import logging
import time

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Header, Input, Static

from rlog_tui.config import Settings
from rlog_tui.engine import Engine
from rlog_tui.protocol import TASKS, OutputOrder, Task
from rlog_tui.protocol.grounding import GroundedCitation
from rlog_tui.screening.screener import Screener
from rlog_tui.source import FileWatcher, LogFile
from rlog_tui.source.stdin_spool import StdinSpool
from rlog_tui.templates.source_mining import SourceTemplates
from rlog_tui.ui.widgets.app_keys import AppKeys
from rlog_tui.ui.widgets.commands import RlogCommands
from rlog_tui.ui.widgets.conversation import Conversation
from rlog_tui.ui.widgets.followed_source import FollowedSource
from rlog_tui.ui.widgets.messages import (
    EngineEventsWaiting,
    FileChanged,
    InputEnded,
    ModelLoaded,
    VerdictsWaiting,
)
from rlog_tui.ui.widgets.pane_layout import PaneLayout, default_layout
from rlog_tui.ui.widgets.reasoning_pane import ReasoningPane
from rlog_tui.ui.widgets.status_line import status_line
from rlog_tui.ui.widgets.tail_view import TailView
from rlog_tui.ui.widgets.templates_panel import TemplatesPanel

logger = logging.getLogger(__name__)

WORK_TICK_S = 0.02
"""Seconds between chunks of background work (indexing, mining, filtering) while any is left."""
MINE_BUDGET_S = 0.012
"""Seconds of template mining per tick: big files are mined without a stall."""
SAFETY_NET_S = 1.0
"""Every file is re-read this often even without a change event (a network filesystem's writes
raise none) and with no watcher (tests, ``--no-watch``)."""


class RlogApp(AppKeys, App[None]):
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
        Binding("g", "jump_to_time", "Go to time", show=False),
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
        self.watch_files = watch_files
        self.watcher: FileWatcher | None = None
        self.screener = screener if screener is not None else Screener(None)
        self.mining = [SourceTemplates(log_format) for _ in sources]
        self.followed: list[FollowedSource] = []
        self.current = 0
        self.stdin_spool = stdin_spool
        self.mined_once_at: float | None = None
        """When the first pass over every file was mined (templates after it are "new")."""
        self.conversation = Conversation(
            self.settings,
            lambda: self.pane,
            lambda: self.post_message(EngineEventsWaiting()),
            self.notify,
            self.show_citations,
        )
        self.work_timer: Timer | None = None
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
                yield TemplatesPanel(self.screener, id="templates")
            yield ReasoningPane(id="reasoning")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.apply_pane_layout()
        self.update_subtitle()
        self.view.focus()
        for index, source in enumerate(self.sources):
            view = self.query_one(f"#view-{index}", TailView)
            self.followed.append(FollowedSource(source, self.mining[index], view, self.screener))
            view.scroll_end(animate=False, immediate=True)
        self.show_current_source()
        self.screener.on_event = lambda: self.post_message(VerdictsWaiting())
        self.work_timer = self.set_interval(WORK_TICK_S, self.work)
        self.set_interval(SAFETY_NET_S, self.refresh_all)
        self.call_after_refresh(self.scroll_followers)
        self.wait_for_model()
        if self.stdin_spool is not None:
            self.wait_for_end_of_input()
        if self.watch_files:
            self.watcher = FileWatcher(
                [s.path for s in self.sources], lambda path: self.post_message(FileChanged(path))
            )
            self.watcher.start()
        self.update_status()

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.conversation.job is not None:
            self.conversation.job.cancel()
        self.screener.on_event = None
        self.screener.close()

    @property
    def view(self) -> TailView:
        return self.query_one(f"#view-{self.current}", TailView)

    @property
    def source(self) -> LogFile:
        return self.sources[self.current]

    @property
    def pane(self) -> ReasoningPane:
        return self.query_one(ReasoningPane)

    @property
    def panel(self) -> TemplatesPanel:
        return self.query_one(TemplatesPanel)

    # -- what other threads report -----------------------------------------------------------
    @work(thread=True, group="model-load")
    def wait_for_model(self) -> None:
        for engine in {self.engine, self.fast_engine or self.engine}:
            engine.ready.wait()
        self.post_message(ModelLoaded())

    @work(thread=True, group="stdin")
    def wait_for_end_of_input(self) -> None:
        if self.stdin_spool is not None:
            self.stdin_spool.finished.wait()
            self.post_message(InputEnded())

    def on_model_loaded(self) -> None:
        self.pump_screener()
        self.update_status()

    def on_input_ended(self) -> None:
        self.refresh_all()

    def on_file_changed(self, message: FileChanged) -> None:
        for followed in self.followed:
            path = followed.source.path
            if message.path in (path, path.resolve()):
                self.refresh_source(followed)

    def on_engine_events_waiting(self) -> None:
        self.conversation.deliver()

    def on_verdicts_waiting(self) -> None:
        self.pump_screener()
        self.update_status()

    # -- files -------------------------------------------------------------------------------
    def refresh_all(self) -> None:
        """Re-read every file (the safety net, and after stdin ended)."""
        if not self.is_running:
            return  # a timer firing while the app shuts down
        for followed in self.followed:
            self.refresh_source(followed)
        self.update_status()

    def refresh_source(self, followed: FollowedSource) -> None:
        for notice in followed.refresh():
            self.notify(notice.text, severity=notice.severity)  # type: ignore[arg-type]
        if followed.busy:
            self.start_work()
        self.update_status()

    def start_work(self) -> None:
        """A file has lines to index, mine or filter: run the work loop until none has."""
        if self.work_timer is not None:
            self.work_timer.resume()

    def work(self) -> None:
        """One tick of chunked work: older lines, mining, filters; stops itself when done."""
        if not self.is_running:
            return  # a timer firing while the app shuts down
        budget = MINE_BUDGET_S / max(1, len(self.followed))
        mined = False
        for followed in self.followed:
            followed.index_older()
            mined |= followed.mine(self.screener, budget)
            followed.scan_step()
        if self.mined_once_at is None and all(
            f.mining.complete(f.source.line_count) for f in self.followed
        ):
            self.mined_once_at = self.panel.new_after = time.monotonic()
        if mined:
            self.pump_screener()
        if not any(followed.busy for followed in self.followed) and self.work_timer:
            self.work_timer.pause()
        self.update_status()

    def pump_screener(self) -> None:
        """Apply the verdicts that arrived and start the next scoring job."""
        if self.screener.pump():
            for view in self.query(TailView).results(TailView):
                view.refresh()
            self.panel.refresh_templates(force=True)

    # -- asking the model --------------------------------------------------------------------
    def send(
        self,
        task: Task,
        lines: list[str],
        description: str,
        *,
        instruction: str | None = None,
        asked_lines: list[tuple[int, str]] | None = None,
    ) -> None:
        """Ask the model in the current mode; the pane shows up if it was hidden."""
        if self.pane_layout_now() is PaneLayout.HIDDEN:
            self.pane_layout = default_layout(self.size.width)  # an answer is never asked unseen
        engine = self.fast_engine if self.fast and self.fast_engine else self.engine
        conversation = self.conversation
        request = conversation.request(
            task, lines, fast=self.fast, order=self.full_order, instruction=instruction
        )
        conversation.send(
            engine, request, description, view_index=self.current, asked_lines=asked_lines or ()
        )

    def show_citations(self, citations: list[GroundedCitation], view_index: int) -> None:
        """Highlight the cited lines in the view that was asked about; list them in the pane."""
        self.pane.show_citations(citations)
        cited = frozenset(c.line - 1 for c in citations if c.line is not None)
        for index, view in enumerate(self.query(TailView).results(TailView)):
            view.set_cited(cited if index == view_index else frozenset())

    # -- status ------------------------------------------------------------------------------
    def show_current_source(self) -> None:
        followed = self.followed[self.current]
        self.panel.show_source(followed.source.path.name, followed.mining)

    def update_subtitle(self) -> None:
        mode = "FAST (answer first)" if self.fast else "FULL (reasoning first)"
        self.sub_title = f"{mode} · task: {TASKS[self.analysis_task].title}"

    def update_status(self) -> None:
        if not self.is_running or not self.followed:
            return  # a timer firing while the app shuts down, or before mount
        engine = self.fast_engine if self.fast and self.fast_engine else self.engine
        text = status_line(
            self.followed[self.current],
            engine=engine,
            screener=self.screener,
            stdin_spool=self.stdin_spool,
            wrap=self.wrap,
            mined_once=self.mined_once_at is not None,
        )
        self.query_one("#status", Static).update(text)
        self.panel.refresh_templates()

    def on_resize(self, event: events.Resize) -> None:
        self.apply_pane_layout()
