"""Syslog: RFC 3164 (BSD: ``/var/log/syslog``, ``journalctl`` short output) and RFC 5424.

The level comes from the priority (``<PRI>``) when a line carries one; a file written by rsyslog
has none, and its level is left unknown rather than guessed. A kubelet line inside syslog (the
message is a klog line) takes the klog level and message.
"""

from __future__ import annotations

import re

from rlog_tui.source.formats.levels import SYSLOG_SEVERITIES
from rlog_tui.source.formats.parsed import ParsedLine, RegexFormat
from rlog_tui.source.formats.runtimes import Klog
from rlog_tui.source.formats.timestamps import parse_timestamp

_RFC3164 = re.compile(
    r"(?:<(?P<pri>\d{1,3})>)?"
    r"(?P<ts>[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S*) "
    r"(?P<host>\S+) (?P<tag>[^:\[\s]+)(?:\[(?P<pid>\d+)\])?: ?(?P<msg>.*)"
)
_RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (?P<msg>.*))?"
)
_KLOG = Klog()


def _severity(pri: str | None):
    return None if pri is None else SYSLOG_SEVERITIES[int(pri) % 8]


class SyslogRfc3164(RegexFormat):
    name = "syslog"
    description = "BSD syslog (RFC 3164): Jan 15 10:00:00 host app[pid]: message"
    pattern = _RFC3164

    def read(self, match: re.Match[str]) -> ParsedLine:
        fields = {"host": match["host"], "app": match["tag"]}
        if match["pid"]:
            fields["pid"] = match["pid"]
        level, message = _severity(match["pri"]), match["msg"]
        inner = _KLOG.parse(message)
        if inner is not None:
            level, message = inner.level, inner.message
            fields.update(inner.fields)
        return ParsedLine(message, parse_timestamp(match["ts"]), level, fields)


class SyslogRfc5424(RegexFormat):
    name = "syslog5424"
    description = "syslog (RFC 5424): <PRI>1 timestamp host app procid msgid [data] message"
    pattern = _RFC5424

    def read(self, match: re.Match[str]) -> ParsedLine:
        fields = self.fields_of(match, "host", "app", "procid", "msgid", "sd")
        message = (match["msg"] or "").removeprefix("\ufeff")
        timestamp = None if match["ts"] == "-" else parse_timestamp(match["ts"])
        return ParsedLine(message, timestamp, _severity(match["pri"]), fields)
