"""The templates side of the TUI: mining as the files grow, the panel, filters, flags, explain.

A mixin of ``RlogApp`` (kept apart so each module holds one idea): it uses the app's sources, views,
screener and request sending, and adds the ``p`` panel's behaviour. Textual finds its ``on_*``
handlers through the app's class hierarchy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from textual.widgets import Input

from rlog_tui.protocol import Task
from rlog_tui.protocol.digest import DigestEntry, digest_request
from rlog_tui.screener import score_of
from rlog_tui.widgets.tail_view import TailView
from rlog_tui.widgets.templates_panel import PanelEntry, TemplatesPanel

if TYPE_CHECKING:
    from rlog_tui.app import RlogApp

MINE_BUDGET_S = 0.012
"""Seconds of template mining per UI tick (every 20 ms): big files are mined without a stall."""
NEW_TEMPLATE_SECONDS = 300.0
"""A template that appeared after the first full pass is highlighted as new for this long."""
EXPLAIN_EXAMPLES = 3
RATE_BUCKETS = 48


class TemplatesMixin:
    """Template mining, the templates panel and template filters for ``RlogApp``."""

    def explain_template(self: RlogApp, template_id: int, task: Task = Task.INTERPRET) -> None:
        """Ask ``task`` about one template: its text, its count and a few example lines."""
        template = self.screener.miner.get(template_id)
        info = self.screener.info(template_id)
        if template is None or info is None:
            self.notify("that template is no longer known", severity="warning")
            return
        entry = DigestEntry(template.text, template.count, tuple(info.examples[:EXPLAIN_EXAMPLES]))
        instruction, lines = digest_request(task, [entry])
        self._send(task, lines, f"template #{template_id} ({template.count:,} lines)", instruction)

    @property
    def panel(self: RlogApp) -> TemplatesPanel:
        return self.query_one(TemplatesPanel)

    def _flag_checker(self: RlogApp, index: int) -> Callable[[int], bool]:
        mining, is_abnormal = self._mining[index], self.screener.is_abnormal
        return lambda line: is_abnormal(mining.template_of(line))

    def _mine_lines(self: RlogApp) -> None:
        """Mine a time-boxed chunk of each source; extend a template filter with what matched."""
        if not self.is_running:
            return  # a timer firing while the app shuts down
        budget = MINE_BUDGET_S / max(1, len(self.sources))
        for index, source in enumerate(self.sources):
            mining = self._mining[index]
            if mining.complete(source.line_count):
                continue
            mined = mining.mine(self.screener, source.lines, source.line_count, budget)
            view = self.query_one(f"#view-{index}", TailView)
            view.add_entries(mining.take_entries())  # an idle flush mines an entry, no line
            if not mined.count:
                continue
            view.refresh()  # cached verdicts may flag the lines just mined
            template_id = self._template_filters[index]
            if template_id is None:
                continue
            if mined.backward[0] < mined.backward[1]:
                view.set_rows(self._template_rows(index, template_id))
            else:
                view.lines_added(source.line_count, self._matching(index, *mined.forward))
        if self._mined_once_at is None and all(
            m.complete(s.line_count) for m, s in zip(self._mining, self.sources, strict=True)
        ):
            self._mined_once_at = time.monotonic()

    def _template_rows(self: RlogApp, index: int, template_id: int) -> list[int]:
        ids = np.frombuffer(self._mining[index].ids, dtype=np.uint32)
        return np.flatnonzero(ids == template_id).tolist()

    def _verdicts_changed(self: RlogApp) -> None:
        for view in self.query(TailView).results(TailView):
            view.refresh()
        self._panel_state = None
        if self.panel.has_class("open"):
            self._refresh_panel()

    def filter_by_template(self: RlogApp, template_id: int | None) -> None:
        """Show only the lines of one template in the current view (None, or again: clear)."""
        index = self._current
        if template_id == self._template_filters[index]:
            template_id = None
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.set_class(False, "open")
        self._line_filters[index] = None
        self._filter_scans.pop(index, None)
        self._template_filters[index] = template_id
        self.view.set_rows(None if template_id is None else self._template_rows(index, template_id))
        self._update_status()

    def action_toggle_templates(self: RlogApp) -> None:
        panel = self.panel
        opening = not panel.has_class("open")
        panel.set_class(opening, "open")
        self.call_after_refresh(self._scroll_followers)
        if opening:
            self._panel_state = None
            self._refresh_panel()
            panel.table.focus()
        else:
            self.view.focus()

    def action_explain_template(self: RlogApp) -> None:
        template_id = self.panel.highlighted
        if template_id is None:
            self.notify("open the templates panel (p) and highlight one", severity="warning")
            return
        self.explain_template(template_id)

    def action_clear_template_filter(self: RlogApp) -> None:
        if self._template_filters[self._current] is not None:
            self.filter_by_template(None)

    def on_templates_panel_chosen(self: RlogApp, message: TemplatesPanel.Chosen) -> None:
        self.filter_by_template(message.template_id)

    def on_templates_panel_explain(self: RlogApp, message: TemplatesPanel.Explain) -> None:
        self.explain_template(message.template_id)

    def on_templates_panel_highlighted(self: RlogApp, message: TemplatesPanel.Highlighted) -> None:
        positions = self._template_rows(self._current, message.template_id)
        total = max(1, len(self._mining[self._current].ids))
        buckets = np.bincount(
            np.asarray(positions, dtype=np.int64) * RATE_BUCKETS // total, minlength=RATE_BUCKETS
        )
        self.panel.show_rate(
            buckets.tolist(),
            f"template #{message.template_id}: {len(positions):,} lines in "
            f"{self.source.path.name}, across the file in {RATE_BUCKETS} slices",
        )

    def _refresh_panel(self: RlogApp) -> None:
        screener = self.screener
        state = (screener.lines_seen, len(screener.miner), screener.calls + screener.cache_hits)
        if state == self._panel_state:
            return
        self._panel_state = state
        now = time.monotonic()
        baseline = self._mined_once_at
        entries = []
        for template, info in screener.templates():
            if info.verdict is not None:
                verdict = info.verdict.label
            elif not screener.usable:  # no engine, or one that failed or cannot score
                verdict = "-"
            else:
                verdict = {"screening": "judging…"}.get(info.state, info.state)
            # "New": appeared after the first full pass over the files, and recently.
            is_new = (
                baseline is not None
                and info.created > baseline
                and now - info.created < NEW_TEMPLATE_SECONDS
            )
            entries.append(
                PanelEntry(
                    template.id,
                    template.count,
                    template.text,
                    verdict,
                    info.last_seen,
                    is_new,
                    score_of(info),
                )
            )
        self.panel.show(entries, f"{len(entries):,} templates")
