"""Formats recognised per file with no configuration, and what each reads from a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlog_tui.source.entries import assemble
from rlog_tui.source.formats import FORMAT_NAMES, UnknownFormat, detect_format, format_named
from rlog_tui.source.formats.levels import Level

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

# (format, line, message, level, some fields)
LINES = [
    (
        "json",
        '{"level":"error","ts":1709633703.1,"caller":"db/pool.go:12","msg":"dial failed",'
        '"addr":"10.0.0.1:5432"}',
        "dial failed",
        Level.ERROR,
        {"caller": "db/pool.go:12", "addr": "10.0.0.1:5432"},
    ),
    (
        "json",
        '{"@timestamp":"2024-03-05T10:15:03.001Z","log.level":"warn","message":"slow query",'
        '"event":{"duration":1200}}',
        "slow query",
        Level.WARNING,
        {"event.duration": "1200"},
    ),
    (
        "json",
        '{"__REALTIME_TIMESTAMP":"1709633703001000","PRIORITY":"3",'
        '"MESSAGE":"Failed to start nginx.service","_SYSTEMD_UNIT":"init.scope"}',
        "Failed to start nginx.service",
        Level.ERROR,
        {"_SYSTEMD_UNIT": "init.scope"},
    ),
    ("json", '{"level":60,"time":1709633703001,"msg":"boom","pid":7}', "boom", Level.FATAL, {}),
    (
        "json",
        '{"event":"user logged in","level":"info","timestamp":"2024-03-05T10:15:03Z","user":"ann"}',
        "user logged in",
        Level.INFO,
        {"user": "ann"},
    ),
    (
        "logfmt",
        'time=2024-03-05T10:15:03Z level=error msg="connection refused" host=db1',
        "connection refused",
        Level.ERROR,
        {"host": "db1"},
    ),
    (
        "syslog",
        "Mar  5 10:15:03 web1 sshd[812]: Failed password for root from 10.0.0.9 port 22 ssh2",
        "Failed password for root from 10.0.0.9 port 22 ssh2",
        None,
        {"host": "web1", "app": "sshd", "pid": "812"},
    ),
    (
        "syslog",
        "Mar  5 10:15:03 node1 kubelet[900]: E0305 10:15:03.123456     900 pod_workers.go:191] "
        "Error syncing pod",
        "Error syncing pod",
        Level.ERROR,
        {"app": "kubelet", "source": "pod_workers.go:191"},
    ),
    (
        "syslog5424",
        '<165>1 2003-10-11T22:14:15.003Z host1 evntslog - ID47 [ex@32473 iut="3"] An event',
        "An event",
        Level.INFO,
        {"host": "host1", "app": "evntslog", "msgid": "ID47"},
    ),
    (
        "access",
        '10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 503 2326 '
        '"http://example.com/" "Mozilla/4.08"',
        "GET /a.gif HTTP/1.0 503 Service Unavailable",
        Level.ERROR,
        {"client": "10.0.0.1", "user": "frank", "agent": "Mozilla/4.08"},
    ),
    (
        "access",
        '10.0.0.2 - - [10/Oct/2000:13:55:36 +0000] "POST /api HTTP/1.1" 404 -',
        "POST /api HTTP/1.1 404 Not Found",
        Level.WARNING,
        {"client": "10.0.0.2"},
    ),
    (
        "nginx-error",
        "2024/03/05 10:15:03 [error] 1234#1234: *5 connect() failed (111: Connection refused) "
        'while connecting to upstream, client: 10.0.0.7, server: shop, request: "GET / HTTP/1.1"',
        "connect() failed (111: Connection refused) while connecting to upstream",
        Level.ERROR,
        {"client": "10.0.0.7", "request": "GET / HTTP/1.1"},
    ),
    (
        "apache-error",
        "[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] "
        "[client 72.15.99.187] File does not exist: /var/www/favicon.ico",
        "File does not exist: /var/www/favicon.ico",
        Level.ERROR,
        {"module": "core", "pid": "35708", "client": "72.15.99.187"},
    ),
    (
        "klog",
        'E0305 10:15:03.123456    1234 kubelet.go:2412] "Error syncing pod" pod="default/web-1"',
        '"Error syncing pod" pod="default/web-1"',
        Level.ERROR,
        {"source": "kubelet.go:2412"},
    ),
    (
        "logcat",
        "03-05 10:15:03.123  1234  5678 E ActivityManager: ANR in com.example.app",
        "ANR in com.example.app",
        Level.ERROR,
        {"tag": "ActivityManager", "pid": "1234"},
    ),
    ("logcat", "W/dalvikvm( 1234): thread exiting", "thread exiting", Level.WARNING, {}),
    (
        "bgl",
        "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 "
        "R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt",
        "data TLB error interrupt",
        Level.FATAL,
        {"component": "KERNEL"},
    ),
    (
        "hdfs",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
        "PacketResponder 1 terminating",
        Level.INFO,
        {"component": "dfs.DataNode$PacketResponder"},
    ),
]


@pytest.mark.parametrize(("name", "line", "message", "level", "fields"), LINES)
def test_each_format_reads_message_level_timestamp_and_fields(name, line, message, level, fields):
    parsed = format_named(name).parse(line)
    assert parsed is not None
    assert parsed.message == message
    assert parsed.level == level
    assert fields.items() <= dict(parsed.fields).items()
    if name != "logcat" or "/" not in line[:3]:  # logcat's brief format has no time
        assert parsed.timestamp is not None


@pytest.mark.parametrize(("name", "line"), {(name, line) for name, line, *_ in LINES})
def test_a_file_of_such_lines_is_recognised_as_that_format(name, line):
    assert detect_format([line] * 5).name == name


def test_bgl_alert_column_is_dropped_not_shown_to_the_model():
    parsed = format_named("bgl").parse(LINES[-2][1].replace("- ", "KERNDTLB ", 1))
    assert parsed is not None and "KERNDTLB" not in " ".join(parsed.fields.values())


@pytest.mark.parametrize(
    ("sample", "name", "entries", "incident_level", "incident_count"),
    [
        ("hdfs-incident.log", "hdfs", 120, Level.WARNING, 20),
        ("apache-incident.log", "apache-error", 100, Level.ERROR, 40),
        ("bgl-incident.log", "bgl", 50, Level.FATAL, 8),
        ("java-trace-incident.log", "plain", 70, Level.ERROR, 4),
        ("payments-jsonl-incident.log", "json", 61, Level.ERROR, 7),
        ("nginx-access-incident.log", "access", 80, Level.ERROR, 10),
    ],
)
def test_samples_are_recognised_with_their_entries_and_incident_levels(
    sample, name, entries, incident_level, incident_count
):
    lines = (SAMPLES / sample).read_text(encoding="utf-8").splitlines()
    log_format = detect_format(lines)
    assert log_format.name == name
    found = list(assemble(log_format, lines))
    assert len(found) == entries
    assert sum(entry.line_count for entry in found) == len(lines)
    assert sum(entry.level == incident_level for entry in found) == incident_count


def test_a_log_no_format_reads_is_plain_and_keeps_its_lines():
    lines = ["just some text", "more text here", "a third line"]
    log_format = detect_format(lines)
    assert log_format.name == "plain"
    assert [entry.message for entry in assemble(log_format, lines)] == lines


def test_format_override_by_name_and_unknown_names_are_refused():
    assert set(FORMAT_NAMES) >= {"json", "logfmt", "syslog", "access", "klog", "logcat", "plain"}
    assert format_named("access").name == "access"
    with pytest.raises(UnknownFormat, match="choose one of"):
        format_named("xml")
