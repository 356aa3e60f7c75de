"""Entries: a first line plus its continuation lines (Java, Python, Go), file line numbers."""

from __future__ import annotations

from rlog_tui.source.entries import MAX_ENTRY_LINES, EntryAssembler, assemble
from rlog_tui.source.formats import detect_format, format_named
from rlog_tui.source.formats.levels import Level

JAVA = [
    "2024-03-05 10:15:02,118 INFO  [main] com.shop.Checkout - Order 42 accepted",
    "2024-03-05 10:15:03,001 ERROR [exec-3] com.shop.Checkout - Request failed",
    "java.lang.IllegalStateException: pool exhausted",
    "\tat com.shop.db.Pool.borrow(Pool.java:88)",
    "\tat com.shop.Checkout.run(Checkout.java:41)",
    "Caused by: java.net.SocketTimeoutException: connect timed out",
    "\tat java.net.Socket.connect(Socket.java:601)",
    "\t... 12 more",
    "2024-03-05 10:15:04,500 INFO  [main] com.shop.Checkout - Order 43 accepted",
]
PYTHON = [
    "2024-03-05 10:15:05,000 ERROR worker - job 7 crashed",
    "Traceback (most recent call last):",
    '  File "/app/worker.py", line 30, in run',
    "    port = int(value)",
    "ValueError: invalid literal for int() with base 10: 'x'",
    "2024-03-05 10:15:06,000 INFO worker - job 8 done",
]
GO = [
    '{"level":"info","ts":"2024-03-05T10:15:03Z","msg":"charge accepted"}',
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6f2b1c]",
    "",
    "goroutine 41 [running]:",
    "example.com/pay.(*Client).Charge(0x0)",
    "\t/src/pay/client.go:151 +0x3c",
    "created by net/http.(*Server).Serve in goroutine 1",
]


def spans(lines: list[str]) -> list[tuple[int, int]]:
    return [(e.first_line, e.line_count) for e in assemble(detect_format(lines), lines)]


def test_a_java_trace_is_one_entry_keeping_its_root_exception_type():
    entries = list(assemble(detect_format(JAVA), JAVA))
    assert [(e.first_line, e.line_count) for e in entries] == [(1, 1), (2, 7), (9, 1)]
    trace = entries[1]
    assert trace.level is Level.ERROR
    assert trace.exception_type == "java.net.SocketTimeoutException"
    assert trace.template_text.endswith("Request failed java.net.SocketTimeoutException")
    assert "at " not in trace.template_text


def test_a_python_traceback_ends_with_its_exception_line():
    entries = list(assemble(detect_format(PYTHON), PYTHON))
    assert [(e.first_line, e.line_count) for e in entries] == [(1, 5), (6, 1)]
    assert entries[0].exception_type == "ValueError"
    assert "ValueError: invalid literal" in entries[0].model_text


def test_a_bare_traceback_in_a_plain_text_file_is_one_entry():
    lines = ["starting", *PYTHON[1:5], "stopped"]
    assert spans(lines) == [(1, 1), (2, 4), (6, 1)]


def test_a_go_panic_starts_its_own_entry_with_its_goroutine_block():
    entries = list(assemble(format_named("json"), GO))
    assert [(e.first_line, e.line_count) for e in entries] == [(1, 1), (2, 7)]
    assert entries[1].level is Level.FATAL
    assert entries[1].message.startswith("panic: runtime error")


def test_json_fields_are_kept_but_neither_mined_nor_screened():
    line = '{"level":"error","msg":"charge failed","order_id":1051,"error":"refused"}'
    (entry,) = assemble(format_named("json"), [line])
    assert entry.template_text == entry.model_text == "charge failed"
    assert dict(entry.fields) == {"order_id": "1051", "error": "refused"}


def test_an_entry_grows_until_the_next_first_line_or_a_flush():
    assembler = EntryAssembler(detect_format(JAVA))
    finished = [assembler.push(n, line) for n, line in enumerate(JAVA[:8], start=101)]
    assert [e.first_line for e in finished if e] == [101]
    assert assembler.pending_first_line == 102
    entry = assembler.flush()
    assert entry is not None and (entry.first_line, entry.line_count) == (102, 7)
    assert assembler.pending_first_line is None


def test_an_endless_run_of_continuations_is_cut():
    lines = ["2024-03-05 10:15:03 ERROR boom"] + ["\tat x.y(Z.java:1)"] * (MAX_ENTRY_LINES + 5)
    assert spans(lines) == [(1, MAX_ENTRY_LINES), (MAX_ENTRY_LINES + 1, 6)]
