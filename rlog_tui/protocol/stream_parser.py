"""Split a model's token stream into reasoning and answer as the tokens arrive.

Tokens do not respect tag boundaries (``</th`` + ``ink>``), so text that could still become a tag
is held back until it is decided. The parser never raises on what a model writes: every deviation
from the expected ``<think>…</think><answer>…</answer>`` shape (or its answer-first mirror) is
recorded in ``problems`` and ``ParsedResponse.format_ok`` turns false. The rewards, the evaluator
and the TUI all read responses through this one class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
    _parts: dict[str, list[str]] = field(default_factory=lambda: {"think": [], "answer": [], "outside": []})
    _blocks: list[str] = field(default_factory=list)
    _problems: list[str] = field(default_factory=list)

    def feed(self, text: str) -> list[Segment]:
        """Consume a chunk of model output; return the segments that are now decided."""
        self._pending += text
        out: list[Segment] = []
        while self._pending:
            start = self._pending.find("<")
            if start == -1:
                self._emit(self._pending, out)
                self._pending = ""
                break
            if start:
                self._emit(self._pending[:start], out)
                self._pending = self._pending[start:]
            tag = next((t for t in _TAGS if self._pending.startswith(t)), None)
            if tag:
                self._pending = self._pending[len(tag) :]
                self._on_tag(tag)
                continue
            window = self._pending[:_LONGEST_TAG]
            if any(t.startswith(window) for t in _TAGS) and len(window) < _LONGEST_TAG:
                break  # could still become a tag: wait for more text
            self._emit("<", out)
            self._pending = self._pending[1:]
        return out

    def close(self, *, stopped_after_answer: bool = False) -> ParsedResponse:
        """Finish the stream and judge it.

        ``stopped_after_answer``: generation was deliberately stopped at ``</answer>`` (fast mode),
        so the reasoning that would follow is absent by design, not a fault.
        """
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

    def _emit(self, text: str, out: list[Segment]) -> None:
        if not text:
            return
        self._parts[self._channel].append(text)
        if out and out[-1].channel == self._channel:
            out[-1] = Segment(self._channel, out[-1].text + text)
        else:
            out.append(Segment(self._channel, text))

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


def parse_response(text: str, order: OutputOrder = OutputOrder.REASON_FIRST) -> ParsedResponse:
    """Parse a complete response in one call (rewards, evaluation)."""
    parser = StreamParser(order)
    parser.feed(text)
    return parser.close()
