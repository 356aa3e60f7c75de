"""What the app's keys do: select, ask, search, filter, go to a time, switch modes, panes, files.

``RlogApp`` wires files, the model and the panel together; these are its key actions, kept in
their own module so each holds one idea. A base class of the app (Textual finds ``action_*``,
``watch_*`` and ``on_*`` methods through the class hierarchy) that uses only the app's public
attributes: ``followed``/``current`` (the files), ``view``/``source``/``pane``/``panel``,
``conversation``, ``screener``, ``send``, the reactives ``fast``/``wrap``/``analysis_task``/
``pane_layout`` and ``update_status``/``update_subtitle``/``show_current_source``.
It imports nothing of the app's module, so there is no import circle.
"""

from __future__ import annotations

import re
from typing import Any

from textual.widgets import ContentSwitcher, Input

from rlog_tui.protocol import Task
from rlog_tui.source.selection import DEFAULT_LAST
from rlog_tui.source.time_jump import TimeNotFound, first_line_at
from rlog_tui.ui.widgets.conversation import template_question
from rlog_tui.ui.widgets.dialogs import (
    HelpScreen,
    NumberPrompt,
    PromptViewer,
    TaskPicker,
    TimePrompt,
)
from rlog_tui.ui.widgets.followed_source import LineFilter
from rlog_tui.ui.widgets.pane_layout import (
    BOTTOM_HEIGHT_PERCENT,
    NEXT_LAYOUT,
    PaneLayout,
    default_layout,
    side_pane_width,
)
from rlog_tui.ui.widgets.tail_view import TailView
from rlog_tui.ui.widgets.templates_panel import TemplatesPanel

DEFAULT_CONTEXT_LINES = 20
"""What ``l`` (select the newest N lines) proposes."""


