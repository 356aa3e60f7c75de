"""The served decoding rules in transformers' ``generate``: what llama.cpp serves, the HF evaluator
measures.

The rules are ``protocol.decoding``'s (a parsing answer a template of its line, a free-text answer
under the repeat guard) and the per-row arithmetic is the engine's own
(``engine.template_constraint.TemplateConstraint``, ``engine.repeat_guard.RepeatPenalty``, over
numpy scores); this wraps them as one transformers logits processor for a left-padded batch. Rows
without a rule pass through untouched. transformers applies its repetition penalty before custom
processors, so here the rules act on penalised scores; llama.cpp applies the penalty after: on a
greedy answer the two differ only where the penalty would reorder the rules' top choices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

RowRule = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""A numpy logits processor for one row: ``(input_ids, scores) -> scores``."""


def served_rules_processor(rules: Sequence[Sequence[RowRule]]) -> Any:
    """A ``LogitsProcessorList`` applying ``rules[row]`` (in order) to each row of the batch."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    class ServedRules(LogitsProcessor):
        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> Any:
            for row, row_rules in enumerate(rules):
                if not row_rules:
                    continue
                ids = input_ids[row].cpu().numpy()
                ruled = scores[row].float().cpu().numpy()
                for rule in row_rules:
                    ruled = rule(ids, ruled)
                scores[row] = torch.from_numpy(ruled).to(scores.device, scores.dtype)
            return scores

    return LogitsProcessorList([ServedRules()])
