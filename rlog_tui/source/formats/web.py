"""Web servers: common/combined access logs and the nginx and Apache error logs.

An access line has no level: the status gives it one (5xx an error, 4xx a warning), so an HTTP
500 is flagged like an ``ERROR`` line. Its message is the request line, the status and its reason
phrase (``502 Bad Gateway``: the miner masks numbers, the words keep a 502 apart from a 200); the
client, size, referrer and user agent are fields.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from rlog_tui.source.formats.levels import Level, level_named
from rlog_tui.source.formats.parsed import ParsedLine, RegexFormat
from rlog_tui.source.formats.timestamps import parse_timestamp

_ACCESS = re.compile(
    r"(?P<client>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<ts>[^\]]+)\] "
    r'"(?P<request>(?:[^"\\]|\\.)*)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-)(?: "(?P<referer>(?:[^"\\]|\\.)*)" '
    r'"(?P<agent>(?:[^"\\]|\\.)*)")?(?P<extra>.*)'
)
_NGINX_ERROR = re.compile(
    r"(?P<ts>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?P<lvl>\w+)\] (?P<pid>\d+)#(?P<tid>\d+): "
    r"(?:\*(?P<cid>\d+) )?(?P<msg>.*)"
)
_NGINX_CONTEXT = re.compile(r', (client|server|request|upstream|host|referrer): ("[^"]*"|[^,]*)')
_APACHE_ERROR = re.compile(
    r"\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} [\d:.]+ \d{4})\] "
    r"\[(?:(?P<module>[\w.-]+):)?(?P<lvl>\w+)\]"
    r"(?: \[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\])?"
    r"(?: \[client (?P<client>[^\]]+)\])? ?(?P<msg>.*)"
)


def status_level(status: int) -> Level:
    """5xx is an error, 4xx a warning, anything else information."""
    if status >= 500:
        return Level.ERROR
    return Level.WARNING if status >= 400 else Level.INFO


def reason_phrase(status: int) -> str:
    """``Bad Gateway`` for 502; empty for a status HTTP does not define."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class AccessLog(RegexFormat):
    name = "access"
    description = 'common/combined access log: 1.2.3.4 - - [date] "GET / HTTP/1.1" 200 512 …'
    pattern = _ACCESS

    def read(self, match: re.Match[str]) -> ParsedLine:
        fields = self.fields_of(match, "client", "user", "bytes", "referer", "agent")
        if match["extra"].strip():
            fields["extra"] = match["extra"].strip()
        status = int(match["status"])
        return ParsedLine(
            f"{match['request']} {status} {reason_phrase(status)}".rstrip(),
            parse_timestamp(match["ts"]),
            status_level(status),
            fields,
        )


class NginxError(RegexFormat):
    name = "nginx-error"
    description = "nginx error log: 2024/01/15 10:00:00 [error] 12#12: *5 message, client: …"
    pattern = _NGINX_ERROR

    def read(self, match: re.Match[str]) -> ParsedLine:
        message, fields = match["msg"], {"pid": match["pid"]}
        context = _NGINX_CONTEXT.search(message)
        if context is not None:
            for pair in _NGINX_CONTEXT.finditer(message, context.start()):
                fields[pair.group(1)] = pair.group(2).strip('"')
            message = message[: context.start()]
        return ParsedLine(message, parse_timestamp(match["ts"]), level_named(match["lvl"]), fields)


class ApacheError(RegexFormat):
    name = "apache-error"
    description = "Apache httpd error log: [Sun Dec 04 04:47:44 2005] [error] message"
    pattern = _APACHE_ERROR

    def read(self, match: re.Match[str]) -> ParsedLine:
        fields = self.fields_of(match, "module", "pid", "tid", "client")
        return ParsedLine(
            match["msg"], parse_timestamp(match["ts"]), level_named(match["lvl"]), fields
        )
