"""Cold start on a tiny random Llama with real TRL/PEFT: loss falls, prompt masked, resumable."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from cli_run import invoke
from tiny_models import QUIET_RUN, build_tiny_llama, tiny_examples

from rlog_train.sft_config import SFTRunConfig, parse_run_config
from rlog_tui.errors import InputError, UsageError

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

EXAMPLES = tiny_examples()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    torch.set_num_threads(1)
    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "model")


def _config(tiny: Path, out: Path, **overrides) -> SFTRunConfig:
    values = dict(
        base=str(tiny),
        output_dir=str(out),
        max_length=1024,
        batch_size=4,
        logging_steps=5,
        learning_rate=3e-3,
        **QUIET_RUN,
    )
    return SFTRunConfig(**{**values, **overrides})


def test_cold_start_overfits_four_rows_and_writes_its_record(tiny, tmp_path):
    from rlog_train.sft import train_sft

    result = train_sft(_config(tiny, tmp_path / "sft", max_steps=20), examples=EXAMPLES)
    losses = [m["loss"] for m in result.metrics if "loss" in m]
    assert result.rows == 4  # two examples, each in both orders
    assert losses[-1] < 0.8 * losses[0]
    out = result.output_dir
    assert (out / "adapter_model.safetensors").is_file()
    assert json.loads((out / "adapter_config.json").read_text())["r"] == 16
    assert (out / "tokenizer.json").is_file()
    assert json.loads((out / "run_config.json").read_text())["max_steps"] == 20
    assert (out / "metrics.jsonl").read_text().count("\n") >= 4


def test_prompt_tokens_are_labelled_minus_100_and_both_orders_present(tiny):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from rlog_train.sft import sft_dataset

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    model = AutoModelForCausalLM.from_pretrained(tiny)
    dataset, rows = sft_dataset(EXAMPLES, tokenizer, model.config, "both")
    assert {r["order"] for r in rows.rows} == {"reason-first", "answer-first"}
    args = SFTConfig(
        output_dir="unused",
        completion_only_loss=True,
        max_length=1024,
        use_cpu=True,
        report_to="none",
    )
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    for row, prepared in zip(rows.rows, trainer.train_dataset, strict=True):
        prompt_len = len(tokenizer(row["prompt"])["input_ids"])
        labels = prepared["labels"]
        assert labels[:prompt_len] == [-100] * prompt_len
        assert all(label != -100 for label in labels[prompt_len:])
        completion = tokenizer.decode(prepared["input_ids"][prompt_len:])
        assert completion == row["completion"]


def test_resume_continues_from_the_newest_checkpoint(tiny, tmp_path):
    from rlog_train.sft import train_sft

    out = tmp_path / "sft"
    first = train_sft(_config(tiny, out, max_steps=2, save_steps=2), examples=EXAMPLES)
    assert first.global_step == 2 and (out / "checkpoint-2").is_dir()
    second = train_sft(_config(tiny, out, max_steps=4, save_steps=2, resume=True), EXAMPLES)
    assert second.global_step == 4
    steps = [m["step"] for m in second.metrics if "loss" in m]
    assert steps == sorted(steps)


def test_second_stage_starts_from_the_saved_adapter(tiny, tmp_path):
    """A stage continuing ``init_adapter`` starts at the loss the first stage ended near, where a
    fresh adapter on the same rows starts from the base's loss again."""
    from rlog_train.sft import train_sft

    first = train_sft(_config(tiny, tmp_path / "one", max_steps=20), examples=EXAMPLES)
    config = _config(tiny, tmp_path / "two", max_steps=1, logging_steps=1, learning_rate=1e-9)
    fresh = train_sft(config, examples=EXAMPLES)
    continued = train_sft(
        _config(
            tiny,
            tmp_path / "three",
            max_steps=1,
            logging_steps=1,
            learning_rate=1e-9,
            init_adapter=str(first.output_dir),
        ),
        examples=EXAMPLES,
    )

    def first_loss(result):
        return next(m["loss"] for m in result.metrics if "loss" in m)

    assert first_loss(continued) < 0.8 * first_loss(fresh)
    assert (continued.output_dir / "adapter_model.safetensors").is_file()


def test_second_stage_refuses_a_folder_without_an_adapter(tiny, tmp_path):
    from rlog_train.sft import train_sft

    config = _config(tiny, tmp_path / "x", max_steps=1, init_adapter=str(tmp_path))
    with pytest.raises(InputError, match="not a saved adapter"):
        train_sft(config, examples=EXAMPLES)


