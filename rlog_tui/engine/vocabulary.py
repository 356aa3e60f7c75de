"""Decode within the vocabulary an adapter was trained on, plus the prompt's own tokens.

The rule and why are ``protocol.decoding.VOCABULARY_METADATA_KEY``'s; this is the llama.cpp side.
The served copy of the base (``engine.compact_base``) puts the trained tokens first, so the rule is
a bias row over its ids: 0 below ``trained`` and at the prompt's ids, -inf elsewhere, added by a
logits processor before sampling (one vector add per generated token).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

LogitsProcessor = Callable[[np.ndarray, np.ndarray], np.ndarray]


class TrainedVocabulary:
    """The allowed-token rule of a served model: its first ``trained`` ids, widened per prompt."""

    def __init__(self, trained: int, n_vocab: int) -> None:
        if not 0 < trained <= n_vocab:
            raise ValueError(f"{trained} trained tokens do not fit a {n_vocab}-token vocabulary")
        self._bias = np.full(n_vocab, -np.inf, dtype=np.float32)
        self._bias[:trained] = 0.0

    def processor(self, prompt_tokens: Sequence[int]) -> LogitsProcessor:
        """A logits processor allowing the trained tokens and ``prompt_tokens``."""
        bias = self._bias.copy()
        prompt = np.asarray(prompt_tokens, dtype=np.int64)
        bias[prompt[(prompt >= 0) & (prompt < bias.size)]] = 0.0

        def within(_input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
            np.add(scores, bias[: scores.size], out=scores)  # per token: no new array
            return scores

        return within
