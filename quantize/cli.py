"""``rlog-quantize``: adapter, merge, quantize, verify.

Each command shows a progress bar on stderr. A failure the user can cause (an ``RlogError``, a
file the system refuses) is one line and its exit status; anything else is a bug and shows its
traceback (``rlog_tui.command_line``). Heavy imports stay inside the commands.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from rlog_tui.command_line import (
    DebugOption,
    JsonOption,
    TasksOption,
    ThreadsOption,
    main_for,
    out_option,
)
from rlog_tui.errors import InputError
from rlog_tui.protocol import OutputOrder, parse_task_list

app = typer.Typer(
    name="rlog-quantize",
    help="Turn LoRA adapters into GGUF, merge, quantize and verify models for llama.cpp.",
    no_args_is_help=True,
    add_completion=False,
)
OutOption = Annotated[Path, out_option("Output GGUF file.", dir_okay=False)]


@app.callback()
def _options(debug: DebugOption = False) -> None:
    """Options of every command (``--debug`` goes before the command's name)."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.ERROR, format="%(message)s")


@contextmanager
def system_refusals() -> Iterator[None]:
    """A file the operating system refuses (permissions, full disk) is an ``InputError``."""
    try:
        yield
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        raise InputError(f"{error.strerror or error}{where}") from error


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields ``update(done, total)``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@contextmanager
def spinner(description: str) -> Iterator[None]:
    """An indeterminate progress display for steps that report no progress (llama.cpp's)."""
    from rich.console import Console

    with Console(stderr=True).status(description):
        yield


@app.command()
def adapter(
    adapter_dir: Annotated[Path, typer.Argument(help="PEFT adapter folder (adapter_config.json).")],
    base: Annotated[Path, typer.Option("--base", help="Base GGUF the adapter will run on.")],
    out: OutOption,
    out_type: Annotated[str, typer.Option("--type", help="f16 or f32.")] = "f16",
    order: Annotated[
        OutputOrder | None,
        typer.Option(
            "--order",
            help="Output order the adapter was trained to write, recorded in the GGUF "
            "(rlog.output_order) so rlog asks it that way outside fast mode (default: the run's "
            "single order from run_config.json; none recorded for a run on both orders).",
        ),
    ] = None,
    vocabulary: Annotated[
        Path | None,
        typer.Option(
            "--vocabulary",
            help="Compact training base (or its id_map.json) whose tokens the adapter was "
            "trained on, recorded in the GGUF (rlog.trained_vocabulary) so rlog decodes within "
            "them plus the prompt's tokens (default: the run's base, if it is a compact base "
            "on this machine).",
        ),
    ] = None,
) -> None:
    """Convert a PEFT LoRA adapter into a GGUF LoRA adapter for llama.cpp."""
    from quantize.adapter import convert_adapter
    from quantize.gguf_files import human_size

    with system_refusals(), progress_bar("adapter") as update:
        result = convert_adapter(
            adapter_dir,
            base,
            out,
            out_type.lower(),
            progress=update,
            output_order=order.value if order else None,
            vocabulary=vocabulary,
        )
    typer.echo(
        f"wrote {result.path} ({result.n_pairs} LoRA pairs, "
        f"rank {'/'.join(map(str, result.ranks))}, "
        f"alpha {result.alpha:g}, {result.architecture}, {human_size(result.path.stat().st_size)})"
    )


@app.command()
def merge(
    base: Annotated[Path, typer.Option("--base", help="Base GGUF (any type, Q4_K_M included).")],
    adapter_path: Annotated[Path, typer.Option("--adapter", help="GGUF LoRA adapter.")],
    out: OutOption,
    out_type: Annotated[
        str, typer.Option("--type", help="Type of the merged matrices: f16, q8_0 or f32.")
    ] = "f16",
    scale: Annotated[float, typer.Option("--scale", help="Multiply the adapter's effect.")] = 1.0,
) -> None:
    """Fold a GGUF LoRA adapter into its base: one GGUF that needs no adapter.

    It keeps the adapter's records (output order, trained vocabulary), so
    `rlog-tui tail app.log --model merged.gguf` serves it as base + adapter were served.
    """
    from quantize.gguf_files import human_size
    from quantize.merge import merge_adapter

    with system_refusals(), progress_bar("merge") as update:
        result = merge_adapter(base, adapter_path, out, out_type.lower(), scale, progress=update)
    typer.echo(
        f"wrote {result.path} ({result.n_merged} tensors merged as {result.out_type.upper()}, "
        f"{result.n_copied} copied, {human_size(result.path.stat().st_size)})"
    )


@app.command("quantize")
def quantize_command(
    src: Annotated[Path, typer.Argument(help="GGUF to quantize (F16/F32).")],
    out: OutOption,
    qtype: Annotated[str, typer.Option("--type", help="Q8_0, Q4_K_M, Q4_0, Q5_K_M, ...")],
    threads: ThreadsOption = 0,
    allow_requantize: Annotated[
        bool,
        typer.Option(
            "--allow-requantize",
            help="Quantize an already quantized model (rounds twice: loses quality).",
        ),
    ] = False,
) -> None:
    """Quantize a GGUF with llama.cpp's own quantizer."""
    from quantize.gguf_files import human_size
    from quantize.quantizer import normalise_type, quantize_model
    from rlog_tui.config import default_threads

    with system_refusals():
        key = normalise_type(qtype)
        with spinner(f"quantizing {src.name} to {key}"):
            result = quantize_model(
                src,
                out,
                key,
                nthread=threads or default_threads(),
                allow_requantize=allow_requantize,
            )
    typer.echo(
        f"wrote {result.path} ({result.qtype}, {human_size(result.out_bytes)}, "
        f"{result.out_bytes / result.in_bytes:.0%} of the input)"
    )


@app.command()
def verify(
    ref: Annotated[Path, typer.Option("--ref", help="Reference GGUF.")],
    cand: Annotated[Path, typer.Option("--cand", help="Candidate GGUF.")],
    ref_adapter: Annotated[Path | None, typer.Option("--ref-adapter", help="LoRA on ref.")] = None,
    cand_adapter: Annotated[
        Path | None, typer.Option("--cand-adapter", help="LoRA on cand.")
    ] = None,
    tasks: TasksOption = "anomaly,parse",
    limit: Annotated[int, typer.Option("--limit", help="Prompts in the fixed sample.", min=1)] = 10,
    logs: Annotated[
        list[Path] | None, typer.Option("--logs", help="Log files/folders (default: samples/).")
    ] = None,
    order: Annotated[
        OutputOrder, typer.Option("--order", help="The output order the prompts ask for.")
    ] = OutputOrder.REASON_FIRST,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1)] = 64,
    threads: ThreadsOption = 1,
    efficacy: Annotated[
        bool,
        typer.Option(
            "--efficacy",
            help="Also score both on LIMIT examples per test set (rlog_train), in --order: "
            "answer-first scores fast mode.",
        ),
    ] = False,
    efficacy_max_tokens: Annotated[
        int, typer.Option("--efficacy-max-tokens", min=1, help="New tokens per test example.")
    ] = 256,
    as_json: JsonOption = False,
    out: Annotated[Path | None, out_option("Also write the report as JSON to this file.")] = None,
) -> None:
    """Agreement with the reference, decode speed, time to answer, size: ref and cand, one run."""
    from quantize.verify import ModelSpec, efficacy_hook
    from quantize.verify import verify as run_verify
    from rlog_tui.config import default_threads
    from rlog_tui.files import write_text_atomic

    chosen = parse_task_list(tasks)
    with system_refusals(), progress_bar("verify") as update:
        report = run_verify(
            ModelSpec(ref, ref_adapter),
            ModelSpec(cand, cand_adapter),
            chosen,
            limit,
            logs=logs or (),
            order=order,
            max_tokens=max_tokens,
            n_threads=threads or default_threads(),
            progress=lambda _what, done, total: update(done, total),
            efficacy=efficacy_hook if efficacy else None,
            efficacy_max_tokens=efficacy_max_tokens,
        )
    record = json.dumps(report.to_dict(), indent=2) + "\n"
    typer.echo(record if as_json else render_report(report), nl=not as_json)
    if out:
        with system_refusals():
            write_text_atomic(out, record)


