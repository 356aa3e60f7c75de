"""What the three command-line programs share: how they fail, and the options they all spell alike.

``rlog-tui``, ``rlog-train`` and ``rlog-quantize`` run their typer app through ``run_app``: an
``RlogError`` becomes one line ``<program>: <message>`` and its exit code; click's usage errors
keep click's message and exit 2; Ctrl-C exits 130; anything else is a bug, printed with its
traceback and a request to report it. ``--debug`` (one option, parsed by click like any other)
shows the traceback of a user error too. The shared option types keep one vocabulary: ``-o/--out``
for what a command writes, ``--json`` for JSON on stdout, ``--threads 0`` for "half the cores",
``--model``/``--adapter`` for the weights (resolved alike everywhere: ``rlog_tui.models``),
``--ctx`` and ``--max-tokens`` for the model's budgets, ``--tasks`` for a list of tasks, ``--fast``
for the answer-first mode. An option a single program alone takes is declared in its ``cli``;
a block of options several commands take is declared once and spliced in by ``option_group``.
"""

from __future__ import annotations

import functools
import inspect
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import typer

from rlog_tui.errors import EXIT_BUG, EXIT_INTERRUPTED, RlogError
from rlog_tui.protocol.decoding import SERVED
from rlog_tui.protocol.tasks import Task

_debug = {"on": False}


def _remember_debug(value: bool) -> bool:
    _debug["on"] = _debug["on"] or bool(value)
    return value


DebugOption = Annotated[
    bool,
    typer.Option(
        "--debug",
        help="Show tracebacks (and llama.cpp's log) instead of one-line errors.",
        callback=_remember_debug,
        is_eager=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
THREADS = typer.Option("--threads", min=0, help="CPU threads for llama.cpp (0: half the cores).")
"""``--threads`` for every command; rlog-tui's is optional (settings decide), the others' not."""
ThreadsOption = Annotated[int, THREADS]
CTX = typer.Option("--ctx", help="Context size in tokens (default 4096).", show_default=False)
"""``--ctx``: optional in rlog-tui (settings decide), 4096 by default in rlog-train."""
CtxOption = Annotated[int, CTX]
MAX_TOKENS = typer.Option(
    "--max-tokens",
    help=f"Longest response in tokens (default {SERVED.max_tokens}).",
    show_default=False,
)
"""``--max-tokens``: optional in rlog-tui (settings decide), 768 by default in rlog-train eval."""
MaxTokensOption = Annotated[int, MAX_TOKENS]
TasksOption = Annotated[
    str, typer.Option("--tasks", help="'all' or a comma list of: " + ", ".join(Task))
]
FastOption = Annotated[
    bool,
    typer.Option("--fast", help="Fast mode: answer first and stop at </answer> (R-Log-fast)."),
]

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", help="Base GGUF file (default: RLOG_MODEL, config file, embedded gemma-3-270m)."
    ),
]
AdapterOption = Annotated[
    str | None,
    typer.Option(
        "--adapter",
        help="GGUF LoRA adapter on top of the model (default with the embedded base: the shipped "
        "one; 'none': the bare base model).",
    ),
]


def out_option(describe: str, **details: Any) -> Any:
    """``-o/--out``, spelt alike by every command that writes a file or folder; ``describe`` says
    what this one writes, ``details`` are typer's (``dir_okay=False``...)."""
    return typer.Option("--out", "-o", help=describe, **details)


Command = Callable[..., Any]


def option_group(parameter: str, options: Mapping[str, Any]) -> Callable[[Command], Command]:
    """Let the command's ``parameter`` stand for ``options`` (name -> ``Annotated`` type).

    typer declares one option per parameter, so commands that take the same block of options
    would each spell the block out. Decorated (under ``app.command``), a command shows typer a
    signature with ``options`` where ``parameter`` stood, all defaulting to None (so ``--help``
    lists them in that place), and receives their values as one dict in ``parameter``.
    """

    def splice(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        own = list(signature.parameters.values())
        at = list(signature.parameters).index(parameter)
        spliced = [
            inspect.Parameter(name, own[at].kind, default=None, annotation=annotation)
            for name, annotation in options.items()
        ]

        @functools.wraps(command)
        def run(**values: Any) -> Any:
            group = {name: values.pop(name) for name in options}
            return command(**values, **{parameter: group})

        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own[:at], *spliced, *own[at + 1 :]]
        )
        return run

    return splice


def debug_requested() -> bool:
    """Whether ``--debug`` was given to the command running now."""
    return _debug["on"]


BUG_HINT = (
    "this is a bug in rlog, not something you did: please report it with the traceback above "
    "and the output of `rlog-tui doctor`"
)


def _message(prefix: str, error: RlogError) -> str:
    text = str(error).strip() or type(error).__name__
    first = text.splitlines()[0]
    return first if first.startswith(("rlog:", f"{prefix}:")) else f"{prefix}: {first}"


def run_app(app: typer.Typer, prog: str, args: Sequence[str] | None = None) -> int:
    """Run ``app`` as program ``prog`` and return its exit status (the one failure policy).

    One-line errors start ``rlog:`` for ``rlog-tui`` (what users grep for), else ``<prog>:``.
    """
    _debug["on"] = False
    prefix = "rlog" if prog == "rlog-tui" else prog
    try:
        arguments = list(args) if args is not None else None
        code = app(args=arguments, prog_name=prog, standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exit_:
        return exit_.exit_code
    except SystemExit as exit_:  # argparse inside a command (the trainers' run configs)
        return exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    except typer.TyperException as error:  # click's usage errors (typer vendors click)
        error.show()
        return error.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo(f"{prefix}: interrupted", err=True)
        return EXIT_INTERRUPTED
    except RlogError as error:
        if _debug["on"]:
            traceback.print_exc()
        typer.echo(_message(prefix, error), err=True)
        return error.exit_code
    except Exception:
        traceback.print_exc()
        typer.echo(f"{prefix}: {BUG_HINT}", err=True)
        return EXIT_BUG


def main_for(app: typer.Typer, prog: str) -> None:
    """A console-script entry point: ``run_app`` then exit with its status."""
    sys.exit(run_app(app, prog))
