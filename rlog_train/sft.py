"""Cold start: supervised fine-tuning on R-Log's reasoning trajectories with TRL's SFTTrainer.

Why it looks the way it does:

- Rows come from ``rlog_train.formatting``: the protocol's prompt text and target, in both output
  orders, so one adapter serves R-Log and R-Log-fast and the model is trained on exactly the text
  the TUI sends. They are tokenized here (prompt alone, then completion) and handed to TRL
  already tokenized with a ``completion_mask``; with ``completion_only_loss`` TRL labels every
  prompt token -100.
- LoRA (r=16, alpha=32 on all attention and MLP projections) is the default: 3.8M trainable
  parameters on gemma-3-270m, a 7.6 MB adapter that llama.cpp applies to the quantized base.
  ``full_finetune`` trains everything instead.
- bf16 on a GPU, fp32 on CPU (no bf16 autocast on CPU here: the tests must be exact and the
  speed-up there is modest). Checkpoints every ``save_steps``; ``resume`` continues the newest.
- Each run writes ``run_config.json`` (its config) and ``metrics.jsonl`` beside the adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlog_train.data import Example
from rlog_train.formatting import (
    LABEL_ONLY,
    end_of_turn,
    label_only_rows,
    parse_orders,
    prompt_format_for,
    read_examples,
    sft_rows,
    tokenize_row,
    training_examples,
)
from rlog_train.sft_config import (
    SFTRunConfig,
    length_grouping,
    metrics_callback,
    read_metrics,
    shared_training_arguments,
    write_resolved,
)
from rlog_tui.errors import InputError, UsageError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where a run wrote its output, and what it logged."""

    output_dir: Path
    metrics: list[dict[str, Any]]
    rows: int
    skipped: int
    global_step: int


def examples_for(config: Any) -> list[Example]:
    """The run's examples: from ``examples_file`` if given, else the data folder's train split;
    then free-text answers cut to ``answer_words`` (``data.short_answer``), capped per task and
    with anomalies repeated as the config says (``data.mixture``), and ``synthetic_parsing``
    generated parsing items added."""
    from rlog_train.data.mixture import mixture
    from rlog_train.data.short_answer import shorten_answers
    from rlog_train.data.synthetic_parsing import synthetic_parsing
    from rlog_tui.protocol import parse_task_list

    if config.examples_file:
        from rlog_train.formatting import limit_examples, tasks_by_priority

        examples = read_examples(Path(config.examples_file))
        tasks = tasks_by_priority(config.tasks)
        by_task = {task: [e for e in examples if e.task is task] for task in tasks}
        chosen = limit_examples(by_task, config.limit, config.seed)
    else:
        data_dir = Path(config.data_dir) if config.data_dir else None
        chosen = training_examples(config.tasks, config.limit, config.seed, data_dir)
    limits = getattr(config, "task_limits", None)
    repeat = getattr(config, "abnormal_repeat", 1)
    short_tasks = getattr(config, "answer_words_tasks", None)
    chosen = shorten_answers(
        chosen,
        getattr(config, "answer_words", None),
        parse_task_list(short_tasks) if short_tasks else None,
    )
    generated = synthetic_parsing(getattr(config, "synthetic_parsing", 0), config.seed)
    return mixture(chosen, limits, repeat, config.seed) + generated


def lora_config(config: Any) -> Any:
    """The PEFT LoRA config of a run (``None`` for a full fine-tune)."""
    if getattr(config, "full_finetune", False):
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_targets),
        task_type="CAUSAL_LM",
    )


def default_dtype(dtype: str | None) -> str:
    """bf16 on a GPU, fp32 on CPU, unless a dtype is given."""
    import torch

    if dtype:
        return dtype
    return "bfloat16" if torch.cuda.is_available() else "float32"


def sft_dataset(
    examples: list[Example],
    tokenizer: Any,
    model_config: Any,
    orders: str,
    spelt_share: float = 0.0,
    seed: int = 0,
) -> Any:
    """``(Dataset of input_ids/completion_mask, Rows)`` for the SFT trainer; with
    ``spelt_share`` some log words spelt in smaller pieces (``spelt_pieces``)."""
    from datasets import Dataset

    from rlog_train.spelt_pieces import spell_rows

    fmt = prompt_format_for(model_config)
    eot = end_of_turn(fmt, tokenizer)
    if orders == LABEL_ONLY:
        rows = label_only_rows(examples, fmt, eot)
    else:
        rows = sft_rows(examples, fmt, eot, parse_orders(orders))
    if not rows.rows:
        raise InputError("no training rows: every example lacks reasoning or the subset is empty")
    tokenized = [tokenize_row(tokenizer, r["prompt"], r["completion"]) for r in rows.rows]
    size = getattr(model_config, "vocab_size", None)
    tokenized = spell_rows(tokenized, rows.rows, tokenizer, spelt_share, seed, size)
    kept = within_vocabulary(tokenized, size)
    if not kept:
        raise InputError(
            "no training row fits the base's vocabulary (a compact base from other data?)"
        )
    return Dataset.from_list(kept), rows


