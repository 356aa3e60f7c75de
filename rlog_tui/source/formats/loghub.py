"""Headers of two system logs common in log research (Loghub's BGL and HDFS), and the fallback.

BGL (BlueGene/L RAS): ``[alert] epoch date node timestamp node RAS KERNEL LEVEL message``. The
optional leading alert column is a dataset's label, not part of the log: it is dropped, never
shown to the model. HDFS: ``081109 203615 148 INFO dfs.DataNode$PacketResponder: message``.

``Plain`` is every other log: ``templates.HeaderStripper`` finds the message behind whatever
header it recognises; a line with no header starts an entry only when the file's lines mostly
have none (otherwise it continues the entry above it).
"""

from __future__ import annotations

import re

from rlog_tui.source.formats.levels import Level, level_named
from rlog_tui.source.formats.parsed import LogFormat, ParsedLine, RegexFormat
from rlog_tui.source.formats.timestamps import epoch_seconds, find_timestamp, parse_timestamp
from rlog_tui.templates.headers import HeaderStripper

_BGL = re.compile(
    r"(?:\S+ )?(?P<epoch>\d{9,10}) (?P<date>\d{4}\.\d{2}\.\d{2}) (?P<node>\S+) "
    r"(?P<ts>\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}\.\d{6}) (?P<node2>\S+) (?P<type>[A-Z]+) "
    r"(?P<component>[A-Z_]+) (?P<lvl>[A-Z]+) (?P<msg>.*)"
)
_HDFS = re.compile(
    r"(?P<ts>\d{6} \d{6}) (?P<pid>\d+) (?P<lvl>[A-Z]+) (?P<component>[\w.$]+): (?P<msg>.*)"
)


class Bgl(RegexFormat):
    name = "bgl"
    description = "BlueGene/L RAS: epoch date node timestamp node RAS KERNEL LEVEL message"
    pattern = _BGL

    def read(self, match: re.Match[str]) -> ParsedLine:
        return ParsedLine(
            match["msg"],
            epoch_seconds(float(match["epoch"])),
            level_named(match["lvl"]),
            {"node": match["node"], "type": match["type"], "component": match["component"]},
        )


class Hdfs(RegexFormat):
    name = "hdfs"
    description = "Hadoop HDFS: 081109 203615 148 INFO dfs.DataNode$PacketResponder: message"
    pattern = _HDFS

    def read(self, match: re.Match[str]) -> ParsedLine:
        return ParsedLine(
            match["msg"],
            parse_timestamp(match["ts"]),
            level_named(match["lvl"]),
            {"pid": match["pid"], "component": match["component"]},
        )


def header_level(header: str) -> Level | None:
    """The most severe level word among a header's tokens (``INFO``, ``[error]``, ``WARN:``)."""
    found = None
    for token in header.split():
        level = level_named(token.strip("[]():|-"))
        if level is not None and (found is None or level > found):
            found = level
    return found


class Plain(LogFormat):
    """Any other text log. ``headed``: its lines mostly start with a header (set by detection)."""

    name = "plain"
    description = "any other text log: a recognised header (time, level, …) is stripped"

    def __init__(self, headed: bool = False) -> None:
        self.headed = headed
        self._strip = HeaderStripper().strip

    def parse(self, line: str) -> ParsedLine | None:
        text = line.rstrip("\r\n")
        message = self._strip(text)
        if message is text:
            if self.headed:
                return None
            return ParsedLine.guessed(text)
        header = text[: len(text) - len(message)]
        return ParsedLine(message, find_timestamp(header), header_level(header))

    def has_header(self, line: str) -> bool:
        text = line.rstrip("\r\n")
        return self._strip(text) is not text
