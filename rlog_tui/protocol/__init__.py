"""The contract every part of rlog obeys: tasks, prompts, output orders, answers, stream parsing.

The TUI, the trainer, the reward and the evaluator all import from here, so a model is served
exactly as it was trained and scored exactly as it was rewarded.

Imported by name rather than re-exported here: ``safe_text`` (log text made safe to show and to
send, the per-line limits), ``digest`` (the template-digest prompt), ``compression`` (raw lines
when they fit, else the digest), ``citations``, ``grounding`` and ``decoding``.
"""

from rlog_tui.protocol.answers import ANOMALY_LABELS, VARIABLE, Answer, check_answer
from rlog_tui.protocol.formats import PromptFormat, PromptStyle, select_format
from rlog_tui.protocol.grammar import format_grammar
from rlog_tui.protocol.orders import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    ORDER_METADATA_KEY,
    SYSTEM_PROMPTS,
    THINK_CLOSE,
    THINK_OPEN,
    OutputOrder,
    response_lead,
    served_order,
    target_text,
)
from rlog_tui.protocol.prompt import DEFAULT_FORMAT, Prompt, build_prompt, user_message
from rlog_tui.protocol.scores import (
    DEFAULT_THRESHOLDS,
    LABEL_LEAD,
    SCORE_ORDER,
    AnomalyScore,
    LabelTokens,
    ScoreLabel,
    ScoringError,
    Thresholds,
    label_tokens,
    score_from_logits,
    scoring_fingerprint,
)
from rlog_tui.protocol.stream_parser import (
    ParsedResponse,
    Segment,
    StreamParser,
    answer_problems,
    parse_response,
)
from rlog_tui.protocol.tasks import TASKS, Task, TaskSpec, parse_task_list, task_from_name
from rlog_tui.protocol.template_of_line import TemplateOfLine, template_line

__all__ = [
    "ANOMALY_LABELS",
    "ANSWER_CLOSE",
    "ANSWER_OPEN",
    "DEFAULT_FORMAT",
    "DEFAULT_THRESHOLDS",
    "LABEL_LEAD",
    "ORDER_METADATA_KEY",
    "SCORE_ORDER",
    "SYSTEM_PROMPTS",
    "TASKS",
    "THINK_CLOSE",
    "THINK_OPEN",
    "VARIABLE",
    "AnomalyScore",
    "Answer",
    "LabelTokens",
    "OutputOrder",
    "ParsedResponse",
    "Prompt",
    "PromptFormat",
    "PromptStyle",
    "ScoreLabel",
    "ScoringError",
    "Segment",
    "StreamParser",
    "Task",
    "TaskSpec",
    "TemplateOfLine",
    "Thresholds",
    "answer_problems",
    "build_prompt",
    "check_answer",
    "format_grammar",
    "label_tokens",
    "parse_response",
    "parse_task_list",
    "response_lead",
    "score_from_logits",
    "scoring_fingerprint",
    "select_format",
    "served_order",
    "target_text",
    "task_from_name",
    "template_line",
    "user_message",
]
