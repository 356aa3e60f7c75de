"""Run configuration of the trainers: dataclasses parsed by TRL's parser, from YAML and flags.

``SFTRunConfig`` is the cold start's; ``rlog_train.grpo.GRPORunConfig`` reuses the helpers here.

Precedence is flag > YAML file (``--config``) > dataclass default; every field is a typed flag.
Every run writes its resolved config beside its output (``run_config.json``) so a result can
always be traced to the settings that produced it, and its logged metrics as ``metrics.jsonl``
(one JSON object per logging step).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import json
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rlog_tui.errors import UsageError

T = TypeVar("T")

LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class SFTRunConfig:
    """Cold start: supervised fine-tuning on the reasoning trajectories (both output orders)."""

    base: str = ""
    """HF model id/path, a ``.gguf`` file, or a compact base folder (``rlog_train.gguf_base``)."""
    output_dir: str = "runs/sft"
    """Where the adapter (or full model), checkpoints, run_config.json and metrics.jsonl go."""
    data_dir: str | None = None
    """The research data (default: $RLOG_DATA_DIR, else ../shared/data)."""
    examples_file: str | None = None
    """A JSON list of examples (``gpu_recipe --prepare``) used instead of the data folder."""
    tasks: str = "all"
    """Comma-separated tasks, or ``all``."""
    limit: int | None = None
    """At most this many examples (parsing and anomaly detection first)."""
    orders: str = "both"
    """``both``, ``reason-first`` or ``answer-first``."""
    task_limits: dict[str, int] | None = None
    """At most N examples of each task named (a fixed-seed sample), e.g. ``{parse: 200}``: the
    replay share of a second stage that must not forget the other tasks."""
    abnormal_repeat: int = 1
    """Each abnormal anomaly item appears this many times per epoch (they are a fifth of A.D.)."""
    answer_words: int | None = None
    """Cut interpretation/root-cause/solution labels to their leading sentences within this many
    words (``data.short_answer``): a short answer comes first in time. None: whole labels."""
    answer_words_tasks: str | None = None
    """Comma-separated free-text tasks ``answer_words`` applies to (default: all three), e.g.
    ``interpret,root-cause`` to keep solutions whole."""
    spelt_pieces: float = 0.0
    """Spell each distinct word piece of a row's log in smaller pieces with this probability, in
    prompt and target alike (``spelt_pieces``): the model learns to read and copy words its
    vocabulary lacks, and ``rlog-quantize adapter`` marks it to be served over its trained tokens
    alone (1.85x faster per token on gemma-3-270m). 0: rows as written."""
    synthetic_parsing: int = 0
    """Add this many generated log-parsing items (``data.synthetic_parsing``: message skeletons
    written for rlog, values of many kinds: paths, hex codes, UUIDs, addresses) after the replay
    caps; their words must be in the base's vocabulary (build a compact base with them). 0: none."""
    init_adapter: str | None = None
    """A saved LoRA adapter folder to go on training (a second stage) instead of a fresh one."""
    seed: int = 0
    full_finetune: bool = False
    """Train every weight instead of a LoRA adapter."""
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: list[str] = field(default_factory=lambda: list(LORA_TARGETS))
    learning_rate: float = 2e-4
    epochs: float = 1.0
    max_steps: int = -1
    """Stop after this many optimizer steps (-1: run ``epochs``)."""
    batch_size: int = 4
    grad_accum: int = 1
    max_length: int = 2048
    """Longer prompt+completion sequences are cut at the end (the prompt is kept)."""
    warmup: float = 0.03
    """Warm-up: a fraction of the steps if below 1, else a number of steps."""
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    gradient_checkpointing: bool = False
    group_by_length: bool = True
    """Batch rows of similar length: a 1,000-token row padded beside three 150-token anomaly
    rows costs four long rows; grouped, short rows train in short batches (bench/train_speed.py)."""
    logging_steps: int = 10
    save_steps: int = 200
    save_total_limit: int = 2
    resume: bool = False
    """Continue from the newest checkpoint in ``output_dir``."""
    dtype: str | None = None
    """Weights dtype: None = bf16 on a GPU, fp32 on CPU."""
    progress: bool = True


FLAG_ALIASES = {
    "--lr": ["--learning_rate"],
    "--out": ["--output_dir"],
    "-o": ["--output_dir"],
    "--full": ["--full_finetune", "true"],
    "--lora": ["--full_finetune", "false"],
    "--no-resume": ["--resume", "false"],
}
"""rlog's own short spellings of run options (``-o/--out`` as in every rlog command)."""


