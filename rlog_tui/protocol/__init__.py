"""The contract every part of rlog obeys: tasks, prompts, output orders, answers, stream parsing.

The TUI, the trainer, the reward and the evaluator all import from here, so a model is served
exactly as it was trained and scored exactly as it was rewarded.
"""

from rlog_tui.protocol.answers import ANOMALY_LABELS, VARIABLE, Answer, check_answer
from rlog_tui.protocol.formats import PromptFormat, PromptStyle, select_format
from rlog_tui.protocol.grammar import format_grammar
from rlog_tui.protocol.orders import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    SYSTEM_PROMPTS,
    THINK_CLOSE,
    THINK_OPEN,
    OutputOrder,
    target_text,
)
from rlog_tui.protocol.prompt import DEFAULT_FORMAT, Prompt, build_prompt, user_message
from rlog_tui.protocol.stream_parser import ParsedResponse, Segment, StreamParser, parse_response
from rlog_tui.protocol.tasks import TASKS, Task, TaskSpec, task_from_name

__all__ = [
    "ANOMALY_LABELS",
    "ANSWER_CLOSE",
    "ANSWER_OPEN",
    "DEFAULT_FORMAT",
    "SYSTEM_PROMPTS",
    "TASKS",
    "THINK_CLOSE",
    "THINK_OPEN",
    "VARIABLE",
    "Answer",
    "OutputOrder",
    "ParsedResponse",
    "Prompt",
    "PromptFormat",
    "PromptStyle",
    "Segment",
    "StreamParser",
    "Task",
    "TaskSpec",
    "build_prompt",
    "check_answer",
    "format_grammar",
    "parse_response",
    "select_format",
    "target_text",
    "task_from_name",
    "user_message",
]
