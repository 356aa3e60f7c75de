"""``rlog-train``: data, training and evaluation commands, one typer sub-app per stage.

``data stats``, ``sft``, ``grpo``, ``calibrate``, ``eval``, ``eval-scores`` and ``compare`` live
here. A failure a user can cause (an ``RlogError``) is one line on stderr and its exit status;
anything else is a bug and shows its traceback (``rlog_tui.command_line``).
Heavy imports (torch, trl) belong inside the commands that need them. The training commands take
a ``--config`` YAML, the common options as flags, and any other option as ``--set KEY=VALUE``;
``python -m rlog_train.cli`` is the same program (for ``accelerate launch -m``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rlog_train.data import DataError, find_data_dir, load_split_with_report, splits_of
from rlog_tui.command_line import (
    AdapterOption,
    CtxOption,
    DebugOption,
    FastOption,
    MaxTokensOption,
    ModelOption,
    TasksOption,
    ThreadsOption,
    debug_requested,
    main_for,
    out_option,
)
from rlog_tui.errors import UsageError
from rlog_tui.protocol import TASKS, Task
from rlog_tui.protocol.decoding import SERVED

app = typer.Typer(
    name="rlog-train", help="Train and evaluate rlog's R-Log model.", no_args_is_help=True
)
data_app = typer.Typer(help="The research data: splits and their sizes.", no_args_is_help=True)
app.add_typer(data_app, name="data")

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder of the research data (default: $RLOG_DATA_DIR, else ../shared/data).",
        file_okay=False,
    ),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the sample.")]


@app.callback()
def _options(debug: DebugOption = False) -> None:
    """Options of every command (``--debug`` goes before the command's name)."""


def stats_rows(data_dir: Path) -> list[tuple[str, ...]]:
    """One row per task and split: examples, leaked items dropped, systems, with reasoning."""
    rows = []
    for task in Task:
        for split in splits_of(task):
            examples, report = load_split_with_report(task, split, data_dir)
            systems = {example.system for example in examples if example.system}
            reasoned = sum(example.reasoning is not None for example in examples)
            train = split in ("train", "validation")
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
    folder = data_dir or find_data_dir()
    if not folder.is_dir():
        raise DataError(f"data directory {folder} does not exist")
    typer.echo(f"data: {folder}")
    typer.echo(format_table(_HEADER, stats_rows(folder)))


@app.command("eval")
def eval_command(
    model: ModelOption = None,
    adapter: AdapterOption = None,
    fast: FastOption = False,
    tasks: TasksOption = "all",
    limit: Annotated[
        int,
        typer.Option("--limit", help="Examples sampled from each test set (0: whole sets)."),
    ] = 100,
    per_unseen_system: Annotated[
        int,
        typer.Option(
            "--per-unseen-system",
            help="Examples from each of the 9 unseen parsing systems (0: --limit over the set).",
        ),
    ] = 0,
    seed: SeedOption = 0,
    out: Annotated[
        Path | None,
        out_option("Folder for eval.json and eval.md (default: a new eval-* one)."),
    ] = None,
    threads: ThreadsOption = 0,
    ctx: CtxOption = 4096,
    max_tokens: MaxTokensOption = SERVED.max_tokens,
    full_splits: Annotated[
        bool,
        typer.Option("--full-splits", help="Keep test items that also occur in training."),
    ] = False,
    free_templates: Annotated[
        bool,
        typer.Option(
            "--free-templates",
            help="Parsing answers decoded unaided, not held to templates of their line as "
            "served (to measure what the rule adds).",
        ),
    ] = False,
    free_repeats: Annotated[
        bool,
        typer.Option(
            "--free-repeats",
            help="Free-text answers decoded without the repeat guard served answers get (to "
            "measure what the guard adds).",
        ),
    ] = False,
    hf: Annotated[
        str | None,
        typer.Option("--hf", help="Evaluate an HF model directory (or .gguf) with transformers."),
    ] = None,
    hf_adapter: Annotated[
        str | None, typer.Option("--hf-adapter", help="PEFT adapter directory for --hf.")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="--hf batch (default 16 GPU, 4 CPU).")
    ] = None,
    device: Annotated[
        str | None, typer.Option("--device", help="--hf device (default: cuda if present).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run the test splits through the model and write eval.json plus eval.md beside LogLM's."""
    from rlog_train.evaluate.command import EvalCommand, run
    from rlog_train.evaluate.suite import EvalOptions
    from rlog_tui.protocol import parse_task_list

    if hf and (model or adapter):
        raise UsageError("--hf evaluates an HF model: leave out --model/--adapter")
    if hf_adapter and not hf:
        raise UsageError("--hf-adapter needs --hf MODEL_DIR")
    if limit < 0 or per_unseen_system < 0 or max_tokens < 1 or ctx < 64:
        raise UsageError(
            "--limit and --per-unseen-system must be ≥ 0, --max-tokens ≥ 1 and --ctx ≥ 64"
        )
    options = EvalOptions(
        tasks=parse_task_list(tasks),
        limit=limit or None,
        per_unseen_system=per_unseen_system or None,
        seed=seed,
        fast=fast,
        max_tokens=max_tokens,
        drop_leaked=not full_splits,
        data_dir=data_dir,
        template_rule=not free_templates,
        guard_repeats=not free_repeats,
    )
    command = EvalCommand(
        options=options,
        model=model,
        adapter=adapter,
        hf=hf,
        hf_adapter=hf_adapter,
        out=out,
        threads=threads,
        n_ctx=ctx,
        batch_size=batch_size,
        device=device,
        debug=debug_requested(),
    )
    code = run(command)
    if code:
        raise typer.Exit(code)


@app.command("compare")
def compare_command(
    runs: Annotated[
        list[str],
        typer.Argument(
            help="NAME=EVAL_DIR per row (a folder rlog-train eval wrote), in the order to show.",
        ),
    ],
    sets: Annotated[
        str | None,
        typer.Option(
            "--sets",
            help="Comma list of sets to show, e.g. parse/test_unseen,anomaly/test "
            "(default: every set all runs cover).",
        ),
    ] = None,
) -> None:
    """Put evaluation runs side by side in one Markdown table, beside LogLM's figures.

    Example: rlog-train compare base=runs/eval-base rlog-270m=runs/eval-rlog
    """
    from rlog_train.evaluate.compare import Run, compare_table, parse_run_argument

    loaded = [Run.load(*parse_run_argument(text)) for text in runs]
    wanted = [name.strip() for name in sets.split(",") if name.strip()] if sets else None
    typer.echo(compare_table(loaded, wanted))


# --- anomaly scores: calibration on validation data, figures on the test sample ----------------


def _command_line(name: str, **options: object) -> str:
    """The command as a user would retype it: the options that were given, in order."""
    parts = [f"rlog-train {name}"]
    for key, value in options.items():
        if value is not None:
            parts.append(f"--{key.replace('_', '-')} {value}")
    return " ".join(parts)


@app.command("calibrate")
def calibrate_command(
    model: ModelOption = None,
    adapter: AdapterOption = None,
    out: Annotated[
        Path | None,
        out_option(
            "Calibration file to write (default: <adapter>.calibration.json beside the adapter, "
            "else beside the model: where rlog-tui looks for it)."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", help="Score a label-balanced sample of N items (default: all)."),
    ] = None,
    threads: ThreadsOption = 0,
    ctx: CtxOption = 4096,
    data_dir: DataDirOption = None,
) -> None:
    """Fit a model's anomaly-score thresholds on the A.D. validation items (never the test set).

    The validation items are the fifth of the cold-start set that training holds out. Scores each
    through the engine the TUI runs, picks flag_threshold (at most 5% of normal items above it: a
    false-alarm budget) and clear_threshold (at most 5% of abnormal items below it), and writes
    them with their figures beside the adapter, where rlog-tui loads them.
    """
    from rlog_train.calibrate import ProgressLines, calibrate

    if limit is not None and limit < 2:
        raise UsageError("--limit must be at least 2 (one item of each label)")
    command = _command_line(
        "calibrate", model=model, adapter=adapter, limit=limit, threads=threads or None
    )
    run = calibrate(
        model,
        adapter,
        out=out,
        threads=threads,
        n_ctx=ctx,
        data_dir=data_dir,
        limit=limit,
        command=command,
        on_score=ProgressLines("calibrate"),
    )
    figures, thresholds = run.figures, run.calibration.thresholds
    typer.echo(f"wrote {run.path}")
    typer.echo(
        f"{thresholds.describe()} on {figures.n} validation items "
        f"({figures.abnormal} abnormal): "
        f"ROC-AUC {figures.roc_auc:.3f}, F1 {figures.at_flag.f1:.3f} (precision "
        f"{figures.at_flag.precision:.3f}, recall {figures.at_flag.recall:.3f}), "
        f"inconclusive {figures.inconclusive}, {run.seconds / max(1, figures.n):.2f} s/item"
    )


@app.command("eval-scores")
def eval_scores_command(
    model: ModelOption = None,
    adapter: AdapterOption = None,
    limit: Annotated[
        int,
        typer.Option("--limit", help="Items drawn from the A.D. test set (0: all of it)."),
    ] = 50,
    seed: SeedOption = 0,
    out: Annotated[Path | None, out_option("Also write every item's score to this JSON.")] = None,
    threads: ThreadsOption = 0,
    ctx: CtxOption = 4096,
    data_dir: DataDirOption = None,
) -> None:
    """Anomaly scores on the A.D. test sample (the one eval --tasks anomaly draws), beside a
    level-keyword baseline: ROC-AUC, and F1/precision/recall at the model's calibrated
    thresholds."""
    from rlog_train.calibrate import ProgressLines
    from rlog_train.score_eval import evaluate_scores

    if limit < 0:
        raise UsageError("--limit must be ≥ 0")
    evaluation = evaluate_scores(
        model,
        adapter,
        limit=limit or None,
        seed=seed,
        threads=threads,
        n_ctx=ctx,
        data_dir=data_dir,
        on_score=ProgressLines("eval-scores"),
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(evaluation.to_json() + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")
    typer.echo(evaluation.to_markdown())


# --- training: cold start and GRPO ---------------------------------------------------------------

RUN_OPTIONS = {
    "allow_extra_args": True,
    "ignore_unknown_options": True,
    "help_option_names": [],
}
"""The training commands hand every argument to TRL's parser (``sft_config.parse_run_config``)."""


RUN_HELP = (
    "Every field of the run config is a flag (--help lists them with their defaults); "
    "--config FILE.yaml sets defaults, --set KEY=VALUE any field, -o/--out the output folder."
)


def _train(ctx: typer.Context, stage: str) -> None:
    """Parse ``stage``'s run config with TRL's parser, train, and say what the run did."""
    from rlog_train.sft_config import parse_run_config

    if stage == "sft":
        from rlog_train.sft import train_sft as train
        from rlog_train.sft_config import SFTRunConfig as run_config

        said = (
            "cold start: {rows} rows, {steps} steps ({skipped} examples without reasoning skipped)"
        )
    else:
        from rlog_train.grpo import GRPORunConfig as run_config
        from rlog_train.grpo import train_grpo as train

        said = "grpo: {rows} prompts ({skipped} over the length limit left out), {steps} steps"
    result = train(parse_run_config(run_config, ctx.args, f"rlog-train {stage}"))
    done = said.format(rows=result.rows, steps=result.global_step, skipped=result.skipped)
    typer.echo(f"{done} -> {result.output_dir}")


@app.command("sft", context_settings=RUN_OPTIONS, add_help_option=False, epilog=RUN_HELP)
def sft_command(ctx: typer.Context) -> None:
    """Cold start: fine-tune on the reasoning trajectories with TRL's SFTTrainer."""
    _train(ctx, "sft")


@app.command("grpo", context_settings=RUN_OPTIONS, add_help_option=False, epilog=RUN_HELP)
def grpo_command(ctx: typer.Context) -> None:
    """RL: GRPO with the joint reward, continuing the cold-start adapter (--adapter DIR)."""
    _train(ctx, "grpo")


def main() -> None:
    """Entry point of the ``rlog-train`` script."""
    main_for(app, "rlog-train")


if __name__ == "__main__":
    main()
