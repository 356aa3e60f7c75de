"""The one-GPU recipe, dry-run on CPU with a tiny model: prepare → SFT → GRPO → eval table."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from tiny_models import build_tiny_llama, tiny_examples

from rlog_train.data import Example
from rlog_train.formatting import save_examples
from rlog_tui.protocol import Task

pytest.importorskip("trl")

ROOT = Path(__file__).resolve().parents[1]
TRAIN = tiny_examples()
EVAL = [
    Example(Task.ANOMALY, TRAIN[0].instruction, "data TLB error", "abnormal", None, "test"),
    Example(
        Task.PARSE,
        TRAIN[1].instruction,
        "Receiving block blk_2",
        "Receiving block <*>",
        None,
        "test",
    ),
]


def _recipe():
    spec = importlib.util.spec_from_file_location("gpu_recipe", ROOT / "scripts" / "gpu_recipe.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_recipe_dry_run_on_cpu_writes_adapter_eval_and_table(tmp_path, capsys):
    import torch

    torch.set_num_threads(1)
    recipe = _recipe()
    tiny = build_tiny_llama(tmp_path / "tiny")
    save_examples(TRAIN, tmp_path / "train.json")
    save_examples(EVAL, tmp_path / "eval.json")
    inputs = tmp_path / "in"
    assert (
        recipe.main(
            [
                "prepare",
                str(inputs),
                "--base",
                str(tiny),
                "--train-file",
                str(tmp_path / "train.json"),
                "--eval-file",
                str(tmp_path / "eval.json"),
            ]
        )
        == 0
    )
    prepared = json.loads((inputs / "recipe.json").read_text())
    assert prepared["train_rows"] == 4 and prepared["compact_base"]["kept_tokens"] < 512

    out = tmp_path / "out"
    assert recipe.main(["run", str(inputs), "--out", str(out), "--tiny"]) == 0
    assert (out / "adapter_model.safetensors").is_file()
    record = json.loads((out / "eval.json").read_text())
    assert {(r["task"], r["order"]) for r in record["rows"]} == {
        ("anomaly", "reason-first"),
        ("anomaly", "answer-first"),
        ("parse", "reason-first"),
        ("parse", "answer-first"),
    }
    assert set(record["timings"]) == {"sft_s", "grpo_s", "eval_s", "total_s"}
    assert len(list(out.iterdir())) <= 8  # what the device tool brings back
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1].startswith("timings (s):")
    assert printed[-2].startswith("| parse |")
