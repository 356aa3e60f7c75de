"""``rlog-tui``: tail logs with a model beside them, analyse a file offline, show the models.

Errors a user can cause end as one line on stderr and a non-zero exit (``command_line``);
``--debug`` shows the traceback too.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from rlog_tui import __version__
from rlog_tui.command_line import (
    CTX,
    MAX_TOKENS,
    THREADS,
    AdapterOption,
    Command,
    DebugOption,
    FastOption,
    JsonOption,
    ModelOption,
    main_for,
    option_group,
)
from rlog_tui.config import Backend, Resolved, config_path, load_settings
from rlog_tui.engine import Done, EngineError, Failed, ScoringUnsupported, Started, Tokens
from rlog_tui.engine.adapter_metadata import recorded_order
from rlog_tui.engine.backend import SamplingParams
from rlog_tui.engine.factory import start_engine, start_loaded_engine
from rlog_tui.engine.worker import Request
from rlog_tui.errors import EXIT_BAD_ANSWER, EXIT_ERROR, UsageError
from rlog_tui.models import ModelChoice, resolve_model, thresholds_for
from rlog_tui.protocol import TASKS, OutputOrder, Task, answer_problems, served_order
from rlog_tui.source import LogFile
from rlog_tui.source.formats import (
    SAMPLE_LINES,
    FormatName,
    LogFormat,
    resolve_format,
)
from rlog_tui.source.selection import SelectionError, make_selection, select_entries
from rlog_tui.source.stdin_spool import STDIN_NAME, StdinSpool, take_piped_stdin
from rlog_tui.source.time_window import TIME_HELP, TimeWindow, make_window

app = typer.Typer(
    name="rlog-tui",
    help=(
        "rlog: an on-call engineer's log assistant. Tail live logs and ask a small local model "
        "(llama.cpp, fully offline) to parse them, spot anomalies, explain them, find the root "
        "cause and recommend a fix, with its reasoning streamed as it thinks.\n\n"
        "Examples:\n\n"
        "  rlog-tui tail /var/log/app.log\n\n"
        "  rlog-tui analyze app.log --task anomaly --lines 120 --json\n\n"
        "  rlog-tui analyze app.log --all\n\n"
        "  rlog-tui models\n\n"
        "  rlog-tui doctor      (paste its output into a bug report)"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

TASK_HELP = "Task: " + ", ".join(f"{t.value} ({spec.title})" for t, spec in TASKS.items())

FormatOpt = Annotated[
    FormatName | None,
    typer.Option("--format", help="The log's format (default: recognised from its first lines)."),
]


@dataclass(frozen=True, slots=True)
class SettingFlag:
    """A flag that sets one setting: the setting it sets, and its option as typer reads it."""

    setting: str
    option: Any  # Annotated[<type> | None, typer.Option(...)]: None leaves the setting be


SETTING_FLAGS: dict[str, SettingFlag] = {
    "max_tokens": SettingFlag("max_tokens", Annotated[int | None, MAX_TOKENS]),
    "model": SettingFlag("model", ModelOption),
    "adapter": SettingFlag("adapter", AdapterOption),
    "backend": SettingFlag(
        "backend",
        Annotated[
            Backend | None,
            typer.Option(
                "--backend",
                help="llama: in-process llama.cpp (default); openai: a server (--base-url).",
            ),
        ],
    ),
    "base_url": SettingFlag(
        "base_url",
        Annotated[
            str | None,
            typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000"),
        ],
    ),
    "threads": SettingFlag("threads", Annotated[int | None, THREADS]),
    "ctx": SettingFlag("n_ctx", Annotated[int | None, CTX]),
}
"""Every flag that is a setting, by its parameter name. A command's own flags (``--fast``,
``--json``...) are not settings and stay out of ``load_settings``."""


def setting_flags(*names: str) -> Callable[[Command], Command]:
    """Give the command these setting flags, listed in its ``--help`` where its ``flags``
    parameter stands, and their values as that one dict (for ``_settings``): adding a setting
    to a command is naming it here."""
    return option_group("flags", {name: SETTING_FLAGS[name].option for name in names})


def _settings(flags: dict[str, object]) -> Resolved:
    """The settings under a command's setting flags (``setting_flags``)."""
    return load_settings({SETTING_FLAGS[name].setting: value for name, value in flags.items()})