def render_report(report) -> str:
    """The verify report as a Markdown table (ref, cand, ratio)."""
    from quantize.gguf_files import human_size

    ref, cand = report.ref, report.cand

    def ratio(a: float, b: float) -> str:
        return f"{b / a:.2f}x" if a else "–"

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    measured = [  # (row, the figure on each side, how it is shown), then the ratio cand/ref
        ("file size", "file_bytes", human_size),
        ("decode tok/s (median)", "decode_tok_s", "{:.1f}".format),
        ("time to first token (median)", "ttft_s", "{:.3f} s".format),
        ("time to answer (median)", "time_to_answer_s", "{:.3f} s".format),
        ("time to answer (p90)", "time_to_answer_p90_s", "{:.3f} s".format),
    ]
    rows = [("model", ref.label, cand.label, "")]
    for name, figure, shown in measured:
        a, b = getattr(ref, figure), getattr(cand, figure)
        rows.append((name, shown(a), shown(b), ratio(a, b)))
    rows += [
        ("well-formed responses", pct(ref.format_ok), pct(cand.format_ok), ""),
        (
            "efficacy (evaluator)",
            pct(ref.efficacy),
            pct(cand.efficacy),
            pct(report.efficacy_retention),
        ),
        ("top-token agreement with ref", "100%", pct(report.top1_agreement), ""),
        ("identical greedy outputs", "100%", pct(report.identical_outputs), ""),
    ]
    lines = [f"{report.n_prompts} prompts", "", "| | ref | cand | cand/ref |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def main() -> None:
    """Entry point of the ``rlog-quantize`` script."""
    main_for(app, "rlog-quantize")


if __name__ == "__main__":
    main()
