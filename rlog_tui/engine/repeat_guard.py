"""Push a free-text answer away from repeating its own sequences (llama.cpp logits processor).

The rule and why are ``protocol.decoding.RepeatGuard``'s; this is the arithmetic. At each step the
response written so far (never the prompt: a log's own words must stay copyable) is searched for
earlier places where its last tokens already stood; a token that followed such a place would
extend the repeat, and its score is lowered by ``multiplier × base^(length − allowed)`` where
``length`` is how many tokens the repeat already runs (the "DRY" penalty of text-generation
front-ends, measured on rlog's answers in ``bench/README.md``).
"""

from __future__ import annotations

import numpy as np

from rlog_tui.protocol.decoding import RepeatGuard

LONGEST_MATCH = 64
"""How far back a repeat is followed (its penalty is already beyond any score well before), which
also bounds the penalty's exponent."""


class RepeatPenalty:
    """A logits processor for one response whose prompt is ``prompt_tokens`` long."""

    def __init__(self, guard: RepeatGuard, prompt_tokens: int) -> None:
        self._guard = guard
        self._start = prompt_tokens

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        written = np.asarray(input_ids[self._start :])
        for token, length in repeats(written).items():
            if length >= self._guard.allowed_length and 0 <= token < scores.size:
                over = length - self._guard.allowed_length
                scores[token] -= self._guard.multiplier * self._guard.base**over
        return scores


def repeats(written: np.ndarray) -> dict[int, int]:
    """For each token that would repeat an earlier run of ``written``: that run's length.

    The run is the longest suffix of ``written`` that also ends at an earlier position ``i``;
    the token written after ``i`` is the one that would carry the repeat on.
    """
    n = written.size
    if n < 2:
        return {}
    found: dict[int, int] = {}
    for i in np.flatnonzero(written[: n - 1] == written[-1]):
        length = 1
        while (
            length < LONGEST_MATCH
            and i - length >= 0
            and written[i - length] == written[n - 1 - length]
        ):
            length += 1
        follower = int(written[i + 1])
        found[follower] = max(found.get(follower, 0), length)
    return found