def _choice(resolved: Resolved, fast: bool) -> ModelChoice | None:
    if resolved.settings.backend == "openai":
        return None
    if not resolved.settings.model and _first_assembly():
        typer.echo("rlog: preparing the embedded model (once)…", err=True)
    return resolve_model(resolved.settings, resolved.origins, fast=fast)


def _order_for(choice: ModelChoice | None, fast: bool) -> OutputOrder:
    """The order to ask ``choice`` in: answer first in fast mode, else the one its adapter
    records; a server backend (no choice) records none."""
    return served_order(recorded_order(choice.recorded_by) if choice else None, fast)


def _first_assembly() -> bool:
    from rlog_tui.config import cache_dir

    return not any((cache_dir() / "models").glob("*.verified"))


@app.command()
@setting_flags("model", "adapter", "backend", "base_url", "threads", "ctx")
def tail(
    files: Annotated[
        list[Path],
        typer.Argument(help="Log file(s) to follow (.gz read-only); '-' follows standard input."),
    ],
    fast: Annotated[
        bool, typer.Option("--fast", help="Start in fast mode (answer first).")
    ] = False,
    screen: Annotated[
        bool,
        typer.Option(
            "--screen/--no-screen",
            help="Judge each new log template with the model in the background (cached).",
        ),
    ] = True,
    *,
    flags: dict[str, object],
    log_format: FormatOpt = None,
    debug: DebugOption = False,
) -> None:
    """Follow log files in the TUI and ask the model about selected lines.

    Keys: space select a line, shift+up/down extend, l select the last N, t pick the task,
    enter ask, esc cancel, f fast mode, / search, \\ filter, p templates, ? help, ctrl+p commands.
    """
    _setup_logging(debug)
    resolved = _settings(flags)
    spool = None
    if any(str(path) == STDIN_NAME for path in files):
        spool = StdinSpool(take_piped_stdin(need_terminal=True)).start()
    sources = [LogFile.open(spool.path if spool and str(p) == STDIN_NAME else p) for p in files]
    choice = _choice(resolved, fast=False)
    fast_choice = _choice(resolved, fast=True) if resolved.settings.fast_model else None
    from rlog_tui.screening.screener import Screener, model_identity
    from rlog_tui.screening.verdict_cache import VerdictCache
    from rlog_tui.ui.app import RlogApp

    engine = start_engine(resolved.settings, choice)
    fast_engine = start_engine(resolved.settings, fast_choice) if fast_choice else None
    screener = None
    if screen:
        screen_choice = fast_choice or choice
        screener = Screener(
            fast_engine or engine,
            cache=VerdictCache(),
            model_id=model_identity(screen_choice, "") if screen_choice else None,
            thresholds=thresholds_for(screen_choice).thresholds,
        )
    try:
        RlogApp(
            sources,
            engine,
            fast_engine=fast_engine,
            fast=fast,
            settings=resolved.settings,
            screener=screener,
            full_order=_order_for(choice, fast=False),
            log_format=log_format,
            stdin_spool=spool,
        ).run()
    finally:
        engine.close()
        if fast_engine:
            fast_engine.close()
        for source in sources:
            source.close()
        if spool is not None:
            spool.close()


