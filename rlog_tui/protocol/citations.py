"""Numbered log lines in the prompt, and the `L<n>` citations a model's reason makes to them.

The prompt numbers every log line it sends, `L1: …`, `L2: …`, counting from the first line sent
(so a one-line question is always `L1`, as in training). A short reason after the answer names the
lines it rests on as `L<n>`; rlog checks each citation against what was sent: a number that was
not sent is kept and marked unverified, never dropped. Fence lines (```` ``` ````) that wrap
multi-line inputs in the training data are not log lines and get no number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

FENCE = "```"
_CITATION = re.compile(r"(?<![\w-])L(\d{1,6})\b")


def is_fence(line: str) -> bool:
    return line.strip().startswith(FENCE)


def number_lines(lines: Sequence[str]) -> list[str]:
    """`lines` as the prompt shows them: `L<n>: text`, fences left as they are."""
    numbered, n = [], 0
    for line in lines:
        if is_fence(line):
            numbered.append(line)
        else:
            n += 1
            numbered.append(f"L{n}: {line}")
    return numbered


def log_lines(lines: Sequence[str]) -> list[str]:
    """The lines that get numbers, in order: `log_lines(lines)[n - 1]` is `L<n>`."""
    return [line for line in lines if not is_fence(line)]


def cited_numbers(text: str) -> list[int]:
    """The `L<n>` numbers `text` cites, in order of first mention, each once."""
    return list(dict.fromkeys(int(m) for m in _CITATION.findall(text)))


@dataclass(frozen=True, slots=True)
class Citation:
    """One `L<n>` of a response: the line it names, its text if it was sent, and whether it was."""

    number: int
    text: str
    verified: bool


def check_citations(response: str, sent: Sequence[str]) -> list[Citation]:
    """Every citation in `response`, checked against the lines `sent` (fences included or not)."""
    lines = log_lines(sent)
    return [
        Citation(n, lines[n - 1], True) if 1 <= n <= len(lines) else Citation(n, "", False)
        for n in cited_numbers(response)
    ]
