"""The one-GPU R-Log recipe: cold start on the full training set → bounded GRPO → adapter → eval.

Why several modes: the GPU machine has no network, no research data, receives at most 64 MiB per
call and runs a call for at most 10 minutes, so everything it needs is prepared here first, cut
into checksummed parts (``rlog_train.gpu_recipe.carry``), and the run there is guarded by a
deadline (``rlog_train.gpu_recipe.guarded_run``). ``scripts/gpu_recipe.sh`` drives these modes:

    prepare FOLDER       CPU side: compact base (trimmed vocabulary), train/eval examples,
                         each task's rollout cap (recipe.json)
    parts FOLDER ROOT    cut FOLDER into ROOT/callN/ slices that fit the calls, with manifests
    smoke ROOT           device call 1: imports of the run path, GPU, versions, slices' sha256
    check ROOT           a later carrying call: the slices so far are there and intact
    join ROOT TARGET     training call: every slice's sha256, then the inputs rebuilt in TARGET
    run TARGET --out D   training call: SFT → $OUT/sft → GRPO → $OUT/grpo, under --deadline

``run`` trains with the same ``rlog_train.sft``/``rlog_train.grpo`` code the CLI runs, evaluates a
fixed-seed sample of the test splits with batched HF generation, scored by the evaluator's own
judge, and prints a short table last. ``--tiny`` shrinks every size so the whole path runs on a
CPU (``tests/test_gpu_recipe.py``, ``scripts/gpu_recipe.sh rehearse``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from rlog_train.gpu_recipe.guarded_run import TINY, RunSizes, completion_cap
from rlog_tui.protocol import OutputOrder

RUN_PATH_MODULES = (
    "trl",
    "datasets",
    "peft",
    "gguf",
    "rlog_train.sft",
    "rlog_train.grpo",
    "rlog_train.evaluate.hf_runner",
    "rlog_train.gpu_recipe.guarded_run",
)
"""What the smoke call imports: the run path's entry points (the run itself imports the rest)."""


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
    synthetic_parsing_items: int = 0,
) -> dict:
    """Write the compact base and the examples the GPU run needs into ``out``; with
    ``synthetic_parsing_items`` N, the base also keeps the tokens of the N generated parsing items a
    run with the same ``seed`` adds (``rlog-train sft --synthetic_parsing N --seed SEED``)."""
    from rlog_train.data import load_split, sample, to_prompt
    from rlog_train.data.synthetic_parsing import synthetic_parsing
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
    train += synthetic_parsing(synthetic_parsing_items, seed)
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
        "completion_caps": completion_caps(rows, tokenizer),
        "base": str(base),
        "train_examples": len(train),
        "train_rows": len(rows),
        "eval_examples": len(evaluation),
        "compact_base": asdict(report),
    }
    (out / "recipe.json").write_text(json.dumps(summary, indent=2))
    return summary


def completion_caps(rows: list[dict], tokenizer) -> dict[str, int]:
    """Each task's GRPO rollout cap, from its answer-first targets' lengths in tokens."""
    lengths = defaultdict(list)
    for row in rows:
        if row["order"] == OutputOrder.ANSWER_FIRST.value:
            lengths[row["task"]].append(len(tokenizer(row["completion"])["input_ids"]))
    return {task: completion_cap(values) for task, values in sorted(lengths.items())}


def _config_of(base: str):
    from transformers import AutoConfig

    path = Path(base)
    if path.suffix == ".gguf":
        return AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    return AutoConfig.from_pretrained(base)


# --- device calls ------------------------------------------------------------------------------


