"""Make untrusted log text safe to show and safe to send.

Log lines are data. A line may carry ANSI/OSC escape sequences, other C0/C1 control characters or
megabytes without a newline; none of that may reach the terminal raw or blow up a prompt. Every
place that shows or sends a log line goes through here, so the rule is enforced in one spot.
"""

from __future__ import annotations

import re

DISPLAY_LIMIT = 4_000
"""Characters of one line drawn on screen; the rest is summarised, never silently dropped."""

MODEL_LINE_LIMIT = 2_000
"""Characters of one line sent to the model: enough for a real message, bounded for a 10 MB one."""

# C0 controls except tab, DEL, and C1 controls: every byte a terminal could interpret.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_NAMES = {"\x1b": "␛", "\r": "␍", "\n": "␊", "\x07": "␇", "\x08": "␈", "\x00": "␀"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMES.get(char, f"\\x{ord(char):02x}")


def make_printable(text: str) -> str:
    """Replace every control character with a visible stand-in (ESC becomes ␛, others \\xNN).

    The escape sequence's remaining characters stay as ordinary text, so ``\\x1b[31m`` shows as
    ``␛[31m``: the reader sees exactly what the log contains and the terminal interprets nothing.
    """
    return _CONTROL.sub(_visible, text.expandtabs(4))


def bound(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with a visible note of how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} …[{len(text) - limit:,} more characters]"


def for_display(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """One log line as it may be drawn on a terminal: bounded, then made printable."""
    return make_printable(bound(text, limit))


def for_model(text: str, limit: int = MODEL_LINE_LIMIT) -> str:
    """One log line as it may be placed in a prompt: bounded and printable (no raw escapes)."""
    return make_printable(bound(text, limit))
