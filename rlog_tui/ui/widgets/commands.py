"""Command palette entries (ctrl+p): every action of the TUI, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from rlog_tui.protocol import TASKS


class RlogCommands(Provider):
    """Tasks, modes and views of the running app."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app = self.app
        entries: list[tuple[str, str, object]] = []
        for task, spec in TASKS.items():
            entries.append(
                (f"Ask: {spec.title}", spec.instruction, partial(app.ask_task, task))  # type: ignore[attr-defined]
            )
        entries += [
            ("Toggle fast mode", "Answer first and stop at </answer>", app.action_toggle_fast),  # type: ignore[attr-defined]
            ("Show what was sent", "The exact prompt of the last request", app.action_show_prompt),  # type: ignore[attr-defined]
            ("Select last N lines", "Select the newest lines of the view", app.action_select_last),  # type: ignore[attr-defined]
            (
                "Go to time",
                "The first entry at or after 14:03, a date and time, or -5m (g)",
                app.action_jump_to_time,  # type: ignore[attr-defined]
            ),
            ("Filter lines", "Live regex filter (!regex excludes)", app.action_filter),  # type: ignore[attr-defined]
            ("Search", "Find a regex in the view", app.action_search),  # type: ignore[attr-defined]
            ("Cancel request", "Stop the model's current answer", app.action_cancel),  # type: ignore[attr-defined]
            (
                "Templates panel",
                "Show/hide mined templates and verdicts (p)",
                app.action_toggle_templates,
            ),  # type: ignore[attr-defined]
            ("Explain template", "Ask about the highlighted template", app.action_explain_template),  # type: ignore[attr-defined]
            ("Clear template filter", "Show every line again", app.action_clear_template_filter),  # type: ignore[attr-defined]
            ("Wrap lines", "Wrap long lines, or scroll them sideways (W)", app.action_toggle_wrap),  # type: ignore[attr-defined]
            ("Reasoning pane", "Beside, below or hidden (r)", app.action_cycle_pane),  # type: ignore[attr-defined]
            (
                "Next cited line",
                "Jump to a line the answer cited (c)",
                partial(app.view.action_next_cited, 1),
            ),  # type: ignore[attr-defined]
            (
                "Open or fold entry",
                "A stack trace as one row, or all its lines (x)",
                app.view.action_toggle_entry,  # type: ignore[attr-defined]
            ),
            (
                "Open or fold all entries",
                "Every multi-line entry (X)",
                app.view.action_toggle_all_entries,  # type: ignore[attr-defined]
            ),
            ("Help", "Keys and what they do", app.action_help),  # type: ignore[attr-defined]
        ]
        return entries

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield Hit(1.0, name, callback, help=help_text)  # type: ignore[arg-type]
