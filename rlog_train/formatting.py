"""Training rows rendered by the protocol: the text a model is trained on is the text it is served.

A prompt is ``to_prompt(example, order, fmt).text``, byte for byte what the TUI sends to llama.cpp;
a completion is ``to_target(example, order)`` followed by the turn's end (``<end_of_turn>`` for
Gemma, ``<|im_end|>`` for ChatML, the tokenizer's EOS otherwise), which is what the engine stops
on. Rows are TRL's non-conversational prompt/completion strings, so no chat template is involved
and TRL's ``completion_only_loss`` masks exactly the prompt.

Every example is emitted in both output orders (reason-first and answer-first), so one adapter
serves R-Log and R-Log-fast. Cold-start items without reasoning cannot be targets: they are
skipped and counted, never silently.

Tokenization matches llama.cpp's ``tokenize(text, add_bos=True, special=True)``: the HF tokenizer
adds BOS once (the prompt text carries none) and turn markers are single control tokens on both
sides (``tests/test_train_formatting.py`` pins it on the real Gemma vocabulary).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rlog_train.data import Example, load_split, sample, to_prompt, to_target
from rlog_tui.errors import UsageError
from rlog_tui.protocol import (
    OutputOrder,
    PromptFormat,
    PromptStyle,
    Task,
    parse_task_list,
    select_format,
)
from rlog_tui.protocol.orders import answer_block

log = logging.getLogger(__name__)

BOTH_ORDERS: tuple[OutputOrder, ...] = (OutputOrder.REASON_FIRST, OutputOrder.ANSWER_FIRST)
LABEL_ONLY = "label-only"
"""``--orders label-only``: X→Y, the ablation's baseline (see ``label_only_rows``)."""
TASK_PRIORITY: tuple[Task, ...] = (
    Task.PARSE,
    Task.ANOMALY,
    Task.INTERPRET,
    Task.ROOT_CAUSE,
    Task.SOLUTION,
)
"""Order in which tasks are drawn when a run is limited: parsing and anomaly detection first."""

_ARCHITECTURES = {
    "gemma3": "gemma3",
    "gemma3_text": "gemma3",
    "gemma2": "gemma2",
    "gemma": "gemma",
    "llama": "llama",
    "qwen2": "qwen2",
    "qwen3": "qwen3",
}


def architecture_of(config: Any) -> str:
    """The GGUF ``general.architecture`` name of an HF config (its ``model_type``)."""
    model_type = getattr(config, "model_type", "") or ""
    return _ARCHITECTURES.get(model_type, model_type)


def prompt_format_for(config: Any) -> PromptFormat:
    """The protocol's prompt format for a model, chosen as the TUI chooses it from the GGUF."""
    return select_format({"general.architecture": architecture_of(config)})


def end_of_turn(fmt: PromptFormat, tokenizer: Any) -> str:
    """The text that closes a training completion: the turn marker the engine stops on."""
    if fmt.style in (PromptStyle.GEMMA, PromptStyle.CHATML):
        return fmt.end_of_turn
    if not tokenizer.eos_token:
        raise ValueError("the tokenizer has no EOS token to end completions with")
    return tokenizer.eos_token


@dataclass(frozen=True, slots=True)
class Rows:
    """Dataset rows for a trainer, and how many examples could not be used."""

    rows: list[dict[str, str]]
    skipped: int = 0


def log_and_frame(example: Example, order: OutputOrder, fmt: PromptFormat) -> dict[str, str]:
    """A row's log text and its prompt without it: which pieces are the log's own words
    (``spelt_pieces``: those may be spelt, the fixed text never is)."""
    frame = to_prompt(replace(example, input=""), order, fmt).text
    return {"log": example.input, "frame": frame}


def sft_rows(
    examples: Iterable[Example],
    fmt: PromptFormat,
    eot: str,
    orders: Sequence[OutputOrder] = BOTH_ORDERS,
) -> Rows:
    """``{"prompt", "completion", "task", "order"}`` rows, each example once per order."""
    rows, skipped = [], 0
    for example in examples:
        if example.reasoning is None:
            skipped += 1
            continue
        for order in orders:
            rows.append(
                {
                    "prompt": to_prompt(example, order, fmt).text,
                    "completion": to_target(example, order) + eot,
                    "task": example.task.value,
                    "order": order.value,
                    **log_and_frame(example, order, fmt),
                }
            )
    if skipped:
        log.warning("skipped %d example(s) without reasoning", skipped)
    return Rows(rows, skipped)


