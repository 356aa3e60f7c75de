"""The GPU run under a deadline: cold start → its adapter and evaluation in ``$OUT`` → GRPO in
short-answer phases → the final adapter and evaluation in ``$OUT``.

Why in this order: a call killed at its limit returns only what is already in ``$OUT``, so the SFT
adapter and its evaluation are written there before GRPO starts, and ``run.json`` (what ran, for
how long, why a stage stopped) is rewritten after every stage. Every stage runs under
``time_guard``: SFT stops at its share of the time left, GRPO stops when only the final
evaluation's time is left, and that evaluation is skipped (and said so) when even that is gone.

RL that can move the model: learning rate 5e-5 and β 0.001, the settings the CPU ablation needed
(lr 4e-7 changed nothing measurable). Rollouts are capped per task: ``prepare`` measures the
answer-first targets (answer, then a short cited reason) of each task, a task's cap is its 95th
percentile plus a quarter, and GRPO runs in phases of tasks with similar caps, shortest first, so
parsing and anomaly detection are never generated at the long tasks' length.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rlog_train.gpu_recipe.imports import missing_on_machine, recording_imports
from rlog_train.gpu_recipe.machine import OUT_DEPTH, OUT_FILE_BYTES, OUT_FILES
from rlog_train.gpu_recipe.plan import EVAL_SLACK, MIN_GRPO_SECONDS, SAVE_SECONDS, SFT_SHARE
from rlog_train.gpu_recipe.time_guard import StageClock, stop_in_time

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")
SHORT_CAP = 192
"""Tasks whose cap is at most this form the first GRPO phase (parsing, anomaly detection)."""
FIRST_PHASE_SHARE = 0.6


@dataclass
class RunSizes:
    """How much work each stage does at most; the time guard may stop a stage sooner."""

    sft_epochs: float = 2.0
    sft_batch: int = 16
    sft_lr: float = 2e-4
    sft_limit: int = 0
    """Training examples for SFT (0: all)."""
    max_length: int = 1536
    """Tokens of one SFT example, prompt and target; a longer one is cut at the end."""
    grpo_steps: int = 60
    grpo_prompts: int = 512
    num_generations: int = 8
    """GRPO's group: completions sampled per prompt, whose rewards are normalised together."""
    grpo_batch: int = 32
    grpo_lr: float = 5e-5
    grpo_beta: float = 0.001
    """Weight of the KL term that keeps the policy near the SFT adapter."""
    max_prompt_length: int = 1024
    max_completion_length: int = 512
    """Upper bound on every task's rollout cap."""
    eval_new_tokens: int = 256
    eval_batch: int = 64
    eval_limit: int = 0
    """Evaluation examples per task, the shortest (0: all that ``prepare`` sampled)."""
    orders: str = "answer-first"


TINY = RunSizes(
    sft_epochs=1.0,
    sft_batch=1,
    sft_lr=1e-3,
    sft_limit=2,
    max_length=256,
    grpo_steps=1,
    grpo_prompts=2,
    num_generations=2,
    grpo_batch=2,
    grpo_lr=1e-4,
    max_prompt_length=1024,
    max_completion_length=8,
    eval_new_tokens=8,
    eval_batch=4,
    eval_limit=1,
)
"""A CPU dry run of every stage, in seconds on a tiny model or minutes on the real base."""


def completion_cap(token_lengths: list[int]) -> int:
    """A task's rollout cap: the 95th percentile of its targets plus a quarter, in steps of 16."""
    ordered = sorted(token_lengths)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return 16 * math.ceil(1.25 * p95 / 16)


def grpo_phases(caps: dict[str, int], upper: int) -> list[tuple[list[str], int]]:
    """``[(tasks, cap)]``: the short-answer tasks first, then the rest, each at its longest cap."""
    short = sorted(t for t, c in caps.items() if c <= SHORT_CAP)
    long = sorted(t for t, c in caps.items() if c > SHORT_CAP)
    return [(tasks, min(upper, max(caps[t] for t in tasks))) for tasks in (short, long) if tasks]


class OutFolder:
    """``$OUT``: what comes back from the device, kept inside the tool's limits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def keep_adapter(self, stage: str, adapter_dir: Path, record: dict | None) -> None:
        """Copy a stage's adapter (and write its evaluation) under ``$OUT/<stage>/``."""
        target = self.root / stage
        target.mkdir(exist_ok=True)
        for name in ADAPTER_FILES:
            shutil.copy(adapter_dir / name, target / name)
        if record is not None:
            (target / "eval.json").write_text(json.dumps(record, indent=2))

    def problems(self) -> list[str]:
        """What would not come back: too many files, too big, too deep."""
        files = [p for p in self.root.rglob("*") if p.is_file()]
        found = [f"{len(files)} files (at most {OUT_FILES})"] if len(files) > OUT_FILES else []
        for path in files:
            depth = len(path.relative_to(self.root).parts)
            if depth > OUT_DEPTH + 1:
                found.append(f"{path.relative_to(self.root)} is too deep")
            if path.stat().st_size > OUT_FILE_BYTES:
                found.append(f"{path.relative_to(self.root)} is over 16 MiB")
        return found


Evaluate = Callable[[str, str, list, RunSizes], dict]


def guarded_run(
    inputs: Path, out: Path, sizes: RunSizes, deadline: float, evaluate: Evaluate, seed: int = 0
) -> dict:
    """Every stage of the GPU run, each in its share of the time left before ``deadline``; then
    what it imported that the GPU machine lacks, and what in ``$OUT`` would not come back."""
    with recording_imports() as direct:
        record, note = _stages(inputs, out, sizes, deadline, evaluate, seed)
    note(
        "end",
        missing_on_machine=missing_on_machine(sys.modules),
        direct_imports_missing=missing_on_machine(direct),
        out_problems=OutFolder(out).problems(),
    )
    return record


