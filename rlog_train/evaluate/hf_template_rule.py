"""The served template rule in transformers' ``generate``: what llama.cpp serves, the HF evaluator
measures.

The rule is ``protocol.template_of_line``'s and the per-row check is the engine's own
(``engine.template_constraint.TemplateConstraint``, over numpy scores); this wraps it as a
transformers logits processor for a left-padded batch. Rows that are not answer-first parsing of
one line pass through untouched. transformers applies its repetition penalty before custom
processors, so here the rule picks among penalised scores; llama.cpp applies the penalty after, to
the tokens the rule kept: on a greedy answer the two differ only where the penalty would reorder
the rule's top choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rlog_tui.engine.template_constraint import TemplateConstraint


def template_rule_processor(
    lines: Sequence[str | None], pieces: Sequence[bytes], width: int
) -> Any:
    """A ``LogitsProcessorList`` holding each row's rule (``lines[row]``; None: no rule), for a
    batch whose prompts (padding and lead included) are ``width`` tokens long."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    def piece(token: int) -> bytes:
        return pieces[token] if token < len(pieces) else b""  # padded embedding rows write nothing

    constraints = [
        None if line is None else TemplateConstraint(line, piece, width) for line in lines
    ]

    class TemplateRule(LogitsProcessor):
        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> Any:
            for row, constraint in enumerate(constraints):
                if constraint is None:
                    continue
                ruled = constraint(input_ids[row].cpu().numpy(), scores[row].float().cpu().numpy())
                scores[row] = torch.from_numpy(ruled).to(scores.device, scores.dtype)
            return scores

    return LogitsProcessorList([TemplateRule()])
