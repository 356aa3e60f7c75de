"""Run one of the three typer apps in-process exactly as its console script does (``run_app``)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import typer

from rlog_tui.command_line import run_app


@dataclass(frozen=True, slots=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(app: typer.Typer, prog: str, *args: str) -> CliResult:
    """``prog args…`` through the shared failure policy, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run_app(app, prog, [str(arg) for arg in args])
    return CliResult(code, out.getvalue(), err.getvalue())