def smoke(carry_root: Path, calls: set[int], allow_cpu: bool = False) -> int:
    """Device call 1: the run path imports, the GPU is there, versions, the slices so far."""
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    from rlog_train.gpu_recipe.carry import check_parts, read_manifest
    from rlog_train.gpu_recipe.imports import missing_on_machine
    from rlog_train.gpu_recipe.machine import CARRIED, REHEARSED

    started = time.time()
    for name in RUN_PATH_MODULES:
        importlib.import_module(name)
    import torch

    print(f"python {sys.version.split()[0]}; imports of the run path ok")
    for name in sorted({*REHEARSED, *CARRIED}):
        try:
            found = version(name)
        except PackageNotFoundError:
            found = "MISSING"
        wanted = REHEARSED.get(name) or CARRIED.get(name)
        flag = "" if found.split("+")[0] == wanted else f"   (rehearsed with {wanted})"
        print(f"  {name} {found}{flag}")
    missing = missing_on_machine(sys.modules)
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    print(f"GPU: {gpu or 'NONE'}")
    if calls:
        check_parts(carry_root, read_manifest(carry_root), calls)
        print(f"slices of call(s) {sorted(calls)}: sha256 ok")
    print(f"smoke took {time.time() - started:.1f} s")
    if missing or (gpu is None and not allow_cpu):
        print(f"SMOKE FAILED: missing {missing or '-'}, GPU {gpu}")
        return 1
    print("SMOKE OK" + ("" if gpu else " (no GPU: CPU rehearsal)"))
    return 0


def calls(carry_root: Path) -> int:
    """Print the plan of calls, after checking that each call still fits (the tree grows)."""
    from rlog_train.gpu_recipe.carry import read_manifest, tree_bytes
    from rlog_train.gpu_recipe.machine import CALL_BYTES, MIB
    from rlog_train.gpu_recipe.plan import render_calls

    manifest = read_manifest(carry_root)
    tree = tree_bytes(Path.cwd())
    wheels = sum(p.stat().st_size for p in (carry_root / "whl").glob("*.whl"))
    sizes = []
    for call in range(1, manifest["calls"] + 1):
        parts = sum(p["size"] for p in manifest["parts"] if p["call"] == call)
        total = (
            tree + wheels + parts + (carry_root / f"call{call}" / "manifest.json").stat().st_size
        )
        sizes.append(total)
        print(
            f"# call {call} carries {total / MIB:.1f} MiB (tree {tree / MIB:.1f}, wheels "
            f"{wheels / MIB:.1f}, slices {parts / MIB:.1f}) of {CALL_BYTES / MIB:.0f}"
        )
    print(render_calls(manifest["calls"]))
    if max(sizes) > CALL_BYTES:
        print("OVER THE LIMIT: the working tree grew; run scripts/gpu_recipe.sh prepare again")
        return 1
    return 0


def _call_set(text: str) -> set[int]:
    """``"0"`` → none, ``"2"`` → {2}, ``"1-3"`` → {1, 2, 3}."""
    first, _, last = text.partition("-")
    return set(range(int(first), int(last or first) + 1)) - {0}


# --- run (GPU side) -----------------------------------------------------------------------------


def run(inputs: Path, out: Path, sizes: RunSizes, deadline: float, seed: int = 0) -> dict:
    """The guarded run (``rlog_train.gpu_recipe.guarded_run``); prints the table last."""
    from rlog_train.gpu_recipe.guarded_run import guarded_run

    record = guarded_run(inputs, out, sizes, deadline, evaluate, seed)
    print(table(record))
    return record