def label_only_rows(examples: Iterable[Example], fmt: PromptFormat, eot: str) -> Rows:
    """X→Y rows: the answer-first prompt, and the answer block alone as the completion.

    This is the plain-SFT baseline R-Log's ablation compares against (label only, no reasoning).
    It is served exactly as fast mode serves a model (answer-first prompt, stop at
    ``</answer>``), so the evaluator scores it with ``--fast`` and no new protocol is needed.
    Examples without reasoning are usable here, so none is skipped.
    """
    rows = [
        {
            "prompt": to_prompt(example, OutputOrder.ANSWER_FIRST, fmt).text,
            "completion": answer_block(example.label) + eot,
            "task": example.task.value,
            "order": LABEL_ONLY,
            **log_and_frame(example, OutputOrder.ANSWER_FIRST, fmt),
        }
        for example in examples
    ]
    return Rows(rows)


def grpo_rows(
    examples: Iterable[Example],
    fmt: PromptFormat,
    orders: Sequence[OutputOrder] = BOTH_ORDERS,
) -> Rows:
    """Rows with the columns ``rlog_train.rewards.joint_reward`` reads: task, answer, log, order."""
    rows = [
        {
            "prompt": to_prompt(example, order, fmt).text,
            "task": example.task.value,
            "answer": example.label,
            "log": example.input,
            "order": order.value,
        }
        for example in examples
        for order in orders
    ]
    return Rows(rows)


def tasks_by_priority(names: str | Sequence[str] | None) -> list[Task]:
    """The tasks ``--tasks`` names (``protocol.parse_task_list``) in ``TASK_PRIORITY`` order."""
    chosen = parse_task_list(names)
    return [task for task in TASK_PRIORITY if task in chosen]


def limit_examples(
    by_task: dict[Task, list[Example]], limit: int | None, seed: int = 0
) -> list[Example]:
    """At most ``limit`` examples spread over the tasks, parsing and anomaly detection first.

    Quotas are dealt one at a time in ``TASK_PRIORITY`` order, so ``limit=2`` gives one parsing
    and one anomaly item; within a task the fixed-seed stratified ``sample`` picks the items.
    """
    tasks = [task for task in TASK_PRIORITY if by_task.get(task)]
    if limit is None:
        return [example for task in tasks for example in by_task[task]]
    quota = dict.fromkeys(tasks, 0)
    remaining = limit
    while remaining > 0 and any(quota[t] < len(by_task[t]) for t in tasks):
        for task in tasks:
            if remaining and quota[task] < len(by_task[task]):
                quota[task] += 1
                remaining -= 1
    return [example for task in tasks for example in sample(by_task[task], quota[task], seed)]


def training_examples(
    tasks: str | Sequence[str] | None = None,
    limit: int | None = None,
    seed: int = 0,
    data_dir: Path | None = None,
) -> list[Example]:
    """The cold-start training examples of ``tasks`` (a subset when ``limit`` is set)."""
    by_task = {task: load_split(task, "train", data_dir) for task in tasks_by_priority(tasks)}
    return limit_examples(by_task, limit, seed)


def parse_orders(name: str) -> tuple[OutputOrder, ...]:
    """``both`` → both orders; otherwise the one named (``label-only`` is the SFT trainer's own)."""
    if name == LABEL_ONLY:
        raise UsageError("--orders label-only is for the cold start (rlog-train sft) only")
    return BOTH_ORDERS if name == "both" else (OutputOrder(name),)


def tokenize_row(tokenizer: Any, prompt: str, completion: str) -> dict[str, list[int]]:
    """Ids as served: the prompt alone (BOS added once), then the completion's own tokens.

    llama.cpp prefills the prompt tokenized on its own, and the model then writes the completion,
    so the two are tokenized separately: a merge across the boundary (``\\n`` + ``<``) can never
    give the trainer a context the engine does not see. ``completion_mask`` marks the tokens the
    loss is taken on.
    """
    prompt_ids = tokenizer(prompt)["input_ids"]
    completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    return {
        "input_ids": prompt_ids + completion_ids,
        "completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids),
    }


def save_examples(examples: Iterable[Example], path: Path) -> None:
    """Write examples as a JSON list (for machines without the research data)."""
    import json

    records = [
        {
            "task": e.task.value,
            "instruction": e.instruction,
            "input": e.input,
            "label": e.label,
            "reasoning": e.reasoning,
            "source": e.source,
            "system": e.system,
        }
        for e in examples
    ]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def read_examples(path: Path) -> list[Example]:
    """Examples written by ``save_examples``."""
    import json

    records = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Example(**{**record, "task": Task(record["task"])}) for record in records]
