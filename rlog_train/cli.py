"""``rlog-train``: data, training and evaluation commands, one typer sub-app per stage.

Only ``data stats`` lives here so far; ``sft``, ``grpo`` and ``eval`` join as sub-apps
(``app.add_typer(..., name="sft")``) and wrap their bodies in ``user_errors()`` so a failure a
user can cause is one line on stderr and exit status 1 (a traceback only with ``--debug``).
Heavy imports (torch, trl) belong inside the commands that need them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from rlog_train.data import DataError, find_data_dir, load_split_with_report, splits_of
from rlog_tui.protocol import TASKS, Task

app = typer.Typer(
    name="rlog-train", help="Train and evaluate rlog's R-Log model.", no_args_is_help=True
)
data_app = typer.Typer(help="The research data: splits and their sizes.", no_args_is_help=True)
app.add_typer(data_app, name="data")

_state = {"debug": False}

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder of the research data (default: $RLOG_DATA_DIR, else ../shared/data).",
        file_okay=False,
    ),
]


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a failure the user can fix (missing data, bad option) into one line and exit 1."""
    try:
        yield
    except (DataError, ValueError, OSError) as error:
        if _state["debug"]:
            raise
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def stats_rows(data_dir: Path) -> list[tuple[str, ...]]:
    """One row per task and split: examples, leaked items dropped, systems, with reasoning."""
    rows = []
    for task in Task:
        for split in splits_of(task):
            examples, report = load_split_with_report(task, split, data_dir)
            systems = {example.system for example in examples if example.system}
            reasoned = sum(example.reasoning is not None for example in examples)
            train = split == "train"
            rows.append(
                (
                    TASKS[task].short,
                    task.value,
                    split,
                    str(len(examples)),
                    "-" if train else str(report.dropped),
                    str(len(systems)) if systems else "-",
                    str(reasoned) if train else "-",
                )
            )
    return rows


_HEADER = ("", "task", "split", "examples", "leaked, dropped", "systems", "with reasoning")


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain-text table (Markdown-compatible) so the output pastes into reports."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


@data_app.command("stats")
def data_stats(data_dir: DataDirOption = None) -> None:
    """Print the size of every task's splits, and how many leaked test items were dropped."""
    with user_errors():
        folder = data_dir or find_data_dir()
        if not folder.is_dir():
            raise DataError(f"data directory {folder} does not exist")
        typer.echo(f"data: {folder}")
        typer.echo(format_table(_HEADER, stats_rows(folder)))


def main() -> None:
    """Entry point of the ``rlog-train`` script."""
    app()


if __name__ == "__main__":
    main()
