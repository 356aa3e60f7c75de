"""RL stage: GRPO with TRL's GRPOTrainer and R-Log's joint reward, continuing the SFT adapter.

Why it looks the way it does:

- The reward is ``rlog_train.rewards.joint_reward``: the format reward plus the task's own metric,
  the same ``score`` the evaluator uses. Rows carry the columns it reads (task, answer, log,
  order); prompts are plain strings rendered by the protocol, so TRL tokenizes exactly what the
  TUI sends and no chat template is involved.
- Generation stops on the format's end of turn (``<end_of_turn>`` for Gemma), as llama.cpp does.
- The policy starts from the cold-start adapter (``adapter``), loaded trainable on the base. With
  ``beta > 0`` TRL keeps a frozen copy of that adapter as the reference, so the KL term pulls
  towards the SFT policy, not the raw base. Without an adapter a fresh LoRA is trained.
- R-Log's settings are the defaults: group size 8, temperature 0.8, lr 4e-7, KL 0.001.
- TRL 1.16 has no prompt-length limit: prompts longer than ``max_prompt_length`` tokens are left
  out of the RL set (and counted) rather than cut, since a cut prompt is one the TUI never sends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlog_train.data import Example
from rlog_train.formatting import grpo_rows, parse_orders, prompt_format_for
from rlog_train.rewards import joint_reward
from rlog_train.sft import TrainResult, default_dtype, examples_for, lora_config, save_trained
from rlog_train.sft_config import (
    LORA_TARGETS,
    metrics_callback,
    read_metrics,
    shared_training_arguments,
    write_resolved,
)
from rlog_tui.errors import InputError, UsageError
from rlog_tui.protocol import PromptStyle
from rlog_tui.protocol.decoding import ROLLOUT

log = logging.getLogger(__name__)


@dataclass
class GRPORunConfig:
    """GRPO on the training prompts with the joint reward (R-Log's defaults)."""

    base: str = ""
    """The base the SFT adapter was trained on: HF id/path, ``.gguf`` or compact base folder."""
    adapter: str | None = None
    """The cold-start PEFT adapter folder to continue (None: train a fresh LoRA)."""
    output_dir: str = "runs/grpo"
    data_dir: str | None = None
    examples_file: str | None = None
    tasks: str = "all"
    limit: int | None = None
    orders: str = "both"
    seed: int = 0
    num_generations: int = 8
    """Group size G: completions sampled per prompt."""
    temperature: float = ROLLOUT.temperature
    top_p: float = ROLLOUT.top_p
    learning_rate: float = 4e-7
    beta: float = 0.001
    """KL coefficient against the reference (the SFT adapter)."""
    max_prompt_length: int = 1024
    max_completion_length: int = ROLLOUT.max_tokens
    batch_size: int = 8
    """Completions per device per step: a multiple of ``num_generations``."""
    grad_accum: int = 1
    epochs: float = 1.0
    max_steps: int = -1
    logging_steps: int = 1
    save_steps: int = 100
    save_total_limit: int = 2
    resume: bool = False
    dtype: str | None = None
    gradient_checkpointing: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: list[str] = field(default_factory=lambda: list(LORA_TARGETS))
    full_finetune: bool = False
    progress: bool = True


def grpo_dataset(
    examples: list[Example], tokenizer: Any, model_config: Any, orders: str, max_prompt: int
) -> tuple[Any, int]:
    """``(Dataset, prompts left out for length)`` with the reward's columns."""
    from datasets import Dataset

    fmt = prompt_format_for(model_config)
    rows = grpo_rows(examples, fmt, parse_orders(orders)).rows
    kept = [row for row in rows if len(tokenizer(row["prompt"])["input_ids"]) <= max_prompt]
    if not kept:
        raise UsageError(f"no prompt fits max_prompt_length={max_prompt} tokens")
    return Dataset.from_list(kept), len(rows) - len(kept)


def stop_token_ids(model_config: Any, tokenizer: Any) -> list[int]:
    """Token ids generation stops on: the turn's end marker (if a token) and EOS."""
    fmt = prompt_format_for(model_config)
    ids = []
    if fmt.style in (PromptStyle.GEMMA, PromptStyle.CHATML):
        marker = tokenizer.convert_tokens_to_ids(fmt.end_of_turn)
        if isinstance(marker, int) and marker != tokenizer.unk_token_id:
            ids.append(marker)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def load_policy(config: GRPORunConfig) -> tuple[Any, Any]:
    """Base + the SFT adapter, trainable (or the bare base when no adapter is given)."""
    from rlog_train.gguf_base import load_base

    if not config.base:
        raise UsageError("no base model: pass --base (the one the SFT adapter was trained on)")
    model, tokenizer = load_base(config.base, default_dtype(config.dtype))
    if config.adapter:
        from peft import PeftModel

        if not (Path(config.adapter) / "adapter_config.json").is_file():
            raise InputError(f"{config.adapter} is not a PEFT adapter folder")
        model = PeftModel.from_pretrained(model, config.adapter, is_trainable=True)
    return model, tokenizer


def train_grpo(
    config: GRPORunConfig,
    examples: list[Example] | None = None,
    model: Any = None,
    tokenizer: Any = None,
    reward_funcs: list[Any] | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Run GRPO as ``config`` says; returns where it wrote the adapter and what it logged.

    ``reward_funcs`` replaces the joint reward (tests wrap it to watch what it is given);
    ``callbacks`` are extra ``TrainerCallback``s (the GPU recipe's time guard).
    """
    from transformers import set_seed
    from trl import GRPOConfig, GRPOTrainer

    if config.batch_size % config.num_generations:
        raise UsageError(
            f"batch_size ({config.batch_size}) must be a multiple of "
            f"num_generations ({config.num_generations})"
        )
    out = Path(config.output_dir)
    write_resolved(config, out)
    set_seed(config.seed)
    if model is None:
        model, tokenizer = load_policy(config)
    examples = examples_for(config) if examples is None else examples
    dataset, too_long = grpo_dataset(
        examples, tokenizer, model.config, config.orders, config.max_prompt_length
    )
    if too_long:
        log.warning("left out %d prompt(s) over %d tokens", too_long, config.max_prompt_length)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    model.generation_config.eos_token_id = stop_token_ids(model.config, tokenizer)

    args = GRPOConfig(
        output_dir=str(out),
        num_generations=config.num_generations,
        temperature=config.temperature,
        top_p=config.top_p,
        repetition_penalty=ROLLOUT.repeat_penalty,
        beta=config.beta,
        max_completion_length=config.max_completion_length,
        **shared_training_arguments(config),
    )
    is_peft = hasattr(model, "peft_config")
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward_funcs or [joint_reward],
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=None if is_peft else lora_config(config),
        callbacks=[metrics_callback(out / "metrics.jsonl"), *callbacks],
    )
    resume = None
    if config.resume:
        from rlog_train.sft import _checkpoint

        resume = _checkpoint(out)
    state = trainer.train(resume_from_checkpoint=resume)
    _drop_reference_adapter(trainer.model)
    save_trained(trainer, tokenizer, out, config.full_finetune and not is_peft)
    return TrainResult(
        out, read_metrics(out / "metrics.jsonl"), len(dataset), too_long, state.global_step
    )


def _drop_reference_adapter(model: Any) -> None:
    """TRL adds a frozen ``ref`` copy of the adapter for the KL term: not part of the result."""
    peft_config = getattr(model, "peft_config", None)
    if peft_config and "ref" in peft_config:
        model.delete_adapter("ref")
