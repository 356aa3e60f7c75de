"""The one-GPU R-Log recipe: cold start on the full training set → bounded GRPO → adapter → eval.

Why two modes: the GPU machine has no network, no research data and receives at most 64 MiB per
call, so everything it needs is prepared here first.

    # CPU side: compact base (trimmed vocabulary) + training and evaluation examples
    python scripts/gpu_recipe.py prepare recipe_in --base model.gguf --body gguf
    # GPU side (one H100, well inside 12 minutes): writes adapter, eval.json, timings.json
    python scripts/gpu_recipe.py run recipe_in --out "$OUT"

``prepare`` writes ``base/`` (``rlog_train.gguf_base.build_compact_base`` over every prompt and
completion the run will see: all tasks, both orders, plus the evaluation prompts), ``train.json``
and ``eval.json`` (examples), and ``recipe.json`` (what was prepared). ``run`` trains with the same
``rlog_train.sft``/``rlog_train.grpo`` code the CLI runs, then evaluates a fixed-seed sample of the
test splits with batched HF generation (left padding), scored by ``rlog_train.rewards.score`` and
``rlog_train.metrics``, and prints a short table last. ``--tiny`` shrinks every size so the whole
path runs on a CPU in seconds (``tests/test_gpu_recipe.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass
class RunSizes:
    """How much work each stage does; the defaults fit one H100 well inside 12 minutes."""

    sft_epochs: float = 1.0
    sft_batch: int = 16
    sft_lr: float = 2e-4
    max_length: int = 1536
    grpo_steps: int = 12
    grpo_prompts: int = 256
    num_generations: int = 8
    grpo_batch: int = 32
    grpo_lr: float = 4e-7
    max_prompt_length: int = 1024
    max_completion_length: int = 384
    eval_new_tokens: int = 384
    eval_batch: int = 64
    orders: str = "both"


TINY = RunSizes(
    sft_epochs=2.0,
    sft_batch=2,
    sft_lr=1e-3,
    max_length=1024,
    grpo_steps=1,
    grpo_prompts=2,
    num_generations=2,
    grpo_batch=2,
    grpo_lr=1e-4,
    max_prompt_length=1024,
    max_completion_length=8,
    eval_new_tokens=8,
    eval_batch=4,
)


# --- prepare (CPU side) -------------------------------------------------------------------------


def prepare(
    out: Path,
    base: str,
    *,
    body: str = "gguf",
    eval_per_task: int = 10,
    seed: int = 0,
    data_dir: Path | None = None,
    train_file: Path | None = None,
    eval_file: Path | None = None,
) -> dict:
    """Write the compact base and the examples the GPU run needs into ``out``."""
    from rlog_train.data import load_split, sample, to_prompt
    from rlog_train.formatting import (
        BOTH_ORDERS,
        end_of_turn,
        prompt_format_for,
        read_examples,
        save_examples,
        sft_rows,
        training_examples,
    )
    from rlog_train.gguf_base import build_compact_base, is_gguf, load_tokenizer
    from rlog_tui.protocol import Task

    out.mkdir(parents=True, exist_ok=True)
    train = read_examples(train_file) if train_file else training_examples(data_dir=data_dir)
    if eval_file:
        evaluation = read_examples(eval_file)
    else:
        evaluation = [
            example
            for task in Task
            for example in sample(load_split(task, "test", data_dir), eval_per_task, seed)
        ]
    save_examples(train, out / "train.json")
    save_examples(evaluation, out / "eval.json")

    tokenizer = load_tokenizer(base)
    config = _config_of(base)
    fmt = prompt_format_for(config)
    rows = sft_rows(train, fmt, end_of_turn(fmt, tokenizer)).rows
    texts = [row["prompt"] + row["completion"] for row in rows]
    texts += [to_prompt(e, order, fmt).text for e in evaluation for order in BOTH_ORDERS]
    report = build_compact_base(
        base,
        texts,
        out / "base",
        body=body if is_gguf(base) else "safetensors",
        pack_tokenizer=True,
    )
    summary = {
        "base": str(base),
        "train_examples": len(train),
        "train_rows": len(rows),
        "eval_examples": len(evaluation),
        "compact_base": asdict(report),
    }
    (out / "recipe.json").write_text(json.dumps(summary, indent=2))
    return summary


def _config_of(base: str):
    from transformers import AutoConfig

    path = Path(base)
    if path.suffix == ".gguf":
        return AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    return AutoConfig.from_pretrained(base)


# --- run (GPU side) -----------------------------------------------------------------------------


def run(inputs: Path, out: Path, sizes: RunSizes, seed: int = 0) -> dict:
    """Cold start → GRPO → adapter → batched evaluation; returns the eval record."""
    import torch

    from rlog_train.formatting import read_examples
    from rlog_train.grpo import GRPORunConfig, train_grpo
    from rlog_train.sft import train_sft
    from rlog_train.sft_config import SFTRunConfig

    torch.backends.cuda.matmul.allow_tf32 = True
    out.mkdir(parents=True, exist_ok=True)
    work = Path(os.environ.get("RECIPE_WORK", "/tmp/rlog_recipe"))
    shutil.rmtree(work, ignore_errors=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    base = str(inputs / "base")
    never = 10**9

    sft = train_sft(
        SFTRunConfig(
            base=base,
            output_dir=str(work / "sft"),
            examples_file=str(inputs / "train.json"),
            orders=sizes.orders,
            epochs=sizes.sft_epochs,
            batch_size=sizes.sft_batch,
            learning_rate=sizes.sft_lr,
            max_length=sizes.max_length,
            logging_steps=10,
            save_steps=never,
            seed=seed,
        )
    )
    timings["sft_s"] = time.perf_counter() - start
    mark = time.perf_counter()
    grpo = train_grpo(
        GRPORunConfig(
            base=base,
            adapter=str(sft.output_dir),
            output_dir=str(work / "grpo"),
            examples_file=str(inputs / "train.json"),
            limit=sizes.grpo_prompts,
            orders=sizes.orders,
            num_generations=sizes.num_generations,
            batch_size=sizes.grpo_batch,
            learning_rate=sizes.grpo_lr,
            max_steps=sizes.grpo_steps,
            max_prompt_length=sizes.max_prompt_length,
            max_completion_length=sizes.max_completion_length,
            save_steps=never,
            seed=seed,
        )
    )
    timings["grpo_s"] = time.perf_counter() - mark
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        shutil.copy(grpo.output_dir / name, out / name)
    shutil.copy(sft.output_dir / "metrics.jsonl", out / "sft_metrics.jsonl")
    shutil.copy(grpo.output_dir / "metrics.jsonl", out / "grpo_metrics.jsonl")

    mark = time.perf_counter()
    examples = read_examples(inputs / "eval.json")
    record = evaluate(base, str(grpo.output_dir), examples, sizes)
    timings["eval_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - start
    timings = {key: round(value, 1) for key, value in timings.items()}
    record.update(
        timings=timings,
        sft={"rows": sft.rows, "steps": sft.global_step, "loss": _losses(sft.metrics)},
        grpo={"prompts": grpo.rows, "steps": grpo.global_step, "reward": _rewards(grpo.metrics)},
        sizes=asdict(sizes),
        device=torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
    )
    (out / "eval.json").write_text(json.dumps(record, indent=2))
    (out / "timings.json").write_text(json.dumps(timings, indent=2))
    print(table(record))
    return record


def _losses(metrics: list[dict]) -> list[float]:
    return [m["loss"] for m in metrics if "loss" in m]


def _rewards(metrics: list[dict]) -> list[float]:
    return [m["reward"] for m in metrics if "reward" in m]


def evaluate(base: str, adapter: str, examples: list, sizes: RunSizes) -> dict:
    """Batched greedy generation in each order through ``rlog_train.evaluate.evaluate_hf`` (the
    evaluator's own judge), summarised per task and order."""
    from rlog_train.evaluate import EvalOptions, EvalSet, evaluate_hf
    from rlog_train.formatting import parse_orders
    from rlog_train.metrics import anomaly_scores

    by_task = defaultdict(list)
    for example in examples:
        by_task[example.task].append(example)
    sets = [EvalSet(task, "test", items, len(items), 0) for task, items in by_task.items()]
    rows, samples = [], []
    for order in parse_orders(sizes.orders):
        options = EvalOptions(
            tasks=tuple(by_task),
            max_tokens=sizes.eval_new_tokens,
            fast=order.value == "answer-first",
        )
        result = evaluate_hf(options, base, adapter, batch_size=sizes.eval_batch, sets=sets)
        for eval_set in sets:
            records = result.records_of(eval_set.name)
            if not records:
                continue
            n = len(records)
            row = {
                "task": eval_set.task.value,
                "order": order.value,
                "n": n,
                "format_ok": sum(r.format_ok for r in records) / n,
                "answer_score": sum(r.reward["answer"] for r in records) / n,
                "reward": sum(r.reward["total"] for r in records) / n,
            }
            if eval_set.task.value == "anomaly":
                row["anomaly_f1"] = anomaly_scores(
                    [r.answer for r in records], [r.label for r in records]
                ).f1
            rows.append(row)
            samples += [
                {"task": r.task, "order": r.order, "out": r.raw_output}
                for r in records[: max(0, 10 - len(samples))]
            ]
    return {"rows": rows, "examples": len(examples), "samples": samples}


def table(record: dict) -> str:
    """The short Markdown table printed last."""
    lines = [
        "| task | order | n | format ok | answer score | reward |",
        "|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        lines.append(
            f"| {row['task']} | {row['order']} | {row['n']} | {row['format_ok']:.0%} | "
            f"{row['answer_score']:+.3f} | {row['reward']:+.3f} |"
        )
    timings = record.get("timings", {})
    lines.append("timings (s): " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("prepare", help="CPU side: compact base + examples into a folder")
    p.add_argument("folder", type=Path)
    p.add_argument("--base", help="GGUF or HF model (default: the embedded gemma-3-270m)")
    p.add_argument("--body", choices=("gguf", "safetensors"), default="gguf")
    p.add_argument("--eval-per-task", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--train-file", type=Path, help="examples JSON instead of the data folder")
    p.add_argument("--eval-file", type=Path, help="examples JSON instead of the test splits")
    r = sub.add_parser("run", help="GPU side: cold start → GRPO → adapter → eval")
    r.add_argument("folder", type=Path)
    r.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "recipe_out")))
    r.add_argument("--tiny", action="store_true", help="tiny sizes: a CPU dry run")
    r.add_argument("--seed", type=int, default=0)
    for name, value in asdict(RunSizes()).items():
        r.add_argument("--" + name.replace("_", "-"), type=type(value), default=None)
    args = parser.parse_args(argv)

    if args.mode == "prepare":
        base = args.base
        if base is None:
            from rlog_tui.models import embedded_model_path

            base = str(embedded_model_path())
        summary = prepare(
            args.folder,
            base,
            body=args.body,
            eval_per_task=args.eval_per_task,
            seed=args.seed,
            data_dir=args.data_dir,
            train_file=args.train_file,
            eval_file=args.eval_file,
        )
        print(json.dumps(summary, indent=2))
        return 0
    sizes = TINY if args.tiny else RunSizes()
    overrides = {
        name: getattr(args, name) for name in asdict(sizes) if getattr(args, name, None) is not None
    }
    sizes = RunSizes(**{**asdict(sizes), **overrides})
    run(args.folder, args.out, sizes, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