def test_yaml_config_is_overridden_by_flags(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("lora_r: 8\nlearning_rate: 1.0e-4\nmax_steps: 5\n")
    args = ["--config", str(path), "--max-steps", "7"]
    config = parse_run_config(SFTRunConfig, args, "rlog-train sft")
    assert (config.lora_r, config.learning_rate, config.max_steps, config.seed) == (8, 1e-4, 7, 0)
    with pytest.raises(UsageError, match="--lora-rank"):
        parse_run_config(SFTRunConfig, ["--lora-rank", "4"], "rlog-train sft")


def test_set_and_yaml_values_are_typed_by_the_config_field(tmp_path):
    """YAML reads `1e-4` as a string; the parser stores every value as its field's type."""
    path = tmp_path / "run.yaml"
    path.write_text("learning_rate: 1e-4\nepochs: 2\n")
    config = parse_run_config(SFTRunConfig, ["--config", str(path)], "rlog-train sft")
    assert config.learning_rate == 1e-4 and isinstance(config.learning_rate, float)
    config = parse_run_config(SFTRunConfig, ["--set", "learning_rate=1e-4"], "rlog-train sft")
    assert config.learning_rate == 1e-4 and isinstance(config.learning_rate, float)
    assert isinstance(config.epochs, float) and config.batch_size == 4
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_run_config(SFTRunConfig, ["--set", "learning_rate"], "rlog-train sft")


def test_sft_help_lists_every_field_with_its_default():
    from rlog_train.cli import app

    result = invoke(app, "rlog-train", "sft", "--help")
    assert result.exit_code == 0, result.output
    for field in dataclasses.fields(SFTRunConfig):
        assert f"--{field.name}" in result.stdout, field.name
    text = " ".join(result.stdout.split())  # argparse wraps lines
    assert "--learning-rate LEARNING_RATE float. (default: 0.0002)" in text
    assert "(default: runs/sft)" in text


def test_cli_sft_runs_from_an_examples_file(tiny, tmp_path):

    from rlog_train.cli import app
    from rlog_train.formatting import save_examples

    save_examples(EXAMPLES, tmp_path / "train.json")
    result = invoke(
        app,
        "rlog-train",
        *[
            "sft",
            "--base",
            str(tiny),
            "--out",
            str(tmp_path / "out"),
            "--max-steps",
            "1",
            "--limit",
            "1",
            "--max-length",
            "1024",
            "--set",
            f"examples_file={tmp_path / 'train.json'}",
            "--set",
            "progress=false",
            "--set",
            "learning_rate=1e-4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "cold start: 2 rows, 1 steps" in result.output
    assert (tmp_path / "out" / "adapter_model.safetensors").is_file()
    resolved = json.loads((tmp_path / "out" / "run_config.json").read_text())
    assert resolved["learning_rate"] == 1e-4  # a float, not the string "1e-4"


def test_cli_without_base_is_a_usage_error(tmp_path):

    from rlog_train.cli import app

    result = invoke(app, "rlog-train", *["sft", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no base model" in result.output


@pytest.mark.slow
def test_cold_start_smoke_on_the_embedded_gemma_gguf(gemma_cold_start):
    """Three steps on the real gemma-3-270m base, dequantized from its GGUF: the loss falls."""
    folder, result = gemma_cold_start
    assert result.global_step == 3
    losses = [m["loss"] for m in result.metrics if "loss" in m]
    assert len(losses) == 3 and losses[-1] < losses[0], losses
    adapter = json.loads((folder / "adapter_config.json").read_text())
    assert set(adapter["target_modules"]) >= {"q_proj", "down_proj"}


def test_rows_with_a_token_the_base_has_no_embedding_for_are_dropped_not_crashed_on(caplog):
    from rlog_train.sft import within_vocabulary

    rows = [{"input_ids": [1, 5, 9]}, {"input_ids": [1, 12]}, {"input_ids": [2]}]
    assert within_vocabulary(rows, 10) == [rows[0], rows[2]]
    assert "1 training row(s) dropped" in caplog.text
    assert within_vocabulary(rows, None) == rows


def test_a_stage_on_another_base_saves_lora_pairs_only(tiny, tmp_path):
    """Continuing an adapter whose recorded base has another vocabulary size (a compact base
    rebuilt with more tokens) must not save the frozen embeddings beside the LoRA pairs."""
    import shutil

    from safetensors import safe_open

    from rlog_train.sft import train_sft

    first = train_sft(_config(tiny, tmp_path / "one", max_steps=1), examples=EXAMPLES)
    other = tmp_path / "other-base"
    shutil.copytree(tiny, other)
    config = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(
        json.dumps({**config, "vocab_size": config["vocab_size"] + 8})
    )
    adapter_config = first.output_dir / "adapter_config.json"
    recorded = json.loads(adapter_config.read_text())
    adapter_config.write_text(json.dumps({**recorded, "base_model_name_or_path": str(other)}))
    second = train_sft(
        _config(tiny, tmp_path / "two", max_steps=1, init_adapter=str(first.output_dir)),
        examples=EXAMPLES,
    )
    with safe_open(second.output_dir / "adapter_model.safetensors", "pt") as saved:
        names = list(saved.keys())
    assert names and all("lora_" in name for name in names), names
