"""Structured logs: JSON lines and logfmt, read by the field names common loggers use.

No configuration: the timestamp, level and message are taken from the names zap, logrus, pino,
structlog, Elastic Common Schema, Docker's json-file driver and ``journalctl -o json`` write
(``ts``/``time``/``@timestamp``/``__REALTIME_TIMESTAMP``, ``level``/``log.level``/``PRIORITY``,
``msg``/``message``/``event``/``MESSAGE``/``log``). Every other field is kept: the model sees them
beside the message, the miner does not (a request id per line would make every line a template).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from rlog_tui.source.formats.levels import SYSLOG_SEVERITIES, Level, level_named
from rlog_tui.source.formats.parsed import LogFormat, ParsedLine
from rlog_tui.source.formats.timestamps import epoch_seconds, parse_timestamp

TIME_KEYS = (
    "@timestamp",
    "timestamp",
    "time",
    "ts",
    "t",
    "datetime",
    "date",
    "__REALTIME_TIMESTAMP",
)
LEVEL_KEYS = ("level", "log.level", "severity", "lvl", "levelname", "loglevel", "PRIORITY")
MESSAGE_KEYS = ("msg", "message", "MESSAGE", "event", "@message", "log")
PINO_LEVELS = {10: Level.DEBUG, 20: Level.DEBUG, 30: Level.INFO, 40: Level.WARNING}
"""pino's numeric levels (trace 10 … fatal 60); 50 and up are errors and 60 fatal."""
MAX_DEPTH = 3
"""Nested objects are flattened to dotted keys (ECS ``log.level``) this deep; deeper: JSON text."""


def pick_parts(
    values: Mapping[str, object],
) -> tuple[float | None, Level | None, str | None, dict[str, str]]:
    """Timestamp, level, message and the remaining fields of a flat record."""
    rest = dict(values)
    timestamp = _take_time(rest)
    level = _take_level(rest)
    message = None
    for key in MESSAGE_KEYS:
        if isinstance(rest.get(key), str):
            message = str(rest.pop(key)).rstrip("\n")
            break
    return timestamp, level, message, {key: _text(value) for key, value in rest.items()}


def _take_time(rest: dict[str, object]) -> float | None:
    for key in TIME_KEYS:
        value = rest.get(key)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            stamp: float | None = epoch_seconds(float(value))
        elif isinstance(value, str):
            stamp = parse_timestamp(value)
        else:
            continue
        if stamp is not None:
            del rest[key]
            return stamp
    return None


def _take_level(rest: dict[str, object]) -> Level | None:
    for key in LEVEL_KEYS:
        value = rest.get(key)
        level = None
        if key == "PRIORITY" and str(value).isdigit() and int(str(value)) < 8:
            level = SYSLOG_SEVERITIES[int(str(value))]
        elif isinstance(value, int) and not isinstance(value, bool):
            level = PINO_LEVELS.get(value, Level.FATAL if value >= 60 else Level.ERROR)
        elif isinstance(value, str):
            level = level_named(value)
        if level is not None:
            del rest[key]
            return level
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _flatten(record: Mapping[str, object], prefix: str = "", depth: int = 0) -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < MAX_DEPTH:
            flat.update(_flatten(value, f"{name}.", depth + 1))
        else:
            flat[name] = value
    return flat


class JsonLines(LogFormat):
    name = "json"
    description = "one JSON object per line (zap, logrus, pino, structlog, ECS, journald -o json)"

    def parse(self, line: str) -> ParsedLine | None:
        text = line.strip()
        if not text.startswith("{"):
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        timestamp, level, message, fields = pick_parts(_flatten(record))
        if message is None:  # no message field: the fields are the message
            message = " ".join(f"{key}={value}" for key, value in fields.items())
            fields = {}
        return ParsedLine(message, timestamp, level, fields)


_PAIR = re.compile(r'([A-Za-z_@][\w.@/-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)')


def logfmt_pairs(line: str) -> dict[str, str] | None:
    """``key=value key="quoted value"`` pairs, or None when the line is not all pairs."""
    pairs: dict[str, str] = {}
    position, text = 0, line.rstrip()
    while position < len(text):
        while position < len(text) and text[position] == " ":
            position += 1
        match = _PAIR.match(text, position)
        if match is None:
            return None
        value = match.group(2)
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        pairs[match.group(1)] = value
        position = match.end()
    return pairs if len(pairs) >= 2 else None


class Logfmt(LogFormat):
    name = "logfmt"
    description = "key=value pairs (Heroku, Go's slog text handler, Grafana, logrus text)"

    def parse(self, line: str) -> ParsedLine | None:
        pairs = logfmt_pairs(line)
        if pairs is None:
            return None
        timestamp, level, message, fields = pick_parts(pairs)
        if message is None:
            message = " ".join(f"{key}={value}" for key, value in fields.items())
            fields = {}
        return ParsedLine(message, timestamp, level, fields)