@app.command()
@setting_flags("max_tokens", "model", "adapter", "backend", "base_url", "threads", "ctx")
def analyze(
    file: Annotated[
        Path, typer.Argument(help="Log file to analyse (.gz read-only); '-' reads standard input.")
    ],
    task: Annotated[Task, typer.Option("--task", "-t", help=TASK_HELP)] = Task.ANOMALY,
    lines: Annotated[
        str | None, typer.Option("--lines", help="Line range A:B (1-based, inclusive).")
    ] = None,
    grep: Annotated[
        str | None, typer.Option("--grep", help="Only lines matching this regex.")
    ] = None,
    last: Annotated[
        int | None,
        typer.Option(
            "--last",
            help="The last N lines (default: the last line; the models learn from one entry).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help=f"Only entries at or after this time: {TIME_HELP}."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only entries at or before this time.")
    ] = None,
    fast: FastOption = False,
    as_json: JsonOption = False,
    screen_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Screen the whole file: one anomaly score per log template (cached), then a "
            "report of templates ranked by score, with counts, verdicts and first lines "
            "(with --task anomaly).",
        ),
    ] = False,
    *,
    flags: dict[str, object],
    log_format: FormatOpt = None,
    debug: DebugOption = False,
) -> None:
    """Analyse entries of a file offline: the answer streams to stdout, the reasoning to stderr.

    With --all (anomaly only) every distinct log template is scored once (the model's probability
    of abnormal vs normal) and the report ranks templates by score, with counts, verdicts
    (abnormal / inconclusive / normal at the model's calibrated thresholds), first lines and the
    model calls made.

    Exit status: 0 a well-formed answer, 3 the model's answer was malformed or outside the task's
    schema (still printed), 1 an error (bad file, model, selection), 2 bad usage.
    """
    _setup_logging(debug)
    the_task = task
    window = make_window(since, until)
    resolved = _settings(flags)
    if screen_all:
        if the_task is not Task.ANOMALY:
            raise UsageError("--all screens with the anomaly task only: use --task anomaly")
        if lines or grep or last:
            raise UsageError("--all screens the whole file: drop --lines, --grep and --last")
        with _open_log(file) as (source, label):
            _screen_file(source, label, resolved, log_format, window, as_json=as_json)
        return
    selection = make_selection(lines, grep, last)
    with _open_log(file) as (source, label):
        the_format = _format_of(source, log_format)
        chosen = select_entries(source, the_format, selection, window)
    selected = [line for item in chosen for line in item.lines]
    choice = _choice(resolved, fast=fast)
    request = Request(
        task=the_task,
        lines=[text for _, text in selected],
        order=_order_for(choice, fast),
        sampling=SamplingParams(max_tokens=resolved.settings.max_tokens),
        stop_after_answer=fast,
        compress=True,
    )
    engine = start_loaded_engine(resolved.settings, choice)
    try:
        done = _run_request(engine, request, stream_text=not as_json)
    finally:
        engine.close()
    if as_json:
        first, last_no = selected[0][0], selected[-1][0]
        record = {
            "file": label,
            "format": the_format.name,
            "task": the_task.value,
            "mode": "fast" if fast else "full",
            "selection": selection.describe(),
            "lines": {"first": first, "last": last_no, "count": len(selected)},
            "entries": [
                {"first_line": item.entry.first_line, "line_count": item.entry.line_count}
                for item in chosen
            ],
            "model": engine.description,
            "reasoning": done.parsed.think,
            "answer": done.answer.text,
            "citations": _citations(done, selected),
            "answer_valid": done.answer.valid,
            "well_formed": done.parsed.well_formed,
            "problems": list(answer_problems(done.parsed, done.answer)),
            "notice": done.prompt_notice,
            "stats": {
                "prompt_tokens": done.stats.prompt_tokens,
                "completion_tokens": done.stats.completion_tokens,
                "time_to_first_token_s": round(done.stats.time_to_first_token, 3),
                "time_to_answer_s": None
                if done.stats.time_to_answer is None
                else round(done.stats.time_to_answer, 3),
                "total_s": round(done.stats.total_time, 3),
                "decode_tokens_per_s": round(done.stats.decode_tokens_per_second, 1),
                "finish_reason": done.stats.finish_reason,
            },
        }
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2))
    if not (done.parsed.well_formed and done.answer.valid):
        if not as_json:
            problems = "; ".join(answer_problems(done.parsed, done.answer))
            typer.echo(f"rlog: the model's answer is malformed: {problems}", err=True)
        raise typer.Exit(EXIT_BAD_ANSWER)