def _field_docs(cls: type) -> dict[str, str]:
    """Each field's attribute docstring (the string right under it), for ``--help``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _expand(args: list[str]) -> list[str]:
    """``--set KEY=VALUE`` and rlog's aliases as the option names the parser knows."""
    out: list[str] = []
    items = iter(args)
    for item in items:
        if item == "--set" or item.startswith("--set="):
            assignment = item.partition("=")[2] if item.startswith("--set=") else next(items, "")
            key, sep, value = assignment.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--set expects KEY=VALUE, got {assignment!r}")
            out += [f"--{key.strip().replace('-', '_')}", value]
        else:
            out += FLAG_ALIASES.get(item, [item])
    return out


def _mapping(text: str) -> dict[str, Any]:
    """A mapping flag's value, written as YAML or JSON: ``{anomaly: 100}``."""
    import argparse

    import yaml

    value = yaml.safe_load(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a mapping like {{anomaly: 100}}, got {text!r}")
    return value


def parse_run_config(cls: type[T], args: Sequence[str], prog: str) -> T:
    """A run config from the command line, through TRL's own parser (``TrlParser``).

    ``--config FILE.yaml`` sets the defaults, then flags override them; every field is a flag
    (``--learning_rate`` or ``--learning-rate``), typed by the dataclass, so ``--set
    learning_rate=1e-4`` stores a float. ``--help`` lists every field with its default.
    """
    from trl import TrlParser

    parser = TrlParser(cls, prog=prog, description=cls.__doc__)
    docs = _field_docs(cls)
    types = {f.name: getattr(f.type, "__name__", str(f.type)) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for action in parser._actions:  # argparse has no public way to set a help text afterwards
        if action.dest in types and not action.help:
            action.help = docs.get(action.dest) or f"{types[action.dest]}."
        if action.dest in types and "dict" in types[action.dest]:
            action.type = _mapping  # the parser would call dict() on the string
    parser.add_argument("--config", help="YAML file of run options (flags override it).")
    expanded = _expand(list(args))
    try:
        config = parser.parse_args_and_config(expanded)[0]  # [1]: the --config namespace
    except (ValueError, OSError) as error:  # unknown flags, a bad --config file
        raise UsageError(str(error).splitlines()[0]) from None
    return config


def write_resolved(config: Any, output_dir: str | Path, name: str = "run_config.json") -> Path:
    """Write the resolved run config as JSON beside the run's output."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    path.write_text(json.dumps(dataclasses.asdict(config), indent=2, default=str) + "\n")
    return path


def metrics_callback(path: str | Path) -> Any:
    """A ``TrainerCallback`` appending every log record (loss, reward, lr …) to ``path``."""
    from transformers import TrainerCallback

    target = Path(path)

    class MetricsWriter(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[override]
            if not state.is_world_process_zero or not logs:
                return
            record = {"step": state.global_step, "time": round(time.time(), 3), **logs}
            with target.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, default=float) + "\n")

    return MetricsWriter()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` file."""
    target = Path(path)
    if not target.is_file():
        return []
    return [json.loads(line) for line in target.read_text().splitlines() if line.strip()]


def shared_training_arguments(config: Any) -> dict[str, Any]:
    """The TrainingArguments both trainers (SFT and GRPO) take from a run config, alike."""
    return {
        "learning_rate": config.learning_rate,
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps,
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "gradient_checkpointing": config.gradient_checkpointing,
        "logging_steps": config.logging_steps,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": config.save_total_limit,
        "seed": config.seed,
        "report_to": "none",
        "disable_tqdm": not config.progress,
        **accelerator_settings(),
    }


def length_grouping(enabled: bool) -> dict[str, Any]:
    """TrainingArguments that batch rows of similar length, in this transformers' spelling.

    transformers 5.2x names it ``train_sampling_strategy="group_by_length"``; older releases (the
    GPU machine's 5.17) had ``group_by_length=True``. Off, nothing is passed (random batches).
    """
    if not enabled:
        return {}
    from dataclasses import fields

    from transformers import TrainingArguments

    names = {f.name for f in fields(TrainingArguments)}
    if "train_sampling_strategy" in names:
        return {"train_sampling_strategy": "group_by_length"}
    if "group_by_length" in names:
        return {"group_by_length": True}
    return {}


def accelerator_settings() -> dict[str, Any]:
    """``use_cpu``/``bf16`` for TrainingArguments: bf16 on a GPU, fp32 on CPU."""
    import torch

    if torch.cuda.is_available():
        return {"use_cpu": False, "bf16": torch.cuda.is_bf16_supported(), "fp16": False}
    return {"use_cpu": True, "bf16": False, "fp16": False}
