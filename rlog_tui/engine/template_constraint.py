"""Decode a parsing answer as a template of its own line (llama.cpp logits processor).

The rule and why are ``protocol.template_of_line``'s; this is the llama.cpp side. A GBNF grammar
would check every one of the vocabulary's tokens against the rule at each step; the model's own top
choices almost always include a token the rule allows, so only the best-scored ``LOOK`` tokens are
checked (the whole vocabulary, best first, only when none of those is allowed), and the best
``KEEP`` allowed ones keep their scores for the sampler (the repetition penalty still chooses among
them); every other token is masked. Once ``</answer>`` is written the processor steps aside. What
each costs per answer: ``bench/template_rule.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rlog_tui.protocol.template_of_line import States, TemplateOfLine

LOOK = 64
"""Best-scored tokens checked against the rule at each step before the rest of the vocabulary."""
KEEP = 8
"""Allowed tokens left to the sampler at each step."""

Piece = Callable[[int], bytes]
"""A token id's bytes as the model writes them (empty for control tokens)."""


class TemplateConstraint:
    """A logits processor for one response: the answer stays a template of ``line``."""

    def __init__(self, line: str, piece: Piece, prompt_tokens: int) -> None:
        self._rule = TemplateOfLine(line)
        self._piece = piece
        self._seen = prompt_tokens
        """Tokens of ``input_ids`` already folded into ``_states`` (the prompt and lead first)."""
        self._states: States = self._rule.start()

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        for token in input_ids[self._seen :]:
            self._states = self._rule.advance(self._states, self._piece(int(token)))
        self._seen = len(input_ids)
        if self._rule.closed(self._states) or not self._states:
            return scores  # answer closed (the reason is free), or written outside the rule
        allowed = self._allowed(scores)
        if not allowed:
            return scores  # no token of this vocabulary goes on: the model writes unaided
        masked = np.full_like(scores, -np.inf)
        masked[allowed] = scores[allowed]
        return masked

    def _allowed(self, scores: np.ndarray) -> list[int]:
        """The best-scored tokens, at most ``KEEP``, that keep the answer within the rule."""
        # only the tokens not masked already (the trained-vocabulary rule masks most of a compact
        # base's rows, and partitioning an array of mostly -inf is 60x slower: measured)
        open_ids = np.flatnonzero(scores > -np.inf)
        if open_ids.size == 0:
            return []
        open_scores = scores[open_ids]
        look = min(LOOK, open_ids.size)
        best = np.argpartition(open_scores, -look)[-look:]
        allowed = self._within(open_ids[best[np.argsort(open_scores[best])[::-1]]])
        if not allowed:
            allowed = self._within(open_ids[np.argsort(open_scores)[::-1]])
        return allowed

    def _within(self, candidates: np.ndarray) -> list[int]:
        allowed: list[int] = []
        for token in candidates.tolist():
            piece = self._piece(token)
            if piece and self._rule.advance(self._states, piece):
                allowed.append(token)
                if len(allowed) == KEEP:
                    break
        return allowed
