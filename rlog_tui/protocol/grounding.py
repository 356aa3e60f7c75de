"""Citations mapped back to the file: which line of the log each `L<n>` of a reason names.

`citations` checks `L<n>` against the numbered lines of the prompt; a user wants the file's own
line (42, not L2). The prompt sends the lines bounded and made printable, and may leave the oldest
out to fit the context, so `L<n>` is found by its sent text among the lines that were asked about.
`analyze --json` and the TUI's highlighted lines both come from here, so they always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rlog_tui.protocol.citations import check_citations
from rlog_tui.protocol.prompt import sanitise_lines


@dataclass(frozen=True, slots=True)
class GroundedCitation:
    """One `L<n>`: the file's 1-based line it names (None when no asked line matches), its text
    as sent, and whether it names a line that was sent at all."""

    cited: str
    line: int | None
    text: str
    verified: bool


def ground_citations(
    reason: str, sent: Sequence[str], asked: Sequence[tuple[int, str]]
) -> list[GroundedCitation]:
    """Every `L<n>` of ``reason``, checked against the prompt's ``sent`` lines and mapped to the
    file's numbers through ``asked`` ((file line, raw text) of the lines the user selected).

    An unverified citation is kept (``line`` None, ``verified`` False), never dropped."""
    file_line: dict[str, int] = {}
    clean = sanitise_lines([text for _, text in asked])
    for (number, _), text in zip(asked, clean, strict=True):
        file_line.setdefault(text, number)
    return [
        GroundedCitation(
            f"L{citation.number}",
            file_line.get(citation.text) if citation.verified else None,
            citation.text,
            citation.verified,
        )
        for citation in check_citations(reason, sent)
    ]
