"""Source errors: one type per user-caused failure, each a one-line message naming the path."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from rlog_tui import source
from rlog_tui.source.errors import (
    SourceError,
    SourceIsDirectory,
    SourceMissing,
    SourcePermissionDenied,
    error_for_os_error,
)

PATH = Path("/var/log/app/x y.log")
OFFERED = [getattr(source, name) for name in source.__all__]
KINDS = [
    k
    for k in OFFERED
    if isinstance(k, type) and issubclass(k, SourceError) and k is not SourceError
]
"""Every kind of source error the package offers (``rlog_tui.source.__all__``)."""


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_message_is_one_line_naming_the_path(kind: type[SourceError]) -> None:
    error = kind(PATH)
    message = str(error)
    assert message.startswith(f"rlog: {PATH}: ")
    assert "\n" not in message
    assert error.path == PATH
    assert isinstance(error, SourceError)


def test_missing_message_reads_like_the_shell() -> None:
    assert str(SourceMissing("/x/y.log")) == "rlog: /x/y.log: no such file"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOENT, SourceMissing),
        (errno.ENOTDIR, SourceMissing),
        (errno.EISDIR, SourceIsDirectory),
        (errno.EACCES, SourcePermissionDenied),
        (errno.EPERM, SourcePermissionDenied),
    ],
)
def test_os_errors_map_to_their_source_error(code: int, kind: type[SourceError]) -> None:
    error = error_for_os_error(PATH, OSError(code, "ignored"))
    assert type(error) is kind


def test_unexpected_os_error_keeps_the_system_words_on_one_line() -> None:
    error = error_for_os_error(PATH, OSError(errno.EIO, "Input/output error"))
    assert type(error) is SourceError
    assert str(error) == f"rlog: {PATH}: input/output error"
