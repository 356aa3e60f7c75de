"""Split a model's token stream into reasoning and answer as the tokens arrive.

Tokens do not respect tag boundaries (``</th`` + ``ink>``), so text that could still become a tag
is held back until it is decided. The parser never raises on what a model writes: every deviation
from the expected ``<think>…</think><answer>…</answer>`` shape (or its answer-first mirror) is
recorded in ``problems`` and ``ParsedResponse.format_ok`` turns false. The rewards, the evaluator
and the TUI all read responses through this one class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rlog_tui.protocol.answers import Answer
from rlog_tui.protocol.orders import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    THINK_CLOSE,
    THINK_OPEN,
    OutputOrder,
)

Channel = Literal["think", "answer", "outside"]

_TAGS: dict[str, tuple[str, bool]] = {
    THINK_OPEN: ("think", True),
    THINK_CLOSE: ("think", False),
    ANSWER_OPEN: ("answer", True),
    ANSWER_CLOSE: ("answer", False),
}
_LONGEST_TAG = max(len(tag) for tag in _TAGS)
_TAG_PATTERN = re.compile("|".join(re.escape(tag) for tag in _TAGS))


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of streamed text and the channel it belongs to."""

    channel: Channel
    text: str


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """The whole response, split, with a verdict on its form."""

    think: str
    answer: str
    outside: str
    blocks: tuple[str, ...]
    """Blocks in the order they were opened, e.g. ``("think", "answer")``."""
    problems: tuple[str, ...]
    order: OutputOrder

    @property
    def format_ok(self) -> bool:
        """Exactly one think and one answer block, in the expected order, nothing else."""
        return not self.problems

    @property
    def well_formed(self) -> bool:
        """Form is right and the answer is not empty."""
        return self.format_ok and bool(self.answer.strip())


@dataclass(slots=True)
class StreamParser:
    """Incremental think/answer splitter; ``feed`` per token, ``close`` at the end."""

    order: OutputOrder = OutputOrder.REASON_FIRST
    _pending: str = ""
    _channel: Channel = "outside"
    _parts: dict[str, list[str]] = field(
        default_factory=lambda: {"think": [], "answer": [], "outside": []}
    )
    _blocks: list[str] = field(default_factory=list)
    _problems: list[str] = field(default_factory=list)
    _answer_closed: bool = False
    _state_at_answer_close: tuple[dict[str, int], int, int] | None = None

    @property
    def answer_closed(self) -> bool:
        """True once an answer block has been closed: fast mode stops generating here."""
        return self._answer_closed

    def feed(self, text: str) -> list[Segment]:
        """Consume a chunk of model output; return the segments that are now decided."""
        buffer = self._pending + text
        out: list[tuple[Channel, str]] = []
        position = 0
        for match in _TAG_PATTERN.finditer(buffer):
            self._emit(buffer[position : match.start()], out)
            self._on_tag(match.group(0))
            position = match.end()
        # A tag cut by the token boundary ("</th") is held back until the next chunk decides it.
        partial = buffer.rfind("<", max(position, len(buffer) - _LONGEST_TAG + 1))
        if partial != -1 and any(tag.startswith(buffer[partial:]) for tag in _TAGS):
            self._emit(buffer[position:partial], out)
            self._pending = buffer[partial:]
        else:
            self._emit(buffer[position:], out)
            self._pending = ""
        return _merged(out)

    def close(self, *, stopped_after_answer: bool = False) -> ParsedResponse:
        """Finish the stream and judge it.

        ``stopped_after_answer``: generation was deliberately stopped at ``</answer>`` (fast mode),
        so the reasoning that would follow is absent by design, not a fault; text that arrived in
        the same token after ``</answer>`` (``"</answer><"``) lies past the stop and is dropped.
        """
        if stopped_after_answer and self._state_at_answer_close is not None:
            lengths, blocks, problems = self._state_at_answer_close
            for channel, parts in self._parts.items():
                del parts[lengths[channel] :]
            del self._blocks[blocks:]
            del self._problems[problems:]
            self._pending = ""
            self._channel = "outside"
        if self._pending:
            self._emit(self._pending, [])
            self._pending = ""
        if self._channel != "outside":
            self._problems.append(f"unclosed <{self._channel}> block")
            self._channel = "outside"
        expected = list(self.order.blocks)
        if stopped_after_answer and self.order is OutputOrder.ANSWER_FIRST:
            expected = ["answer"]
        if self._blocks != expected:
            self._problems.append(
                f"expected blocks {'+'.join(expected)}, got {'+'.join(self._blocks) or 'none'}"
            )
        outside = "".join(self._parts["outside"])
        if outside.strip():
            self._problems.append("text outside the <think>/<answer> blocks")
        return ParsedResponse(
            think="".join(self._parts["think"]).strip(),
            answer="".join(self._parts["answer"]).strip(),
            outside=outside,
            blocks=tuple(self._blocks),
            problems=tuple(self._problems),
            order=self.order,
        )

    def _emit(self, text: str, out: list[tuple[Channel, str]]) -> None:
        if text:
            self._parts[self._channel].append(text)
            out.append((self._channel, text))

    def _on_tag(self, tag: str) -> None:
        name, opening = _TAGS[tag]
        if opening:
            if self._channel == name:
                self._problems.append(f"repeated {tag} inside its own block")
                return
            if self._channel != "outside":
                self._problems.append(f"<{self._channel}> block not closed before {tag}")
            if name in self._blocks:
                self._problems.append(f"more than one <{name}> block")
            self._blocks.append(name)
            self._channel = name
            return
        if self._channel != name:
            self._problems.append(f"stray {tag}")
            return
        self._channel = "outside"
        if name == "answer" and not self._answer_closed:
            self._answer_closed = True
            lengths = {channel: len(parts) for channel, parts in self._parts.items()}
            self._state_at_answer_close = (lengths, len(self._blocks), len(self._problems))


def _merged(pieces: list[tuple[Channel, str]]) -> list[Segment]:
    """Join consecutive pieces of one channel (joined once: no quadratic string building)."""
    segments: list[Segment] = []
    run: list[str] = []
    for index, (channel, text) in enumerate(pieces):
        run.append(text)
        if index + 1 == len(pieces) or pieces[index + 1][0] != channel:
            segments.append(Segment(channel, "".join(run)))
            run = []
    return segments


def parse_response(
    text: str,
    order: OutputOrder = OutputOrder.REASON_FIRST,
    *,
    stopped_after_answer: bool = False,
) -> ParsedResponse:
    """Parse a complete response in one call (rewards, evaluation, verify); see ``close``."""
    parser = StreamParser(order)
    parser.feed(text)
    return parser.close(stopped_after_answer=stopped_after_answer)


def answer_problems(parsed: ParsedResponse, answer: Answer) -> tuple[str, ...]:
    """Everything wrong with a response: its form (tags, order) and then its answer's schema.

    The one list the CLI, the TUI's status line, the evaluator and the reward all report.
    """
    return parsed.problems + ((answer.problem,) if answer.problem else ())