def evaluate(base: str, adapter: str, examples: list, sizes: RunSizes) -> dict:
    """Batched greedy generation in each order through ``rlog_train.evaluate.evaluate_hf`` (the
    evaluator's own judge), summarised per task and order."""
    from rlog_train.evaluate import EvalOptions, EvalSet, evaluate_hf
    from rlog_train.formatting import parse_orders
    from rlog_train.metrics import anomaly_scores

    by_task = defaultdict(list)
    for example in examples:
        by_task[example.task].append(example)
    if sizes.eval_limit:  # a dry run: the cheapest examples of each task
        by_task = {
            task: sorted(items, key=lambda e: len(e.input))[: sizes.eval_limit]
            for task, items in by_task.items()
        }
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
    """The Markdown table printed last: each evaluated stage's rows, then the stages' times."""
    lines = [
        "| stage | task | order | n | format ok | answer score | reward |",
        "|---|---|---|---|---|---|---|",
    ]
    stages = record["stages"]
    for stage in ("sft_eval", "grpo_eval"):
        for row in stages.get(stage, {}).get("rows", []):
            lines.append(
                f"| {stage.removesuffix('_eval')} | {row['task']} | {row['order']} | {row['n']} | "
                f"{row['format_ok']:.0%} | {row['answer_score']:+.3f} | {row['reward']:+.3f} |"
            )
    times = [
        f"{name} {facts['seconds']}" + (" (guard)" if facts.get("stopped_by_guard") else "")
        for name, facts in stages.items()
        if "seconds" in facts
    ]
    skipped = [
        f"{name} skipped: {facts['skipped']}"
        for name, facts in stages.items()
        if "skipped" in facts
    ]
    lines.append("seconds: " + ", ".join(times) + "".join(f"; {s}" for s in skipped))
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
    p.add_argument(
        "--synthetic-parsing",
        type=int,
        default=0,
        help="keep the tokens of N generated parsing items (sft --synthetic_parsing N, --seed)",
    )
    c = sub.add_parser("parts", help="CPU side: cut FOLDER into slices that fit the calls")
    c.add_argument("folder", type=Path)
    c.add_argument("carry_root", type=Path)
    c.add_argument("--common-bytes", type=int, default=0, help="carried by every call (wheels)")
    for name, helps in (("smoke", "device call 1"), ("check", "a later carrying call")):
        s = sub.add_parser(name, help=helps)
        s.add_argument("carry_root", type=Path)
        s.add_argument("--calls", default="1", help="calls whose slices to check: 0, 2 or 1-3")
        s.add_argument("--allow-cpu", action="store_true", help="no GPU is fine (the rehearsal)")
    k = sub.add_parser("calls", help="the plan of device calls for the slices in CARRY_ROOT")
    k.add_argument("carry_root", type=Path)
    j = sub.add_parser("join", help="training call: check every slice, rebuild the inputs")
    j.add_argument("carry_root", type=Path)
    j.add_argument("target", type=Path)
    r = sub.add_parser("run", help="GPU side: cold start → GRPO → adapter → eval, guarded")
    r.add_argument("folder", type=Path)
    r.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "recipe_out")))
    r.add_argument("--deadline", type=float, help="seconds since the epoch when all must be done")
    r.add_argument("--budget-s", type=float, help="or: seconds from now")
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
            synthetic_parsing_items=args.synthetic_parsing,
        )
        print(json.dumps(summary, indent=2))
        return 0
    from rlog_train.gpu_recipe.carry import CarryError

    try:
        return _device_mode(args)
    except CarryError as error:
        print(f"gpu_recipe {args.mode}: {error}", file=sys.stderr)
        return 3


def _device_mode(args: argparse.Namespace) -> int:
    from rlog_train.gpu_recipe import carry

    if args.mode == "parts":
        capacity = carry.call_capacity(carry.tree_bytes(Path.cwd()), args.common_bytes)
        manifest = carry.write_parts(args.folder, args.carry_root, capacity)
        print(json.dumps({"calls": manifest["calls"], "capacity": capacity}))
        return 0
    if args.mode == "calls":
        return calls(args.carry_root)
    if args.mode == "smoke":
        return smoke(args.carry_root, _call_set(args.calls), args.allow_cpu)
    if args.mode == "check":
        carry.check_parts(
            args.carry_root, carry.read_manifest(args.carry_root), _call_set(args.calls)
        )
        print(f"slices of call(s) {args.calls}: sha256 ok")
        return 0
    if args.mode == "join":
        manifest = carry.join(args.carry_root, args.target)
        print(
            f"joined {len(manifest['files'])} files from {len(manifest['parts'])} slices, sha256 ok"
        )
        return 0
    sizes = TINY if args.tiny else RunSizes()
    overrides = {
        name: getattr(args, name) for name in asdict(sizes) if getattr(args, name, None) is not None
    }
    sizes = RunSizes(**{**asdict(sizes), **overrides})
    if args.deadline is None and args.budget_s is None:
        print(
            "gpu_recipe run: give --deadline (from the call's limit) or --budget-s", file=sys.stderr
        )
        return 2
    deadline = args.deadline if args.deadline is not None else time.time() + args.budget_s
    run(args.folder, args.out, sizes, deadline, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
