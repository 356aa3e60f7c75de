"""TUI benchmarks: open a 1 GB log, follow a fast writer, keypress latency while a model streams.

Run by hand: ``.venv/bin/python bench/tui_bench.py`` (``--size-gb``, ``--follow-seconds``).
Every figure is quoted beside a baseline measured in the same run (this machine is shared and
noisy: absolute times move, ratios much less). llama.cpp runs with one thread.

1. open: time from ``App.run_test()`` start until the tail view has drawn the file's last line,
   vs reading the whole file naively (``deque(open(f), 40)``) in the same process.
2. follow: a writer process appends as fast as it can; lines per second the TUI shows (the view's
   row count) vs lines per second written.
3. latency: wall time of ``pilot.press("up")`` plus one repaint while the real embedded model
   streams a long answer, vs the same with the model idle.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["RLOG_CONFIG"] = "/nonexistent/rlog-bench-config.toml"

from textual import events

from rlog_tui.config import Settings
from rlog_tui.engine import Engine
from rlog_tui.engine.cpu_features import cpu_model
from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
from rlog_tui.models import embedded_model_path
from rlog_tui.source import LogFile
from rlog_tui.ui.app import RlogApp

LINE = (
    "2024-05-01 12:00:{s:02d}.{ms:03d} INFO  [worker-{w}] api.handler: request {n} served "
    "GET /v1/items/{n} status=200 in {t} ms\n"
)


def write_log(path: Path, size_bytes: int) -> int:
    block = "".join(
        LINE.format(s=i % 60, ms=i % 1000, w=i % 8, n=i, t=i % 97) for i in range(20_000)
    ).encode()
    lines_per_block = 20_000
    written = lines = 0
    with path.open("wb") as handle:
        while written < size_bytes:
            handle.write(block)
            written += len(block)
            lines += lines_per_block
        handle.write(b"2024-05-01 12:59:59.999 ERROR the very last line\n")
    return lines + 1


def machine() -> str:
    return f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}"


def make_engine() -> Engine:
    settings = LlamaSettings(model_path=embedded_model_path(), n_ctx=2048, n_threads=1)
    engine = Engine(lambda: LlamaBackend(settings)).start()
    engine.wait_ready(120)
    return engine


async def time_open(path: Path, engine: Engine) -> float:
    started = time.perf_counter()
    app = RlogApp([LogFile.open(path)], engine, watch_files=False)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.view
        while True:
            rows = [view.render_line(y).text for y in range(view.size.height)]
            if any("the very last line" in row for row in rows):
                break
            await pilot.pause(0.001)
        return time.perf_counter() - started


async def follow(path: Path, engine: Engine, seconds: float) -> tuple[float, float]:
    path.write_text("start\n")
    app = RlogApp([LogFile.open(path)], engine, watch_files=True)
    async with app.run_test(size=(120, 40)) as pilot:
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(seconds)], stdout=subprocess.PIPE
        )
        started = time.perf_counter()
        while writer.poll() is None:
            await pilot.pause(0.05)
        written = int(writer.stdout.read())
        elapsed = time.perf_counter() - started
        deadline = time.perf_counter() + 30
        while app.view.row_count < written + 1 and time.perf_counter() < deadline:
            await pilot.pause(0.05)
        caught_up = time.perf_counter() - started
        return written / elapsed, (app.view.row_count - 1) / caught_up


_WRITER = """
import sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
n = 0
end = time.perf_counter() + seconds
with open(path, "a", buffering=1 << 16) as handle:
    while time.perf_counter() < end:
        handle.write("".join(f"INFO follow line {n + i} ok\\n" for i in range(500)))
        n += 500
print(n)
"""


async def repaint_after_key(app: RlogApp, key: str) -> float:
    """Seconds from posting ``key`` to the tail view repainting the row under the moved cursor.

    Measured on the rendering itself (``render_line``) rather than with Pilot's idle waits, which
    read process CPU time and so never see "idle" while llama.cpp decodes in the same process.
    """
    view = app.view
    painted: list[float] = []
    original = view.render_line

    def recording_render_line(y: int):
        strip = original(y)
        if view.cursor is not None and int(view.scroll_y) + y == view.cursor and not painted:
            painted.append(time.perf_counter())
        return strip

    view.render_line = recording_render_line  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        app.post_message(events.Key(key, None))
        while not painted:
            await asyncio.sleep(0.0005)
        return painted[0] - started
    finally:
        view.render_line = original  # type: ignore[method-assign]


async def key_latency(
    path: Path, engine: Engine, streaming: bool, presses: int = 40
) -> list[float]:
    """``presses`` key-to-repaint samples; with ``streaming`` only mid-response samples count."""
    app = RlogApp(
        [LogFile.open(path)], engine, settings=Settings(max_tokens=400), watch_files=False
    )
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")  # interpret: a long free-text answer
        await pilot.press("up")  # the cursor exists from here on
        while len(samples) < presses:
            if streaming and (
                app.conversation.job is None or app.conversation.job.finished.is_set()
            ):
                app.conversation.last_done = None
                app.action_ask()
                while not (
                    app.pane.think_text or app.pane.outside_text or app.conversation.last_done
                ):
                    await asyncio.sleep(0.02)
            elapsed = await repaint_after_key(app, "up" if len(samples) % 2 == 0 else "down")
            if not streaming or app.conversation.last_done is None:
                samples.append(elapsed)
            await asyncio.sleep(0.05)
        if app.conversation.job:
            app.conversation.job.cancel()
    return samples


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--follow-seconds", type=float, default=5.0)
    args = parser.parse_args()
    engine = make_engine()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big.log"
        lines = write_log(big, int(args.size_gb * (1 << 30)))
        size = big.stat().st_size
        print(f"file: {size / (1 << 30):.2f} GiB, {lines:,} lines")
        opened = min([await time_open(big, engine) for _ in range(3)])
        naive_started = time.perf_counter()
        with big.open() as handle:
            collections.deque(handle, 40)
        naive = time.perf_counter() - naive_started
        print(
            f"open + draw last screen: {opened * 1000:.0f} ms; naive full read "
            f"{naive * 1000:.0f} ms ({naive / opened:.0f}x slower)"
        )
        big.unlink()

        written_rate, shown_rate = await follow(
            Path(folder) / "follow.log", engine, args.follow_seconds
        )
        print(
            f"follow: writer {written_rate:,.0f} lines/s, TUI showed {shown_rate:,.0f} lines/s "
            f"({shown_rate / written_rate:.2f} of the writer's rate)"
        )

        small = Path(folder) / "small.log"
        small.write_text("".join(LINE.format(s=i % 60, ms=i, w=1, n=i, t=i) for i in range(500)))
        idle = await key_latency(small, engine, streaming=False)
        busy = await key_latency(small, engine, streaming=True)
        idle_median, busy_median = statistics.median(idle), statistics.median(busy)
        print(
            f"keypress-to-repaint: idle median {idle_median * 1000:.1f} ms "
            f"(p90 {statistics.quantiles(idle, n=10)[-1] * 1000:.1f}); while streaming median "
            f"{busy_median * 1000:.1f} ms (p90 {statistics.quantiles(busy, n=10)[-1] * 1000:.1f}); "
            f"ratio {busy_median / idle_median:.2f}"
        )
    engine.close()


if __name__ == "__main__":
    asyncio.run(main())