def within_vocabulary(
    tokenized: list[dict[str, list[int]]], size: int | None
) -> list[dict[str, list[int]]]:
    """The rows whose every token has an embedding; the others are dropped, and logged.

    A compact base (``scripts/gpu_recipe.py prepare``) keeps only the tokens its data used; a
    target written later can tokenize into a merge the base never kept (``output!).`` where the
    data had ``output!)``), which would otherwise crash the run mid-way in the embedding.
    """
    if not size:
        return tokenized
    kept = [ids for ids in tokenized if max(ids["input_ids"], default=0) < size]
    if len(kept) < len(tokenized):
        log.warning(
            "%d training row(s) dropped: a token outside the base's %d-token vocabulary "
            "(rebuild a compact base with scripts/gpu_recipe.py prepare to keep them)",
            len(tokenized) - len(kept),
            size,
        )
    return kept


def train_sft(
    config: SFTRunConfig,
    examples: list[Example] | None = None,
    model: Any = None,
    tokenizer: Any = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Run the cold start described by ``config``; returns where it wrote its output.

    ``callbacks`` are extra ``TrainerCallback``s (a benchmark's step clock, a time guard).
    """
    from transformers import set_seed
    from trl import SFTConfig, SFTTrainer

    from rlog_train.gguf_base import load_base

    if not config.base and model is None:
        raise UsageError("no base model: pass --base (HF id/path, .gguf file or compact base)")
    out = Path(config.output_dir)
    write_resolved(config, out)
    set_seed(config.seed)
    if model is None:
        model, tokenizer = load_base(config.base, default_dtype(config.dtype))
    peft_config = lora_config(config)
    if config.init_adapter:
        model, peft_config = continued_adapter(model, config), None
    examples = examples_for(config) if examples is None else examples
    dataset, rows = sft_dataset(
        examples,
        tokenizer,
        model.config,
        config.orders,
        getattr(config, "spelt_pieces", 0.0),
        config.seed,
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    log.info("cold start on %d rows (%d examples skipped)", len(dataset), rows.skipped)

    args = SFTConfig(
        output_dir=str(out),
        completion_only_loss=True,
        max_length=config.max_length,
        packing=False,
        warmup_steps=config.warmup,
        lr_scheduler_type=config.lr_scheduler,
        weight_decay=config.weight_decay,
        include_num_input_tokens_seen="non_padding",
        **length_grouping(config.group_by_length),
        **shared_training_arguments(config),
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[metrics_callback(out / "metrics.jsonl"), *callbacks],
    )
    state = trainer.train(resume_from_checkpoint=_checkpoint(out) if config.resume else None)
    save_trained(trainer, tokenizer, out, config.full_finetune)
    return TrainResult(
        out, read_metrics(out / "metrics.jsonl"), len(dataset), rows.skipped, state.global_step
    )


def continued_adapter(model: Any, config: Any) -> Any:
    """``model`` wearing the saved adapter ``config.init_adapter``, its LoRA weights trainable.

    A second stage starts from what the first learned instead of a fresh adapter; the base must
    be the one the adapter was trained on (a compact base remaps token ids).
    """
    from peft import PeftModel

    if config.full_finetune:
        raise UsageError("init_adapter continues a LoRA adapter; it cannot be a full fine-tune")
    folder = Path(config.init_adapter)
    if not (folder / "adapter_config.json").is_file():
        raise InputError(f"init_adapter {folder}: no adapter_config.json (not a saved adapter)")
    return PeftModel.from_pretrained(model, str(folder), is_trainable=True)


def _checkpoint(out: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    found = get_last_checkpoint(str(out)) if out.is_dir() else None
    if found is None:
        log.warning("--resume: no checkpoint in %s, starting afresh", out)
    return found


def save_trained(trainer: Any, tokenizer: Any, out: Path, full: bool) -> None:
    """Save the adapter (safetensors), or a standalone model for a full fine-tune; and tokenizer."""
    if full:
        from rlog_train.gguf_base import standalone_copy

        standalone_copy(trainer.accelerator.unwrap_model(trainer.model)).save_pretrained(out)
    else:
        # LoRA only: the embeddings are frozen base weights. PEFT would save them too ("resized
        # during finetuning") when a stage continues an adapter made on another compact base,
        # and the GGUF converter takes LoRA pairs only.
        model = trainer.accelerator.unwrap_model(trainer.model)
        model.save_pretrained(str(out), save_embedding_layers=False)
    tokenizer.save_pretrained(out)
