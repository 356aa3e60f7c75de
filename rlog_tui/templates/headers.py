"""Stripping of line prefixes (timestamps, levels, pids, hosts, threads, components).

Templates are mined over the message only: a timestamp or pid in front of every line would
otherwise be masked into a `<*>` that every template shares, and the first-token index of the
tree would be useless. Stripping is a small scanner over anchored regexes:

* *lead* patterns may match at the start of a line (timestamps of common formats, syslog
  timestamp plus host, `|`-separated headers, BGL/Thunderbird alert+epoch prefixes);
* *follow* patterns only match once a lead matched (levels, pids, `[thread]`, hosts, dotted
  logger names, `-` separators), so a message that merely starts with a number or a bracket
  keeps it;
* one *component* pattern (`name:`, `proc[pid]:`) is removed last, once, after a header.

A line where no lead matches is returned unchanged: better to keep a header than to eat a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,:]\d{1,9})?"
_LEVEL = (
    r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRIT|CRITICAL|ALERT|EMERG"
    r"|Trace|Debug|Info|Notice|Warn|Warning|Error|Fatal|Critical"
    r"|trace|debug|info|notice|warn|warning|error|fatal|critical)"
)

DEFAULT_LEAD_PATTERNS: tuple[str, ...] = (
    # ISO-like and compact dates with optional time: 2015-10-18 18:01:47,978
    # / 2005-06-03-15.42.50.675 / 17/06/09 20:10:40 / 03-17 16:13:38.811
    # / 20171223-22:15:29:606 / 2016-09-28 04:30:30,
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{2}[-/.]\d{2}(?:[-/.]\d{2,4})?|\d{8})"
    r"(?:[T _-]+(?:\d{1,2}[:.]\d{2}[:.]\d{2}(?:[.,:]\d{1,9})?)(?:Z|[+-]\d{2}:?\d{2})?)?,?\s+",
    # HDFS-style compact date and time: 081109 203615
    r"\d{6} \d{6}\s+",
    # syslog: Jun 14 15:16:01 host  (optional year)
    rf"{_MONTH}\s+\d{{1,2}}\s+{_TIME}(?:\s+\d{{4}})?\s+[\w.@/-]+\s+",
    # bracketed timestamps: [Sun Dec 04 04:47:44 2005], [10.30 16:49:06], [2017-01-01T00:00:00Z]
    r"\[[^\]\n]{0,40}\d{1,2}:\d{2}:\d{2}[^\]\n]{0,20}\]\s*",
    # `|`-separated header: time|component|pid|message
    r"\d{8}-[\d:]+\|[^|\s]*\|\d+\|",
    # alert flag and epoch seconds (BGL, Thunderbird): - 1117838570
    r"(?:-|[A-Z_]+)\s+\d{9,10}\s+",
    # a log file name in front (OpenStack): nova-api.log.1.2017-05-16_13:53:08
    r"[\w.-]+\.log(?:\.[\w:.-]+)?\s+",
)

DEFAULT_FOLLOW_PATTERNS: tuple[str, ...] = (
    *DEFAULT_LEAD_PATTERNS[:4],
    # host followed by a syslog timestamp (Thunderbird): dn228 Nov 9 12:01:01
    rf"[\w.-]*\d[\w.-]*\s+(?={_MONTH}\s)",
    # pids, thread ids, node names with digits
    r"\d+\s+",
    r"[A-Z0-9][A-Z0-9:._/-]*\d[A-Z0-9:._/-]*\s+(?=\S)",
    # a program name and a dash after a bracketed time (Proxifier): chrome.exe -
    r"[\w-]+\.[\w.-]+\s+-\s+",
    r"-\s+",
)

# A level ends the pids-and-hosts part of a header; what may follow it is narrower.
DEFAULT_LEVEL_PATTERN = (
    # up to six header-ish upper-case tokens, then a level: R02-M1-N0-C:J12-U11 RAS KERNEL INFO
    rf"(?:[A-Z0-9][A-Z0-9:._/-]*\s+){{0,6}}\[?{_LEVEL}\]?(?=\s|$)\s*"
    # single-letter Android/glog levels
    r"|[VDIWEF]\s+"
)

DEFAULT_AFTER_LEVEL_PATTERNS: tuple[str, ...] = (
    # dotted logger names followed by a bracket (OpenStack): nova.compute.manager [req-...]
    r"[a-z_]\w*(?:\.\w+)+\s+(?=\[)",
    # [thread] with one level of nesting, but not message brackets like [client x] or [key: v]
    r"\[(?!client )(?:[^\[\]:\s]|:(?!\s)|\s(?!\S+:\s)|\[[^\[\]]*\])*\]\s*",
    # an upper-case component padded by spaces (Windows CBS): CBS    Loaded ...
    r"[A-Z]{2,}\s{2,}",
    r"-\s+",
)

DEFAULT_COMPONENT_PATTERN = r"[\w.$()/-]+(?:\[\d+\])?:\s+(?=\S)"


class HeaderStripper:
    """Remove a line's header and return the message, using compiled anchored patterns."""

    __slots__ = ("_after_level", "_component", "_follow", "_lead", "_level", "_max_steps")

    def __init__(
        self,
        lead_patterns: Sequence[str] = DEFAULT_LEAD_PATTERNS,
        follow_patterns: Sequence[str] = DEFAULT_FOLLOW_PATTERNS,
        level_pattern: str = DEFAULT_LEVEL_PATTERN,
        after_level_patterns: Sequence[str] = DEFAULT_AFTER_LEVEL_PATTERNS,
        component_pattern: str | None = DEFAULT_COMPONENT_PATTERN,
        max_steps: int = 16,
    ) -> None:
        self._lead = [re.compile(p) for p in lead_patterns]
        self._follow = [re.compile(p) for p in follow_patterns]
        self._level = re.compile(level_pattern)
        self._after_level = [re.compile(p) for p in after_level_patterns]
        self._component = re.compile(component_pattern) if component_pattern else None
        self._max_steps = max_steps

    def strip(self, line: str) -> str:
        """Return the message part of `line` (the line itself when no header is recognised)."""
        pos = len(line) - len(line.lstrip(" \t"))
        for pattern in self._lead:
            m = pattern.match(line, pos)
            if m is not None and m.end() > pos:
                pos = m.end()
                break
        else:
            return line
        patterns = self._follow
        for _ in range(self._max_steps):
            m = self._level.match(line, pos) if patterns is self._follow else None
            if m is not None and m.end() < len(line):
                pos = m.end()
                patterns = self._after_level
                continue
            for pattern in patterns:
                m = pattern.match(line, pos)
                if m is not None and pos < m.end() < len(line):
                    pos = m.end()
                    break
            else:
                break
        if self._component is not None:
            m = self._component.match(line, pos)
            if m is not None:
                pos = m.end()
        return line[pos:]
