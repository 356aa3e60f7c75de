"""What ``LogFile.refresh`` saw happen to a followed file, as small values the TUI dispatches on.

Events come in the order things happened: the last lines of a rotated-away file arrive as
``Appended`` before the ``Rotated`` that switches to the new file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Appended:
    """Lines ``first_line`` .. ``first_line + count - 1`` are new, or have grown.

    ``first_line`` is the old last line when that line had no newline yet (the writer was mid-line
    and has since added to it), so redrawing this range is always enough.
    """

    first_line: int
    count: int


@dataclass(frozen=True, slots=True)
class Truncated:
    """The file shrank or was rewritten in place (``copytruncate``): the index restarted from its
    current contents, so the view must be rebuilt as after ``LogFile.open``."""


@dataclass(frozen=True, slots=True)
class Rotated:
    """A different file now lives at the path (rename rotation, or deleted and recreated): the old
    file's last lines were delivered first, then the index switched to the new file, which must be
    drawn as after ``LogFile.open``."""


@dataclass(frozen=True, slots=True)
class Deleted:
    """The path no longer names a readable file. Lines read so far stay available, and the file is
    picked up again (as ``Rotated``) if it reappears."""


SourceEvent = Appended | Truncated | Rotated | Deleted
"""Anything ``LogFile.refresh`` can report."""