def _stages(
    inputs: Path, out: Path, sizes: RunSizes, deadline: float, evaluate: Evaluate, seed: int
) -> tuple[dict, Callable[..., None]]:
    import torch

    from rlog_train.formatting import read_examples
    from rlog_train.gguf_base import load_base
    from rlog_train.grpo import GRPORunConfig, train_grpo
    from rlog_train.sft import default_dtype, train_sft
    from rlog_train.sft_config import SFTRunConfig

    torch.backends.cuda.matmul.allow_tf32 = True
    started = time.time()
    folder = OutFolder(out)
    work = Path(os.environ.get("RECIPE_WORK") or tempfile.mkdtemp(prefix="rlog_recipe_"))
    base = str(inputs / "base")
    recipe = json.loads((inputs / "recipe.json").read_text())
    examples = read_examples(inputs / "eval.json")
    record: dict[str, Any] = {
        "sizes": asdict(sizes),
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "deadline_s": round(deadline - started, 1),
        "stages": {},
    }

    def note(stage: str, **facts: Any) -> None:
        record["stages"][stage] = {**record["stages"].get(stage, {}), **facts}
        record["elapsed_s"] = round(time.time() - started, 1)
        (out / "run.json").write_text(json.dumps(record, indent=2))
        print(f"[recipe] {stage}: {json.dumps(facts)}", flush=True)

    sft_clock = StageClock("sft", time.time() + SFT_SHARE * (deadline - time.time()))
    mark = time.time()
    sft = train_sft(
        SFTRunConfig(
            base=base,
            output_dir=str(work / "sft"),
            examples_file=str(inputs / "train.json"),
            limit=sizes.sft_limit or None,
            orders=sizes.orders,
            epochs=sizes.sft_epochs,
            batch_size=sizes.sft_batch,
            learning_rate=sizes.sft_lr,
            max_length=sizes.max_length,
            logging_steps=10,
            save_steps=10**9,
            seed=seed,
            progress=False,
        ),
        callbacks=[stop_in_time(sft_clock)],
    )
    note(
        "sft",
        seconds=round(time.time() - mark, 1),
        steps=sft.global_step,
        rows=sft.rows,
        stopped_by_guard=sft_clock.stopped_early,
        loss=_series(sft.metrics, "loss"),
    )

    mark = time.time()
    sft_eval = evaluate(base, str(sft.output_dir), examples, sizes)
    eval_seconds = time.time() - mark
    folder.keep_adapter("sft", sft.output_dir, sft_eval)
    note("sft_eval", seconds=round(eval_seconds, 1), rows=sft_eval["rows"])

    reserve = eval_seconds * EVAL_SLACK + SAVE_SECONDS
    grpo_end = deadline - reserve
    phases = grpo_phases(recipe["completion_caps"], sizes.max_completion_length)
    if grpo_end - time.time() < MIN_GRPO_SECONDS:
        note("grpo", skipped=f"{grpo_end - time.time():.0f} s left, under {MIN_GRPO_SECONDS}")
        return record, note
    model, tokenizer = load_base(base, default_dtype(None))
    from peft import PeftModel

    model = PeftModel.from_pretrained(model, str(sft.output_dir), is_trainable=True)
    adapter_dir = sft.output_dir
    for number, (tasks, cap) in enumerate(phases, 1):
        left = grpo_end - time.time()
        share = FIRST_PHASE_SHARE if number == 1 and len(phases) > 1 else 1.0
        clock = StageClock(f"grpo{number}", time.time() + share * left)
        if clock.left() < MIN_GRPO_SECONDS / 3:
            note(f"grpo{number}", tasks=tasks, cap=cap, skipped="no time left")
            continue
        mark = time.time()
        result = train_grpo(
            GRPORunConfig(
                base=base,
                output_dir=str(work / f"grpo{number}"),
                examples_file=str(inputs / "train.json"),
                tasks=",".join(tasks),
                limit=sizes.grpo_prompts,
                orders=sizes.orders,
                num_generations=sizes.num_generations,
                batch_size=sizes.grpo_batch,
                learning_rate=sizes.grpo_lr,
                beta=sizes.grpo_beta,
                max_steps=sizes.grpo_steps,
                max_prompt_length=sizes.max_prompt_length,
                max_completion_length=cap,
                save_steps=10**9,
                seed=seed,
                progress=False,
            ),
            model=model,
            tokenizer=tokenizer,
            callbacks=[stop_in_time(clock)],
        )
        adapter_dir = result.output_dir
        note(
            f"grpo{number}",
            tasks=tasks,
            cap=cap,
            seconds=round(time.time() - mark, 1),
            steps=result.global_step,
            stopped_by_guard=clock.stopped_early,
            reward=_series(result.metrics, "reward"),
        )

    if adapter_dir == sft.output_dir:
        return record, note
    if deadline - time.time() < eval_seconds * EVAL_SLACK:
        folder.keep_adapter("grpo", adapter_dir, None)
        note(
            "grpo_eval",
            skipped=f"{deadline - time.time():.0f} s left, eval needs {eval_seconds:.0f}",
        )
        return record, note
    mark = time.time()
    final = evaluate(base, str(adapter_dir), examples, sizes)
    folder.keep_adapter("grpo", adapter_dir, final)
    note("grpo_eval", seconds=round(time.time() - mark, 1), rows=final["rows"])
    return record, note


def _series(metrics: list[dict], key: str) -> list[float]:
    return [round(m[key], 4) for m in metrics if key in m]
