"""The one error hierarchy of rlog: what a user can cause, and the exit status it ends with.

Every failure a user can fix (a bad flag, a missing file, a model that will not load) is an
``RlogError`` subclass; the three command-line programs (``rlog-tui``, ``rlog-train``,
``rlog-quantize``) print ``str(error)`` as one line and exit with ``exit_code``. Anything else
that escapes a command is a bug in rlog and is shown with its traceback (``command_line``), so a
bug never looks like a typo. ``ValueError`` is deliberately *not* a user error.
"""

from __future__ import annotations

EXIT_ERROR = 1
"""A user error that is not about how the command was typed: a bad file, model or data."""
EXIT_USAGE = 2
"""The command line (or the config that stands in for it) asks for something impossible."""
EXIT_BAD_ANSWER = 3
"""``rlog-tui analyze``: the model's answer was malformed or outside the task's schema."""
EXIT_BUG = 70
"""An unexpected exception: a bug in rlog (BSD's EX_SOFTWARE)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C."""


class RlogError(Exception):
    """A failure the user can fix; ``str(error)`` is the whole message, in one line."""

    exit_code = EXIT_ERROR


class UsageError(RlogError):
    """Options that contradict each other, or a value the command cannot take."""

    exit_code = EXIT_USAGE


class InputError(RlogError):
    """A file or folder the user named is missing, unreadable or not what it should be."""


class ModelError(RlogError):
    """A model or adapter cannot be found, assembled, loaded or asked (engine failures)."""
