"""CPU training speed of the cold start: tokens per second before and after each speed-up.

Why: a CPU run over R-Log's 2,628 items took 97 minutes, and the issue asks for it faster, measured.
Most of a step's cost was where it does no good: the 262,144-row output layer of gemma-3 (the loss
needs logits only over tokens the data can produce) and padding (a 1,000-token generation row
batched beside three 150-token anomaly rows makes four 1,000-token rows). Each configuration
trains the same LoRA (r=16, seven projections, completion-only loss) on the same rows with the
project's own trainer (``rlog_train.sft.train_sft``), batch 4, for one pass:

- ``full vocabulary, random batches`` (before): the embedded GGUF dequantized, all 262k rows;
- ``compact vocabulary, random batches``: ``scripts/gpu_recipe.py prepare``'s compact base,
  17,783 rows (every token the training data uses, plus special and byte tokens);
- ``compact vocabulary, length-grouped batches`` (now the default, ``group_by_length``).

Tokens/s counts non-padding tokens (``num_input_tokens_seen``, prompt and completion) over the
steps after the first (which pays for allocations). Each configuration runs in its own process,
one after the other, in one run: ratios are against the first, on the same machine and load.

Run: ``.venv/bin/python bench/train_speed.py [--rows 48] [--compact runs/cpu-base/base]`` (the
compact base comes from ``scripts/gpu_recipe.py prepare DIR --base GGUF``; ``runs/`` is not
committed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CONFIGS = {
    "full-random": ("full vocabulary, random batches", False, False),
    "compact-random": ("compact vocabulary, random batches", True, False),
    "compact-grouped": ("compact vocabulary, length-grouped batches", True, True),
}


def measure(name: str, rows: int, compact: str, seed: int) -> dict[str, Any]:
    """Train one configuration for one pass over ``rows`` rows; its tokens/s after step one."""
    from transformers import TrainerCallback

    from rlog_train.formatting import training_examples
    from rlog_train.sft import train_sft
    from rlog_train.sft_config import SFTRunConfig
    from rlog_tui.config import Settings
    from rlog_tui.models import resolve_model

    label, use_compact, grouped = CONFIGS[name]
    base = compact if use_compact else str(resolve_model(Settings(adapter="none"), {}).model_path)
    marks: list[tuple[float, int]] = []

    class StepClock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[override]
            marks.append((time.perf_counter(), int(state.num_input_tokens_seen)))

    examples = training_examples("all", rows, seed)
    with tempfile.TemporaryDirectory() as out:
        config = SFTRunConfig(
            base=base,
            output_dir=out,
            orders="answer-first",
            batch_size=4,
            epochs=1.0,
            max_length=1024,
            group_by_length=grouped,
            save_steps=10_000,
            progress=False,
            seed=seed,
        )
        started = time.perf_counter()
        train_sft(config, examples=examples, callbacks=[StepClock()])
        total = time.perf_counter() - started
    (t0, n0), (t1, n1) = marks[0], marks[-1]
    return {
        "config": name,
        "label": label,
        "steps": len(marks),
        "tokens_after_step_1": n1 - n0,
        "seconds_after_step_1": round(t1 - t0, 2),
        "tokens_per_s": round((n1 - n0) / (t1 - t0), 1),
        "wall_s_with_load": round(total, 1),
    }


def machine() -> str:
    """The machine line of the table: CPUs and model (``provenance``), torch and its threads."""
    import torch

    from rlog_train.evaluate.provenance import machine_info

    info = machine_info()
    return (
        f"{info['nproc']} CPUs, {info['cpu']}, torch {torch.__version__} with "
        f"{torch.get_num_threads()} thread(s), Python {info['python']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=48, help="training rows (one pass)")
    parser.add_argument("--compact", default="runs/cpu-base/base", help="compact base folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", choices=sorted(CONFIGS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.rows, args.compact, args.seed)))
        return
    results = []
    for name in CONFIGS:
        command = [sys.executable, __file__, "--one", name, "--rows", str(args.rows)]
        command += ["--compact", args.compact, "--seed", str(args.seed)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{name} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{name}: {results[-1]['tokens_per_s']} tokens/s", file=sys.stderr)
    baseline = results[0]["tokens_per_s"]
    print(f"Machine: {machine()}; {args.rows} rows of every task, batch 4, seed {args.seed}.")
    print()
    print("| configuration | steps | tokens/s (non-padding) | vs before |")
    print("|---|---|---|---|")
    for row in results:
        ratio = row["tokens_per_s"] / baseline
        print(f"| {row['label']} | {row['steps']} | {row['tokens_per_s']} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
