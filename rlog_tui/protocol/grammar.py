"""GBNF grammars that force the R-Log output shape (llama.cpp constrained decoding).

Off by default: rlog reports what a model really writes, malformed or not. A grammar is for callers
that need a parseable answer whatever the model (the anomaly screener on an untrained base, tests
that must drive a real model into a known shape).
"""

from __future__ import annotations

from rlog_tui.protocol.answers import ANOMALY_LABELS
from rlog_tui.protocol.orders import OutputOrder
from rlog_tui.protocol.tasks import Task


def format_grammar(task: Task, order: OutputOrder, max_think_chars: int = 600) -> str:
    """A grammar for what follows the response's lead: one think block and one answer block in
    ``order``.

    The engine gives the lead (``response_lead``: ``<answer>`` or ``<think>``) as training did, so
    the grammar starts inside the first block. Anomaly answers are limited to the two labels; other
    answers are free text without ``<``. The think block is bounded so a constrained model cannot
    ramble past its budget.
    """
    if task is Task.ANOMALY:
        answer_body = " | ".join(f'"{label}"' for label in ANOMALY_LABELS)
    else:
        answer_body = "[^<]+"
    think_body = f"[^<]{{0,{max_think_chars}}}"
    if order is OutputOrder.REASON_FIRST:
        rest = f'{think_body} "</think>" "<answer>" ( {answer_body} ) "</answer>"'
    else:
        rest = f'( {answer_body} ) "</answer>" "<think>" {think_body} "</think>"'
    return f"root ::= {rest}\n"
