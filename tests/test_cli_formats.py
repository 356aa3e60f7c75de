"""``rlog-tui analyze`` on real-world formats, time windows and pipes: a real process, the real
embedded model, the project's own samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_cli import REPO, one_line_error, rlog

from rlog_tui.source.formats import FORMAT_NAMES

SAMPLES = REPO / "samples"


def screened(sample: str, tmp_path, *extra: str) -> dict:
    result = rlog(
        "analyze", str(SAMPLES / sample), "--all", "--json", *extra,
        env={"RLOG_CACHE_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_java_trace_log_gives_no_template_of_stack_frames(tmp_path):
    report = screened("java-trace-incident.log", tmp_path)
    templates = [row["template"] for row in report["templates"]]
    assert report["format"] == "plain" and report["lines"] == 143 and report["entries"] == 70
    assert not [t for t in templates if t.startswith(("at ", "\tat ", "Caused by", "..."))]
    assert any(t.endswith("java.sql.SQLTransientConnectionException") for t in templates)


def test_a_json_lines_log_is_mined_on_its_messages(tmp_path):
    report = screened("payments-jsonl-incident.log", tmp_path)
    templates = [row["template"] for row in report["templates"]]
    assert report["format"] == "json"
    assert not [t for t in templates if t.lstrip().startswith("{")]
    assert {"charge failed", "charge accepted", "database pool exhausted"} <= set(templates)


def test_format_override(tmp_path):
    report = screened("hdfs-incident.log", tmp_path, "--format", "plain")
    assert report["format"] == "plain"


@pytest.mark.parametrize("command", ["analyze", "tail"])
def test_format_choices_come_from_the_registry_and_an_unknown_one_is_a_usage_error(command):
    """--help lists every registered format (an Enum made from FORMAT_NAMES: it cannot drift)."""
    shown = rlog(command, "--help", env={"COLUMNS": "400"})
    assert shown.returncode == 0
    assert f"--format [{'|'.join(FORMAT_NAMES)}]" in shown.stdout.replace("<", "[").replace(
        ">", "]"
    )
    wrong = rlog(command, str(SAMPLES / "hdfs-incident.log"), "--format", "xml")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "Invalid value for '--format'" in wrong.stderr and "'xml' is not one of" in wrong.stderr


def test_since_and_until_pick_entries_by_their_timestamps():
    result = rlog(
        "analyze", str(SAMPLES / "nginx-access-incident.log"), "--fast", "--json",
        "--max-tokens", "8", "--since", "19/Feb/2026:10:30:00 +0000",
        "--until", "2026-02-19T10:30:03Z", "--last", "50",
    )  # fmt: skip
    assert result.returncode in (0, 3), result.stderr
    record = json.loads(result.stdout)
    assert record["format"] == "access"
    assert record["lines"] == {"first": 1, "last": 2, "count": 2}
    line = one_line_error(
        rlog("analyze", str(SAMPLES / "bgl-incident.log"), "--since", "soon"), code=2
    )
    assert "cannot read --since 'soon' as a time" in line


def test_lines_inside_a_trace_select_the_whole_entry():
    result = rlog(
        "analyze", str(SAMPLES / "java-trace-incident.log"), "--lines", "40", "--fast", "--json",
        "--max-tokens", "8",
    )  # fmt: skip
    assert result.returncode in (0, 3), result.stderr
    record = json.loads(result.stdout)
    assert record["lines"] == {"first": 31, "last": 48, "count": 18}
    assert record["entries"] == [{"first_line": 31, "line_count": 18}]


def test_analyze_reads_a_pipe(tmp_path):
    """``printf … | rlog-tui analyze - --all --json``, as a shell runs it."""
    script = (
        "printf '%s\\n' "
        '\'{"level":"info","msg":"request served","path":"/a"}\' '
        '\'{"level":"error","msg":"upstream refused","host":"db1"}\' '
        '\'{"level":"info","msg":"request served","path":"/b"}\' '
        f"| {sys.executable} -m rlog_tui analyze - --all --json"
    )
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    env = {**os.environ, "RLOG_CACHE_DIR": str(tmp_path), "TMPDIR": str(spool_dir)}
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["file"] == "<stdin>" and report["format"] == "json"
    assert report["lines"] == 3 and report["template_count"] == 2
    assert {row["template"] for row in report["templates"]} == {
        "request served",
        "upstream refused",
    }
    assert not list(spool_dir.iterdir())  # the spool was deleted on exit


def test_dash_without_a_pipe_is_a_clear_error():
    result = subprocess.run(
        [sys.executable, "-m", "rlog_tui", "analyze", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    # /dev/null is not a terminal: it is read as an empty input, which has no line to ask about
    assert result.returncode == 1 and "rlog: nothing to analyse" in result.stderr
    assert "Traceback" not in result.stderr


def test_tail_dash_follows_the_pipe_and_reads_keys_from_the_terminal(tmp_path):
    """``printf … | rlog-tui tail -`` in a terminal: the lines come from the pipe, ctrl+q from
    the terminal (Textual reads keys from fd 0, which rlog points at /dev/tty)."""
    import pty
    import select
    import signal
    import time

    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a shell pipeline on the pseudo-terminal
        os.environ.update(TERM="xterm-256color", TMPDIR=str(spool_dir))
        command = (
            f"printf 'line one\\nERROR two\\n' | {sys.executable} -m rlog_tui tail - --no-screen"
        )
        os.execvp("sh", ["sh", "-c", command])
    screen, quit_sent, deadline = b"", False, time.monotonic() + 240
    while time.monotonic() < deadline:
        if select.select([terminal], [], [], 0.5)[0]:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the child closed the terminal: it exited
                break
            screen += chunk
        if not quit_sent and b"end of input" in screen:
            os.write(terminal, b"\x11")  # ctrl+q, typed on the terminal
            quit_sent, deadline = True, time.monotonic() + 20
    for _ in range(200):  # the terminal closes a moment before the shell is reaped
        exited, status = os.waitpid(pid, os.WNOHANG)
        if exited:
            break
        time.sleep(0.1)
    else:  # the keys did not reach the app
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert quit_sent, screen[-2000:]  # the status bar said "stdin: … end of input"
    assert exited and os.waitstatus_to_exitcode(status) == 0
    assert not list(spool_dir.iterdir())  # the spool was deleted on exit
