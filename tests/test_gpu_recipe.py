"""The one-GPU recipe, dry-run on CPU with a tiny model: prepare → guarded run → $OUT.

The run goes in a fresh interpreter so that what it imports (``run.json``'s
``missing_on_machine``) is exactly the run path's, as on the GPU machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
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


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """Prepare in-process, then the guarded run in a fresh interpreter: (inputs, out, stdout)."""
    tmp = tmp_path_factory.mktemp("recipe")
    tiny = build_tiny_llama(tmp / "tiny")
    save_examples(TRAIN, tmp / "train.json")
    save_examples(EVAL, tmp / "eval.json")
    inputs, out = tmp / "in", tmp / "out"
    argv = ["prepare", str(inputs), "--base", str(tiny)]
    argv += ["--train-file", str(tmp / "train.json"), "--eval-file", str(tmp / "eval.json")]
    assert _recipe().main(argv) == 0
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    env["RECIPE_WORK"] = str(tmp / "work")
    options = ["--out", str(out), "--tiny", "--budget-s", "900", "--eval-limit", "0"]
    options += ["--max-length", "1024"]  # the tiny tokenizer spends many tokens on a prompt
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gpu_recipe.py"), "run", str(inputs), *options],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return inputs, out, done.stdout


def test_prepare_records_a_rollout_cap_per_task(tiny_run):
    inputs, _, _ = tiny_run
    prepared = json.loads((inputs / "recipe.json").read_text())
    assert prepared["train_rows"] == 4 and prepared["compact_base"]["kept_tokens"] < 512
    caps = prepared["completion_caps"]
    assert set(caps) == {"anomaly", "parse"}
    assert all(cap % 16 == 0 and cap > 0 for cap in caps.values())


def test_run_keeps_sft_and_grpo_adapters_with_their_evaluations_in_out(tiny_run):
    _, out, _ = tiny_run
    for stage in ("sft", "grpo"):
        assert (out / stage / "adapter_model.safetensors").is_file()
        rows = json.loads((out / stage / "eval.json").read_text())["rows"]
        assert {(r["task"], r["order"]) for r in rows} == {
            ("anomaly", "answer-first"),
            ("parse", "answer-first"),
        }
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) <= 8  # what the device tool brings back


def test_every_module_the_run_path_imports_is_on_the_gpu_machine_or_carried(tiny_run):
    """What rlog's own modules import on the run path; the rehearsal checks the closure."""
    _, out, _ = tiny_run
    end = json.loads((out / "run.json").read_text())["stages"]["end"]
    assert end["direct_imports_missing"] == {}
    assert end["out_problems"] == []


def test_run_prints_each_stage_and_the_table_last(tiny_run):
    _, out, printed = tiny_run
    stages = json.loads((out / "run.json").read_text())["stages"]
    assert list(stages) == ["sft", "sft_eval", "grpo1", "grpo_eval", "end"]
    assert stages["grpo1"]["tasks"] == ["anomaly", "parse"]
    lines = printed.strip().splitlines()
    assert lines[-1].startswith("seconds: sft ")
    assert lines[-2].startswith("| grpo | parse |")


def test_prepare_keeps_the_tokens_of_the_generated_parsing_items_a_run_adds(tmp_path):
    from rlog_train.data.synthetic_parsing import synthetic_parsing
    from rlog_train.formatting import read_examples
    from rlog_train.gguf_base import load_tokenizer

    tiny = build_tiny_llama(tmp_path / "tiny")
    save_examples(TRAIN, tmp_path / "train.json")
    save_examples(EVAL, tmp_path / "eval.json")
    argv = ["prepare", str(tmp_path / "in"), "--base", str(tiny), "--seed", "3"]
    argv += [
        "--train-file",
        str(tmp_path / "train.json"),
        "--eval-file",
        str(tmp_path / "eval.json"),
    ]
    assert _recipe().main([*argv, "--synthetic-parsing", "6"]) == 0
    generated = synthetic_parsing(6, seed=3)
    assert read_examples(tmp_path / "in" / "train.json") == [*TRAIN, *generated]
    prepared = json.loads((tmp_path / "in" / "recipe.json").read_text())
    kept = prepared["compact_base"]["kept_tokens"]
    compact = load_tokenizer(tmp_path / "in" / "base")
    for item in generated:
        assert max(compact(item.input + " " + item.label)["input_ids"]) < kept
