"""Textual widgets of the TUI (tail view, templates panel, reasoning pane, dialogs, key actions)."""
