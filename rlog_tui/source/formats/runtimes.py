"""Logs of two runtimes with their own one-letter levels: Kubernetes' klog and Android's logcat."""

from __future__ import annotations

import re

from rlog_tui.source.formats.levels import Level
from rlog_tui.source.formats.parsed import LogFormat, ParsedLine, RegexFormat
from rlog_tui.source.formats.timestamps import parse_timestamp

LETTER_LEVELS = {
    "V": Level.DEBUG,
    "D": Level.DEBUG,
    "I": Level.INFO,
    "W": Level.WARNING,
    "E": Level.ERROR,
    "F": Level.FATAL,
    "A": Level.FATAL,
}

_KLOG = re.compile(
    r"(?P<lvl>[IWEF])(?P<date>\d{4} \d{2}:\d{2}:\d{2}\.\d{6})\s+(?P<tid>\d+) "
    r"(?P<src>[^\s:\]]+:\d+)\] ?(?P<msg>.*)"
)
_THREADTIME = re.compile(
    r"(?P<date>\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})\s+(?P<pid>\d+)\s+(?P<tid>\d+) "
    r"(?P<lvl>[VDIWEFA]) (?P<tag>.*?)\s*: (?P<msg>.*)"
)
_BRIEF = re.compile(r"(?P<lvl>[VDIWEFA])/(?P<tag>[^(]*?)\(\s*(?P<pid>\d+)\): (?P<msg>.*)")


class Klog(RegexFormat):
    name = "klog"
    description = "Kubernetes klog/glog (kubelet): I0115 10:00:00.123456 1234 file.go:42] message"
    pattern = _KLOG

    def read(self, match: re.Match[str]) -> ParsedLine:
        return ParsedLine(
            match["msg"],
            parse_timestamp(match["date"]),
            LETTER_LEVELS[match["lvl"]],
            {"thread": match["tid"], "source": match["src"]},
        )


class Logcat(LogFormat):
    name = "logcat"
    description = "Android logcat, threadtime or brief: 01-15 10:00:00.123 pid tid E Tag: message"

    def parse(self, line: str) -> ParsedLine | None:
        text = line.rstrip("\r\n")
        match = _THREADTIME.fullmatch(text) or _BRIEF.fullmatch(text)
        if match is None:
            return None
        parts = match.groupdict()
        fields = {"tag": parts["tag"], "pid": parts["pid"]}
        if parts.get("tid"):
            fields["tid"] = parts["tid"]
        timestamp = parse_timestamp(parts["date"]) if parts.get("date") else None
        return ParsedLine(match["msg"], timestamp, LETTER_LEVELS[match["lvl"]], fields)