class AppKeys:
    """Key actions of ``RlogApp`` (see the module docstring for what they use of it)."""

    # -- selecting and asking ----------------------------------------------------------------
    def selected_lines(self: Any) -> list[tuple[int, str]]:
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
        entry_span = self.followed[self.current].mining.entry_span
        numbers: dict[int, None] = {}
        for row in range(rows[0], rows[1] + 1):
            first, last = entry_span(view.line_at(row))
            numbers.update(dict.fromkeys(range(first, last + 1)))
        return [(number + 1, self.source.line(number)) for number in numbers]

    def action_ask(self: Any) -> None:
        self.ask_task(self.analysis_task)

    def ask_task(self: Any, task: Task) -> None:
        """Send the selection to the model for ``task``, replacing any running request."""
        self.analysis_task = task
        lines = self.selected_lines()
        if not lines:
            self.notify("no lines to analyse yet", severity="warning")
            return
        span = f"line {lines[0][0]}" if len(lines) == 1 else f"lines {lines[0][0]}-{lines[-1][0]}"
        description = f"{self.source.path.name} {span}"
        self.send(task, [text for _, text in lines], description, asked_lines=lines)

    def explain_template(self: Any, template_id: int, task: Task = Task.INTERPRET) -> None:
        """Ask ``task`` about one template: its text, its count and a few example lines."""
        question = template_question(self.screener, template_id, task)
        if question is None:
            self.notify("that template is no longer known", severity="warning")
            return
        instruction, lines, description = question
        self.send(task, lines, description, instruction=instruction)

    def action_cancel(self: Any) -> None:
        """Esc: cancel the answer streaming, else leave the panel or a box, else unselect."""
        if self.conversation.cancel_running():
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

    def action_select_last(self: Any) -> None:
        def chosen(count: int | None) -> None:
            if count:
                view = self.view
                view.select_rows(view.row_count - count, view.row_count - 1)

        self.push_screen(
            NumberPrompt("Select how many of the newest lines?", DEFAULT_CONTEXT_LINES), chosen
        )

    def action_jump_to_time(self: Any) -> None:
        """``g``: move the cursor to the first entry at or after a time the user types."""

        def chosen(text: str | None) -> None:
            if not text:
                return
            followed = self.followed[self.current]
            source = followed.source
            if source.line_count == 0:
                self.notify("no lines yet", severity="warning")
                return
            log_format = followed.mining.log_format(source.lines, source.line_count)
            try:
                line = first_line_at(text, source.lines, source.line_count, log_format)
            except TimeNotFound as error:
                self.notify(str(error), severity="warning")
                return
            if not self.view.go_to_line(line):
                self.notify(f"line {line + 1} is not shown: clear the filter", severity="warning")

        self.push_screen(TimePrompt(), chosen)

    # -- search and filter boxes -------------------------------------------------------------
    def action_filter(self: Any) -> None:
        self.open_box("#filter")

    def action_search(self: Any) -> None:
        self.open_box("#search")

    def open_box(self: Any, selector: str) -> None:
        box = self.query_one(selector, Input)
        box.set_class(True, "open")
        box.focus()

    def on_input_submitted(self: Any, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.view.focus()
            if not event.value:
                event.input.set_class(False, "open")
        elif event.input.id == "search":
            self.search_submitted(event.input, event.value)

    def search_submitted(self: Any, box: Input, text: str) -> None:
        view = self.view
        if not text:
            view.search = None
            box.set_class(False, "open")
        else:
            try:
                view.search = re.compile(text, re.IGNORECASE)
            except re.error as error:
                self.notify(f"bad search regex: {error}", severity="error")
                return
            view.action_next_match(-1)
        view.refresh()
        view.focus()

    # -- the filter box and the templates panel ----------------------------------------------
    def on_input_changed(self: Any, event: Input.Changed) -> None:
        """The filter box: a regex (``!regex`` hides matches) applies as it is typed."""
        if event.input.id != "filter":
            return
        text = event.value
        exclude = text.startswith("!")
        pattern = text[1:] if exclude else text
        followed = self.followed[self.current]
        if not pattern:
            if not text and followed.template_id is not None:
                return  # the box was cleared by choosing a template: keep its filter
            followed.filter_lines(None)
        else:
            try:
                followed.filter_lines(LineFilter(re.compile(pattern), exclude))
            except re.error:
                return  # keep the last valid filter while the user is still typing
            self.start_work()
        self.update_status()

    def filter_by_template(self: Any, template_id: int | None) -> None:
        """Show only the lines of one template in the current view (None, or again: clear)."""
        followed = self.followed[self.current]
        if template_id == followed.template_id:
            template_id = None
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.set_class(False, "open")
        followed.filter_template(template_id)
        self.update_status()

    def on_templates_panel_chosen(self: Any, message: TemplatesPanel.Chosen) -> None:
        self.filter_by_template(message.template_id)

    def on_templates_panel_explain(self: Any, message: TemplatesPanel.Explain) -> None:
        self.explain_template(message.template_id)

    # -- templates panel ---------------------------------------------------------------------
    def action_toggle_templates(self: Any) -> None:
        if not self.panel.toggle():
            self.view.focus()
        self.call_after_refresh(self.scroll_followers)

    def action_explain_template(self: Any) -> None:
        template_id = self.panel.highlighted
        if template_id is None:
            self.notify("open the templates panel (p) and highlight one", severity="warning")
            return
        self.explain_template(template_id)

    def action_clear_template_filter(self: Any) -> None:
        if self.followed[self.current].template_id is not None:
            self.filter_by_template(None)

    # -- modes and tasks ---------------------------------------------------------------------
    def action_toggle_fast(self: Any) -> None:
        self.fast = not self.fast

    def watch_fast(self: Any) -> None:
        self.update_subtitle()

    def watch_analysis_task(self: Any) -> None:
        self.update_subtitle()

    def action_set_task(self: Any, name: str) -> None:
        self.analysis_task = Task(name)

    def action_pick_task(self: Any) -> None:
        def chosen(task: Task | None) -> None:
            if task is not None:
                self.analysis_task = task

        self.push_screen(TaskPicker(self.analysis_task), chosen)

    def action_show_prompt(self: Any) -> None:
        conversation = self.conversation
        self.push_screen(PromptViewer(conversation.last_prompt, conversation.last_prompt_tokens))

    def action_help(self: Any) -> None:
        self.push_screen(HelpScreen())

    # -- views and panes ---------------------------------------------------------------------
    def action_toggle_wrap(self: Any) -> None:
        self.wrap = not self.wrap

    def watch_wrap(self: Any, wrap: bool) -> None:
        for view in self.query(TailView).results(TailView):
            view.wrap = wrap
        self.update_status()

    def action_next_file(self: Any) -> None:
        if len(self.sources) > 1:
            self.current = (self.current + 1) % len(self.sources)
            self.query_one(ContentSwitcher).current = f"view-{self.current}"
            self.view.focus()
            self.show_current_source()
            self.update_status()

    def on_tail_view_selection_changed(self: Any) -> None:
        self.update_status()

    def on_tail_view_following_changed(self: Any) -> None:
        self.update_status()

    def action_cycle_pane(self: Any) -> None:
        """Reasoning pane: side → bottom → hidden → side."""
        self.pane_layout = NEXT_LAYOUT[self.pane_layout_now()]

    def pane_layout_now(self: Any) -> PaneLayout:
        return self.pane_layout or default_layout(self.size.width)

    def watch_pane_layout(self: Any) -> None:
        self.apply_pane_layout()

    def apply_pane_layout(self: Any) -> None:
        if not self.is_mounted:
            return
        layout = self.pane_layout_now()
        main, pane = self.query_one("#main"), self.pane
        main.set_class(layout is PaneLayout.BOTTOM, "bottom")
        pane.set_class(layout is PaneLayout.HIDDEN, "hidden")
        pane.set_class(layout is PaneLayout.BOTTOM, "bottom")
        if layout is PaneLayout.BOTTOM:
            pane.styles.width, pane.styles.height = "1fr", f"{BOTTOM_HEIGHT_PERCENT}%"
        else:
            pane.styles.width, pane.styles.height = side_pane_width(self.size.width), "1fr"
        self.call_after_refresh(self.scroll_followers)

    def scroll_followers(self: Any) -> None:
        """Views that follow show their newest line (again after the layout changed)."""
        for view in self.query(TailView).results(TailView):
            if view.following and view.cursor is None:
                view.scroll_end(animate=False, immediate=True)
