"""Decode within the vocabulary an adapter was trained on, plus the prompt's own tokens.

The rule and why are ``protocol.decoding.VOCABULARY_METADATA_KEY``'s; this is the llama.cpp side:
the token ids the adapter GGUF records (``adapter_metadata.recorded_vocabulary``) become a bias
row (0 where allowed, -inf elsewhere) that a logits processor adds before sampling, one vector
add of the vocabulary's size per token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

LogitsProcessor = Callable[[np.ndarray, np.ndarray], np.ndarray]


class TrainedVocabulary:
    """The allowed-token rule for one model: its trained ids, widened per prompt."""

    def __init__(self, trained: np.ndarray, n_vocab: int) -> None:
        if trained.size == 0 or int(trained.min()) < 0 or int(trained.max()) >= n_vocab:
            raise ValueError(
                f"the adapter's trained vocabulary does not fit this base's {n_vocab} tokens"
            )
        self._bias = np.full(n_vocab, -np.inf, dtype=np.float32)
        self._bias[trained] = 0.0

    def processor(self, prompt_tokens: Sequence[int]) -> LogitsProcessor:
        """A logits processor allowing the trained tokens and ``prompt_tokens``."""
        bias = self._bias.copy()
        prompt = np.asarray(prompt_tokens, dtype=np.int64)
        bias[prompt[(prompt >= 0) & (prompt < bias.size)]] = 0.0

        def within(_input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
            np.add(scores, bias[: scores.size], out=scores)  # per token: no 1 MB allocation
            return scores

        return within
