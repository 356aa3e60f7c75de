"""One failure policy for the three CLIs: user errors are one line, anything else is a bug."""

from __future__ import annotations

from typing import Annotated

import pytest
import typer

from rlog_tui.command_line import BUG_HINT, DebugOption, option_group, run_app
from rlog_tui.errors import EXIT_BUG, EXIT_USAGE, InputError, UsageError


def make_app(error: Exception) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def fail(
        count: Annotated[int, typer.Option("--count")] = 1, debug: DebugOption = False
    ) -> None:
        raise error

    @app.command()
    def ok() -> None:
        typer.echo("fine")

    return app


def test_a_user_error_is_one_line_with_its_exit_code(capsys):
    assert run_app(make_app(UsageError("--lines 9:3 is backwards")), "rlog-train", ["fail"]) == 2
    assert capsys.readouterr().err == "rlog-train: --lines 9:3 is backwards\n"
    assert run_app(make_app(InputError("x.log: no such file")), "rlog-tui", ["fail"]) == 1
    assert capsys.readouterr().err == "rlog: x.log: no such file\n"


@pytest.mark.parametrize("bug", [ValueError("bad value"), KeyError("k"), ZeroDivisionError()])
def test_anything_else_is_a_bug_with_its_traceback(capsys, bug):
    assert run_app(make_app(bug), "rlog-quantize", ["fail"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback" in err and type(bug).__name__ in err
    assert err.rstrip().endswith(f"rlog-quantize: {BUG_HINT}")


def test_debug_is_an_option_that_adds_the_traceback(capsys):
    app = make_app(InputError("x.log: no such file"))
    assert run_app(app, "rlog-tui", ["fail", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert run_app(app, "rlog-tui", ["fail", "--count", "3"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_click_usage_errors_keep_exit_2_and_success_is_0(capsys):
    app = make_app(InputError("never raised"))
    assert run_app(app, "rlog-tui", ["fail", "--count", "many"]) == EXIT_USAGE
    assert "Invalid value for '--count'" in capsys.readouterr().err
    assert run_app(app, "rlog-tui", ["ok"]) == 0
    assert capsys.readouterr().out == "fine\n"


def test_an_option_group_is_listed_in_its_parameters_place_and_arrives_as_one_dict(capsys):
    app = typer.Typer()
    received = {}
    group = {
        "alpha": Annotated[int | None, typer.Option("--alpha", help="The first of the group.")],
        "beta": Annotated[str | None, typer.Option("--beta", help="The second of the group.")],
    }

    @app.command()
    @option_group("settings", group)
    def command(
        first: Annotated[bool, typer.Option("--first")] = False,
        *,
        settings: dict[str, object],
        last: Annotated[bool, typer.Option("--last")] = False,
    ) -> None:
        received.update(first=first, settings=settings, last=last)

    assert run_app(app, "rlog-tui", ["--help"]) == 0
    listed = capsys.readouterr().out
    places = [listed.index(flag) for flag in ("--first", "--alpha", "--beta", "--last")]
    assert places == sorted(places) and "The second of the group." in listed
    assert run_app(app, "rlog-tui", ["--beta", "b", "--last"]) == 0
    assert received == {"first": False, "settings": {"alpha": None, "beta": "b"}, "last": True}