SCREEN_CHUNK = 10_000


@contextmanager
def _open_log(file: Path) -> Iterator[tuple[LogFile, str]]:
    """The log to analyse and the name to report it by; ``-`` spools standard input first."""
    if str(file) != STDIN_NAME:
        with LogFile.open(file) as source:
            source.index_all()
            yield source, str(file)
        return
    with StdinSpool(take_piped_stdin(need_terminal=False)) as spool:
        spool.copy_all()
        if spool.dropped_bytes:
            typer.echo(f"rlog: {spool.describe()}", err=True)
        with LogFile.open(spool.path) as source:
            source.index_all()
            yield source, "<stdin>"


def _format_of(source: LogFile, name: str | None) -> LogFormat:
    return resolve_format(name, source.lines(0, min(source.line_count, SAMPLE_LINES)))


def _screen_file(
    source: LogFile,
    label: str,
    resolved: Resolved,
    format_name: str | None,
    window: TimeWindow,
    *,
    as_json: bool,
) -> None:
    """``analyze --all``: mine every entry, score each template once, print the ranked report."""
    from rlog_tui.screening.report import build_report
    from rlog_tui.screening.screener import Screener, model_identity
    from rlog_tui.screening.verdict_cache import VerdictCache
    from rlog_tui.source.selection import read_entries

    the_format = _format_of(source, format_name)
    choice = _choice(resolved, fast=True)
    calibration = thresholds_for(choice)
    engine = start_loaded_engine(resolved.settings, choice)
    try:
        if not engine.can_score:
            raise ScoringUnsupported(
                f"--all scores templates, and {engine.description} cannot score anomalies: "
                "use the in-process llama.cpp backend (--backend llama)"
            )
        screener = Screener(
            engine,
            cache=VerdictCache(),
            model_id=model_identity(choice, engine.description),
            thresholds=calibration.thresholds,
            max_pending=None,
        )
        for count, item in enumerate(read_entries(source, the_format), 1):
            if window.holds(item.entry):
                screener.feed_entry(item.entry, item.lines[0][1])
            if count % SCREEN_CHUNK == 0:
                screener.pump()  # the model starts on the first templates while mining goes on
        if window.bounded and not screener.entries_seen:
            raise SelectionError("no entry in that time window")
        screener.wait_idle()
        screener.close()
    finally:
        engine.close()
    report = build_report(screener, label, engine.description, calibration.origin, the_format.name)
    typer.echo(report.to_json() if as_json else report.to_markdown())


class _Outcome:
    """A finished job plus the lines its prompt sent and its notice (from its Started event)."""

    def __init__(self, done: Done, notice: str, sent: tuple[str, ...]) -> None:
        self.parsed, self.answer, self.stats = done.parsed, done.answer, done.stats
        self.prompt_notice = notice
        self.sent = sent


def _citations(outcome: _Outcome, selected: list[tuple[int, str]]) -> list[dict[str, object]]:
    """Each `L<n>` the reason cites: the file's line number, its text, and whether it was sent."""
    from rlog_tui.protocol.grounding import ground_citations

    return [
        {"cited": c.cited, "line": c.line, "text": c.text, "verified": c.verified}
        for c in ground_citations(outcome.parsed.think, outcome.sent, selected)
    ]


