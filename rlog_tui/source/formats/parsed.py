"""What a format reads from one log line: timestamp, level, message and the other fields.

Every format is a ``LogFormat``: a name and ``parse(line)``, which returns ``None`` for a line that
does not start an entry of that format (a stack frame, a wrapped message): the entries module
makes such lines continuations of the entry before them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from rlog_tui.source.formats.levels import Level, detect_level

NO_FIELDS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line read by a format. ``timestamp``: epoch seconds (UTC); None when absent."""

    message: str
    timestamp: float | None = None
    level: Level | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: NO_FIELDS)
    level_guessed: bool = False
    """True when ``level`` was read from the message's words, not from a level field: good
    enough to colour a line, not to say what its program declared (the screener's gate)."""

    @classmethod
    def guessed(cls, message: str) -> ParsedLine:
        """A line no level field covers: its level read from its words (``detect_level``)."""
        level = detect_level(message)
        return cls(message, level=None if level is Level.UNKNOWN else level, level_guessed=True)


class LogFormat(ABC):
    """A log format: its name (``--format NAME``) and how it reads an entry's first line."""

    name: str = ""
    description: str = ""

    @abstractmethod
    def parse(self, line: str) -> ParsedLine | None:
        """The line's parts, or None when ``line`` is not the first line of an entry."""


class RegexFormat(LogFormat):
    """A format whose first lines match one regular expression; ``read`` takes the parts."""

    pattern: re.Pattern[str]

    def parse(self, line: str) -> ParsedLine | None:
        match = self.pattern.fullmatch(line.rstrip("\r\n"))
        return None if match is None else self.read(match)

    @staticmethod
    def fields_of(match: re.Match[str], *groups: str) -> dict[str, str]:
        """The named groups that matched something other than ``-`` (syslog's and httpd's nil)."""
        return {key: value for key in groups if (value := match[key]) and value != "-"}

    @abstractmethod
    def read(self, match: re.Match[str]) -> ParsedLine:
        """The parts of a line that matched ``pattern``."""
