"""A parsing answer is a template of its own line: the rule served parsing answers decode under.

R-Log's parsing label is the log line with each variable part replaced by ``<*>``. In Loghub's
corrected templates (what the training set and the test sets use) every label is exactly that: the
line with some spans, possibly empty, replaced by ``<*>``, never two wildcards side by side (all
1,400 training labels; the rest of each answer is the line's own text, byte for byte). A 270M model
mostly copies, but when it slips it writes what no template of the line can be: ``Linkserror`` for
``Linkerror``, a clause written twice, a template that stops before the line does (stage 9,
unaided: 18 of its 26 wrong templates on the README's seen-system sample, 88 of 180 answers on the
unseen systems). A user reading a template wants the line's own words, so served parsing answers
are decoded under this rule: each token must keep the answer a prefix of some template of the line
followed by ``</answer>``, and the model's best-scored tokens that do are kept
(``engine.template_constraint``). Which spans are variable stays the model's choice: the rule
forbids only answers that cannot be right. With it, stage 9's seen-system PA went from 0.479 to
0.517 and unseen token-F1 from 0.606 to 0.662 on the same items (README).

The rule is a small nondeterministic automaton over the answer's bytes (UTF-8, as tokens arrive:
a token may end inside a character). Its states are ``(kind, i)`` with ``i`` a byte offset in the
line; a set of them is where an answer so far can stand.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rlog_tui.protocol.orders import ANSWER_CLOSE, OutputOrder
from rlog_tui.protocol.tasks import Task

State = tuple[int, int]
States = frozenset[State]

_LEAD = 0
"""Before the template: spaces may come first (the answer is stripped when read)."""
_LITERAL = 1
"""``i`` bytes of the line are matched and the last thing written was the line's own text."""
_OPEN = 2
"""``<`` of a wildcard written at line offset ``i``."""
_STAR = 3
"""``<*`` of a wildcard written at line offset ``i``."""
_WILD = 4
"""A wildcard written at offset ``i``: it stands for ``line[i:j]`` for some ``j >= i``."""
_CLOSE = 5
"""``i`` bytes of ``</answer>`` written after a whole template."""
_DONE = 6
"""The answer is closed: what follows (the reason) is free."""

_WILDCARD_OPEN, _WILDCARD_STAR, _WILDCARD_SHUT = b"<*>"
_CLOSE_BYTES = ANSWER_CLOSE.encode()
_SPACE = ord(" ")


class TemplateOfLine:
    """Which answers can still become a template of ``line`` closed by ``</answer>``."""

    __slots__ = ("_line",)

    def __init__(self, line: str) -> None:
        self._line = line.encode("utf-8")

    def start(self) -> States:
        """Where an empty answer stands."""
        return frozenset({(_LEAD, 0), (_LITERAL, 0)})

    def advance(self, states: States, data: bytes) -> States:
        """Where ``data`` written after ``states`` leads; empty when no template goes on so."""
        for byte in data:
            if not states:
                break
            states = frozenset(nxt for state in states for nxt in self._step(state, byte))
        return states

    @staticmethod
    def closed(states: States) -> bool:
        """True once the answer is a whole template closed by ``</answer>``."""
        return (_DONE, 0) in states

    def accepts(self, answer: str) -> bool:
        """True when ``answer`` (without tags) is a template of the line."""
        return self.closed(self.advance(self.start(), answer.encode("utf-8") + _CLOSE_BYTES))

    def _step(self, state: State, byte: int) -> Iterator[State]:
        kind, i = state
        line = self._line
        if kind == _DONE:
            yield state
        elif kind == _LEAD:
            if byte == _SPACE:
                yield from ((_LEAD, 0), (_LITERAL, 0))
        elif kind == _LITERAL:
            if i < len(line) and line[i] == byte:
                yield (_LITERAL, i + 1)
            if byte == _WILDCARD_OPEN:
                yield (_OPEN, i)
                if i == len(line):
                    yield (_CLOSE, 1)
        elif kind == _OPEN:
            if byte == _WILDCARD_STAR:
                yield (_STAR, i)
        elif kind == _STAR:
            if byte == _WILDCARD_SHUT:
                yield (_WILD, i)
        elif kind == _WILD:
            found = line.find(byte, i)
            while found != -1:
                yield (_LITERAL, found + 1)
                found = line.find(byte, found + 1)
            if byte == _CLOSE_BYTES[0]:
                yield (_CLOSE, 1)
        elif byte == _CLOSE_BYTES[i]:  # _CLOSE
            yield (_CLOSE, i + 1) if i + 1 < len(_CLOSE_BYTES) else (_DONE, 0)


def template_line(task: Task, sent: Sequence[str], order: OutputOrder) -> str | None:
    """The line a served answer must be a template of, or None when no such rule applies.

    Only answer-first parsing of one line: the answer then opens the response (after the lead the
    engine gives), so the whole template is decoded under the rule; a reason-first response's
    think block comes first and stays free.
    """
    if task is Task.PARSE and order is OutputOrder.ANSWER_FIRST and len(sent) == 1:
        return sent[0]
    return None
