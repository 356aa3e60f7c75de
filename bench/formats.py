"""What recognising formats and grouping entries costs, per format, against reading the lines.

Run by hand: ``python bench/formats.py [--lines 200000]``.

For each format rlog recognises, a corpus of ``--lines`` lines is written to a temp file: the
project's sample of that format repeated, or (for formats without a sample) a block of lines this
script writes. Per format, in one run:

- detection: which format ``detect_format`` picks from the first 200 lines, and how long it takes;
- entries: entries and templates found in one copy of the sample, against what the sample's
  README says;
- throughput, against reading the lines with rlog's source (``LogFile``: the baseline, what rlog
  does anyway): before this change, ``analyze --all`` mined every raw line (header stripped by
  the miner); now it reads the lines into entries (``assemble``: the format's parser plus
  continuation detection) and mines each entry's message. Each is given in lines/s and as its
  time over the baseline's (1.0 = as fast as reading).

Warm page cache (the file was just written); best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_tui.engine.cpu_features import cpu_model
from rlog_tui.source import LogFile
from rlog_tui.source.entries import assemble
from rlog_tui.source.formats import SAMPLE_LINES, LogFormat, detect_format
from rlog_tui.templates import TemplateMiner

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {
    "json": ("payments-jsonl-incident.log", 61),
    "bgl": ("bgl-incident.log", 50),
    "hdfs": ("hdfs-incident.log", 120),
    "access": ("nginx-access-incident.log", 80),
    "apache-error": ("apache-incident.log", 100),
    "plain": ("java-trace-incident.log", 70),
}
"""Format → (sample, entries its README promises)."""


WRITTEN = {
    "logfmt": 'time=2026-02-19T10:{mm}:{ss}Z level={level} msg="request served" '
    "path=/v1/items/{n} duration_ms={ms}",
    "syslog": "Feb 19 10:{mm}:{ss} web1 sshd[{n}]: Accepted publickey for deploy from "
    "10.0.{a}.{b} port {port}",
    "syslog5424": '<{pri}>1 2026-02-19T10:{mm}:{ss}Z web1 billing {n} INV [meta@32473 req="{n}"] '
    "invoice {n} sent in {ms} ms",
    "nginx-error": "2026/02/19 10:{mm}:{ss} [{level}] 41#41: *{n} upstream timed out (110: "
    "Connection timed out) while reading response header from upstream, client: 10.0.0.{a}, "
    'server: shop, request: "GET /cart HTTP/1.1"',
    "klog": '{letter}0219 10:{mm}:{ss}.{n:06d}    1234 kubelet.go:{ms}] "SyncLoop (PLEG): event '
    'for pod" pod="default/web-{a}"',
    "logcat": "02-19 10:{mm}:{ss}.{ms:03d}  {port}  {port} {letter} ActivityManager: "
    "Start proc {n}:com.example",
}
"""Lines of the formats without a sample, written here from each format's documentation."""


def written_block(name: str, rng: random.Random) -> list[str]:
    """200 varied lines of a format without a sample."""
    out = []
    for i in range(200):
        level = rng.choice(["info", "warn", "error"])
        out.append(
            WRITTEN[name].format(
                mm=f"{i // 60 % 60:02d}",
                ss=f"{i % 60:02d}",
                level=level,
                letter=level[0].upper(),
                n=rng.randrange(10**5),
                ms=rng.randrange(900),
                a=rng.randrange(256),
                b=rng.randrange(256),
                port=rng.randrange(1000, 9999),
                pri=rng.choice([163, 165, 166]),
            )
        )
    return out


def corpus_lines(name: str, rng: random.Random) -> list[str]:
    if name in SAMPLES:
        return (ROOT / "samples" / SAMPLES[name][0]).read_text(encoding="utf-8").splitlines()
    return written_block(name, rng)


def best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def source_lines(path: Path) -> Iterator[str]:
    """Every line of ``path`` as rlog's source reads it (chunks of 10,000, like ``analyze``)."""
    with LogFile.open(path) as source:
        source.index_all()
        for start in range(0, source.line_count, 10_000):
            yield from source.lines(start, min(source.line_count, start + 10_000))


def read_lines(path: Path) -> None:
    for _line in source_lines(path):
        pass


def mine_lines(path: Path) -> None:
    miner = TemplateMiner()
    for number, line in enumerate(source_lines(path), 1):
        miner.add(line, number)


def mine_entries(path: Path, log_format: LogFormat) -> None:
    miner = TemplateMiner()
    for entry in assemble(log_format, source_lines(path)):
        miner.add(entry.template_text, entry.first_line, is_message=True)


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    names = [
        "json", "logfmt", "syslog", "syslog5424", "access", "nginx-error", "apache-error",
        "klog", "logcat", "bgl", "hdfs", "plain",
    ]  # fmt: skip
    print(f"machine: {machine()}; {args.lines:,} lines per format, best of {args.repeats}")
    print(
        "| format | detected | detect (ms) | sample entries (expected) | templates | "
        "read lines/s | before: mine lines, lines/s (time ÷ read) | "
        "now: entries + mine messages, lines/s (time ÷ read) |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            block = corpus_lines(name, rng)
            path = Path(tmp) / f"{name}.log"
            copies = -(-args.lines // len(block))
            path.write_text("\n".join((block * copies)[: args.lines]) + "\n", encoding="utf-8")
            start = time.perf_counter()
            log_format = detect_format(block[:SAMPLE_LINES])
            detect_ms = (time.perf_counter() - start) * 1000
            entries = list(assemble(log_format, block))
            miner = TemplateMiner()
            for entry in entries:
                miner.add(entry.template_text, is_message=True)
            expected = f" ({SAMPLES[name][1]})" if name in SAMPLES else " (-)"
            base = best_of(args.repeats, lambda p=path: read_lines(p))
            before = best_of(args.repeats, lambda p=path: mine_lines(p))
            now = best_of(args.repeats, lambda p=path, f=log_format: mine_entries(p, f))
            print(
                f"| {name} | {log_format.name} | {detect_ms:.1f} | {len(entries)}{expected} | "
                f"{len(miner)} | {args.lines / base:,.0f} | {args.lines / before:,.0f} "
                f"({before / base:.1f}) | {args.lines / now:,.0f} ({now / base:.1f}) |"
            )


if __name__ == "__main__":
    main()
