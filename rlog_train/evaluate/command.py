"""The body of ``rlog-train eval``: pick the runner, show progress, write and print the report.

Kept out of ``rlog_train/cli.py`` so the CLI module stays a list of options. The progress bar is
rich's (it comes with typer), on stderr, with an ETA; the tables go to stdout, the figures table
last. Ctrl-C stops the run, writes what is finished (marked partial) and exits 130; an engine
failure does the same and exits 1 with its one-line reason.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import typer

from rlog_train.evaluate.records import EvalResult, ExampleRecord
from rlog_train.evaluate.report import all_figures, figures_table, speed_table, write_report
from rlog_train.evaluate.suite import EvalError, EvalOptions, EvalSet, build_sets
from rlog_tui.errors import EXIT_ERROR, EXIT_INTERRUPTED
from rlog_tui.models import NO_ADAPTER


@dataclass(frozen=True, slots=True)
class EvalCommand:
    """What the user asked for on the command line."""

    options: EvalOptions
    model: str | None = None
    adapter: str | None = None
    hf: str | None = None
    hf_adapter: str | None = None
    out: Path | None = None
    threads: int = 0
    n_ctx: int = 4096
    batch_size: int | None = None
    device: str | None = None
    debug: bool = False


def default_out_dir(command: EvalCommand, result: EvalResult) -> Path:
    """``eval-<model>-<full|fast>-<UTC time>`` in the working directory: runs never overwrite.

    ``<model>`` is the file the run loaded, wherever it was chosen (flag, RLOG_MODEL, config)."""
    source = (result.config.get("model") or {}).get("path") or "model"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(source).stem or "model").strip("-")
    mode = "fast" if command.options.fast else "full"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(f"eval-{stem}-{mode}-{stamp}")


class _ProgressBar:
    """A rich progress bar over all examples of the run, naming the set being evaluated.

    Rich draws nothing until the end when stderr is not a terminal (``nohup``, CI logs), so
    there a plain line is printed instead every ``LINE_EVERY_S`` seconds: a long run in a log
    file must still say how far it got.
    """

    LINE_EVERY_S = 60.0

    def __init__(self, sets: list[EvalSet]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.total = sum(len(s.examples) for s in sets)
        self.labels = {s.name: s.label for s in sets}
        self.format_ok = 0
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
            console=Console(stderr=True),
        )
        first = self.labels[sets[0].name] if sets else ""
        self.task_id = self.progress.add_task(first, total=self.total, status="")
        self.plain = not self.progress.console.is_terminal
        self.started = self.last_line = time.monotonic()

    def __enter__(self) -> _ProgressBar:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def update(self, record: ExampleRecord, done: int, _total: int) -> None:
        self.format_ok += record.format_ok
        self.progress.update(
            self.task_id,
            completed=done,
            description=self.labels.get(record.set, record.set),
            status=f"format OK {self.format_ok}/{done}",
        )
        now = time.monotonic()
        if self.plain and (now - self.last_line >= self.LINE_EVERY_S or done == self.total):
            self.last_line = now
            label = self.labels.get(record.set, record.set)
            print(
                f"eval: {done}/{self.total} examples ({label}), format OK {self.format_ok}/{done}, "
                f"{now - self.started:.0f} s",
                file=sys.stderr,
                flush=True,
            )


def run(command: EvalCommand) -> int:
    """Run the evaluation the command describes; return the exit status."""
    logging.basicConfig(level=logging.DEBUG if command.debug else logging.WARNING)
    if not command.debug:
        logging.getLogger("rlog.llama_cpp").setLevel(logging.ERROR)
    _check_paths(command)
    sets = build_sets(command.options)
    planned = sum(len(s.examples) for s in sets)
    sizes = ", ".join(f"{s.label} {len(s.examples)}" for s in sets)
    typer.echo(f"rlog-train eval: {planned} examples ({sizes})", err=True)
    with _ProgressBar(sets) as bar:
        result = _run_runner(command, sets, bar)
    out_dir = command.out or default_out_dir(command, result)
    json_path, md_path = write_report(result, out_dir)
    figures = all_figures(result)
    typer.echo(f"wrote {json_path} and {md_path}")
    typer.echo("")
    typer.echo(speed_table(result, figures))
    typer.echo("")
    typer.echo(figures_table(result, figures))
    if result.partial:
        done = len(result.records)
        typer.echo(
            f"rlog-train eval: partial results ({result.stopped_reason}), {done} of {planned} "
            f"examples, written to {out_dir}",
            err=True,
        )
        return EXIT_INTERRUPTED if result.stopped_reason == "interrupted" else EXIT_ERROR
    return 0


def _check_paths(command: EvalCommand) -> None:
    """Fail on a missing model file before minutes of data loading and model start-up."""
    named = [
        ("model", command.model),
        ("HF model", command.hf),
        ("PEFT adapter", command.hf_adapter),
    ]
    if command.adapter and command.adapter.lower() != NO_ADAPTER:
        named.append(("adapter", command.adapter))
    for what, path in named:
        if path and not Path(path).expanduser().exists():
            raise EvalError(f"{what} not found: {path}")


def _run_runner(command: EvalCommand, sets: list[EvalSet], bar: _ProgressBar) -> EvalResult:
    both = {"n_ctx": command.n_ctx, "sets": sets, "on_record": bar.update}
    if command.hf:
        from rlog_train.evaluate.hf_runner import evaluate_hf

        return evaluate_hf(
            command.options,
            command.hf,
            command.hf_adapter,
            batch_size=command.batch_size,
            device=command.device,
            **both,
        )
    from rlog_train.evaluate.runner import evaluate_gguf

    return evaluate_gguf(
        command.options, command.model, command.adapter, threads=command.threads, **both
    )
