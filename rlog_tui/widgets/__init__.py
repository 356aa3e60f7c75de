"""Textual widgets of the TUI. Only this package and ``app`` import Textual."""
