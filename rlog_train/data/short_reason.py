"""The short, cited reason an answer-first target ends with, built from the training item itself.

Small models are trained answer-first: the label, then one to three sentences that name the log
lines they rest on (`L<n>`, numbered as the prompt numbers them). Those sentences come only from
the item's own training data, never from test data and never written by another model:

* log parsing: from the label against the input, the values the template masks (`<*>`), e.g.
  `L1 masks 2 values (2, 8229193803249955061); the rest is constant text.`;
* every other task: extracted from R-Log's own reasoning trajectory: its opening sentence (what it
  saw) and its last one (what it concluded), dropping any over `MAX_WORDS` words, cited with the
  input line(s) those sentences share the most words with.

The result starts with the citation (`L1: …`, `L2, L4: …`), so the model learns one fixed shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rlog_tui.protocol import Task
from rlog_tui.protocol.citations import log_lines
from rlog_tui.protocol.orders import THINK_CLOSE, THINK_OPEN
from rlog_tui.templates.merging import wildcard_values

MAX_WORDS = 45
"""A sentence longer than this is not kept: the reason must stay short."""
MAX_VALUES = 4
"""Masked values a parsing reason lists before it says `and N more`."""
_STEP_PREFIX = re.compile(r"^(?:Step \d+:\s*)+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“(])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,}")
_VALUE_CHARS = 24


UPSTREAM_WILDCARD = "\u27e8*\u27e9"
"""``⟨*⟩``: how some R-Log trajectories quote the input's ``<*>``. Left in, a model trained on
them wrote ``⟨`` for ``[`` in parsing answers (7 A.D. reasons had it); written as the input
has it."""


def sentences(reasoning: str) -> list[str]:
    """The sentences of a trajectory's think text (tags removed, whitespace collapsed, the
    upstream ``⟨*⟩`` written ``<*>`` as in the input)."""
    think = reasoning.split(THINK_CLOSE, 1)[0].replace(THINK_OPEN, "")
    think = think.replace(UPSTREAM_WILDCARD, "<*>")
    text = " ".join(think.split())
    found = (_STEP_PREFIX.sub("", s.strip()) for s in _SENTENCE_END.split(text))
    return [s for s in found if s]


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def cited_lines(chosen: Sequence[str], lines: Sequence[str], at_most: int = 2) -> list[int]:
    """1-based numbers of the input lines sharing the most words with `chosen` (L1 if none)."""
    words = set().union(*(_words(s) for s in chosen)) if chosen else set()
    scored = [(len(words & _words(line)), n) for n, line in enumerate(lines, 1)]
    best = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))[:at_most]
    return sorted(n for _, n in best) or [1]


def _citation(numbers: Sequence[int]) -> str:
    return ", ".join(f"L{n}" for n in numbers)


def masked_values(line: str, template: str) -> list[str] | None:
    """The input's values at the template's `<*>` tokens; None when the tokens do not align."""
    tokens, pattern = line.split(), template.split()
    if len(tokens) != len(pattern):
        return None
    values = []
    for token, slot in zip(tokens, pattern, strict=True):
        if "<*>" not in slot:
            continue
        found = wildcard_values(slot, token)
        if found is None:
            return None
        values += [v for v in found if v]
    return values


def parsing_reason(line: str, template: str) -> str:
    """`L1 masks N value(s) (…); the rest is constant text.`, from the label itself."""
    values = masked_values(line, template)
    if values is None:
        return "L1: the variable parts of the line become <*>; the rest is constant text."
    if not values:
        return "L1: no part of the line varies; every token is constant text."
    shown = [v if len(v) <= _VALUE_CHARS else v[: _VALUE_CHARS - 1] + "…" for v in values]
    listed = ", ".join(shown[:MAX_VALUES])
    more = f" and {len(values) - MAX_VALUES} more" if len(values) > MAX_VALUES else ""
    noun = "value" if len(values) == 1 else "values"
    return f"L1: masks {len(values)} {noun} ({listed}{more}); the rest is constant text."


def trajectory_reason(reasoning: str, lines: Sequence[str]) -> str:
    """The trajectory's first and last short sentences, cited with the lines they talk about."""
    found = [s for s in sentences(reasoning) if len(s.split()) <= MAX_WORDS]
    chosen = found[:1] + found[-1:] if len(found) > 1 else found
    if not chosen:
        return f"{_citation([1])}: see the line."
    return f"{_citation(cited_lines(chosen, lines))}: {' '.join(chosen)}"


def short_reason(task: Task, input_lines: Sequence[str], label: str, reasoning: str | None) -> str:
    """The short, cited reason for one training item (see the module docstring)."""
    lines = log_lines(input_lines) or [""]
    if task is Task.PARSE and len(lines) == 1:
        return parsing_reason(lines[0], label)
    if reasoning is None:
        raise ValueError("a short reason for this task needs the item's reasoning trajectory")
    return trajectory_reason(reasoning, lines)