class _StreamLines:
    """The answer streams to stdout, the reason to stderr (``analyze > file`` keeps the answer
    alone); in a terminal both show, so each ends its line before the other starts
    (``abnormal`` / ``L1: …`` rather than ``abnormalL1: …``)."""

    def __init__(self) -> None:
        self._open = {True: False, False: False}  # answer (stdout) / reason (stderr) mid-line
        self._answered = False

    def write(self, answer: bool, text: str) -> None:
        if not text:
            return
        self._end(not answer)
        stream = sys.stdout if answer else sys.stderr
        stream.write(text)
        stream.flush()
        self._open[answer] = not text.endswith("\n")
        self._answered = self._answered or answer

    def close(self) -> None:
        """End both lines; the answer's line always ends (an empty answer is an empty line)."""
        self._end(False)
        if self._open[True] or not self._answered:
            sys.stdout.write("\n")
            sys.stdout.flush()
        self._open[True] = False

    def _end(self, answer: bool) -> None:
        if self._open[answer]:
            stream = sys.stdout if answer else sys.stderr
            stream.write("\n")
            stream.flush()
            self._open[answer] = False


def _run_request(engine, request: Request, *, stream_text: bool) -> _Outcome:
    notice = ""
    sent: tuple[str, ...] = ()
    lines = _StreamLines()
    for event in engine.stream(request):
        if isinstance(event, Started):
            notice = event.prompt.notice
            sent = event.prompt.sent
            if notice:
                typer.echo(f"rlog: {notice}", err=True)
        elif isinstance(event, Tokens) and stream_text:
            for segment in event.segments:
                lines.write(segment.channel == "answer", segment.text)
        elif isinstance(event, Failed):
            raise EngineError(event.message)
        elif isinstance(event, Done):
            if stream_text:
                lines.close()
            return _Outcome(event, notice, sent)
    raise EngineError("the engine stopped without an answer")


@app.command()
@setting_flags("model", "adapter", "backend", "base_url")
def models(flags: dict[str, object]) -> None:
    """Show which model and adapter rlog would load (normal and fast mode) and from where."""
    resolved = _settings(flags)
    settings = resolved.settings
    typer.echo(f"config file: {config_path()}{'' if config_path().exists() else ' (absent)'}")
    if settings.backend == "openai":
        typer.echo(
            f"backend:     openai-compatible server at {settings.base_url} "
            f"({resolved.origins.get('base_url', '')})"
        )
        return
    for fast in (False, True):
        choice = resolve_model(settings, resolved.origins, fast=fast)
        label = "fast mode" if fast else "full mode"
        typer.echo(f"{label}:")
        typer.echo(f"  model:   {choice.model_path}  [{choice.model_origin}]")
        typer.echo(f"  adapter: {choice.adapter_path or '-'}  [{choice.adapter_origin}]")
        order = _order_for(choice, fast).value
        typer.echo(f"  order:   {order}{', stops at </answer>' if fast else ''}")
        typer.echo(f"  scores:  {thresholds_for(choice).describe()}")
    typer.echo(f"context: {settings.n_ctx} tokens; threads: {settings.effective_threads}")


@app.command()
@setting_flags("model", "adapter")
def doctor(flags: dict[str, object]) -> None:
    """Check this machine for a bug report: CPU, llama.cpp build, model, one 8-token generation.

    Paste its output into an issue. Exits 1 when a part fails, and says what to do about it.
    """
    from rlog_tui.doctor import run_checks

    resolved = _settings(flags)
    choice = _choice(resolved, fast=True)
    if choice is None:
        raise UsageError("doctor checks the in-process llama.cpp backend, not --backend openai")
    typer.echo(f"model chosen: {choice.model_origin}; adapter: {choice.adapter_origin}")
    failed = False
    for check in run_checks(choice.model_path, choice.adapter_path):
        mark = "ok  " if check.ok else "FAIL"
        typer.echo(f"[{mark}] {check.name}: {check.detail}")
        if check.hint:
            typer.echo(f"       what to do: {check.hint}")
        failed = failed or not check.ok
    if failed:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def version() -> None:
    """Print rlog's version."""
    typer.echo(f"rlog {__version__}")


def _setup_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="rlog: %(name)s: %(message)s",
    )
    if not debug:
        logging.getLogger("rlog.llama_cpp").setLevel(logging.ERROR)


def main() -> None:
    """Console entry point (``rlog-tui``): see ``command_line.run_app`` for how it fails."""
    main_for(app, "rlog-tui")
