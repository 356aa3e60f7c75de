"""GRPO on a tiny random Llama: the joint reward scores real generations, the adapter goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_models import build_tiny_llama

from rlog_train.data import Example
from rlog_train.rewards import joint_reward, score
from rlog_tui.protocol import Task

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

EXAMPLES = [
    Example(
        Task.ANOMALY,
        "Classify the given log entries into normal and abnormal categories.",
        "RAS KERNEL FATAL data TLB error interrupt",
        "abnormal",
        "The log reports an error.",
        "test",
    ),
]


@pytest.fixture(scope="module")
def sft_adapter(tmp_path_factory) -> tuple[Path, Path]:
    from rlog_train.sft import train_sft
    from rlog_train.sft_config import SFTRunConfig

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("grpo")
    tiny = build_tiny_llama(root / "model")
    config = SFTRunConfig(
        base=str(tiny),
        output_dir=str(root / "sft"),
        max_steps=1,
        max_length=1024,
        progress=False,
        save_steps=1000,
    )
    return tiny, train_sft(config, examples=EXAMPLES).output_dir


def test_grpo_scores_real_generations_with_the_joint_reward(sft_adapter, tmp_path):
    from rlog_train.grpo import GRPORunConfig, train_grpo

    tiny, adapter = sft_adapter
    seen: list[tuple[str, float]] = []

    def watched_joint_reward(completions, **kwargs):
        rewards = joint_reward(completions, **kwargs)
        for i, completion in enumerate(completions):
            expected = score(
                kwargs["task"][i],
                completion,
                kwargs["answer"][i],
                kwargs["log"][i],
                kwargs["order"][i],
            ).total
            assert rewards[i] == expected
            seen.append((completion, rewards[i]))
        return rewards

    config = GRPORunConfig(
        base=str(tiny),
        adapter=str(adapter),
        output_dir=str(tmp_path / "grpo"),
        num_generations=2,
        batch_size=2,
        max_completion_length=12,
        max_steps=2,
        learning_rate=1e-4,
        progress=False,
        save_steps=1000,
    )
    result = train_grpo(config, examples=EXAMPLES, reward_funcs=[watched_joint_reward])
    assert result.global_step == 2 and result.rows == 2  # one example, both orders
    assert len(seen) == 4 and all(isinstance(text, str) and text for text, _ in seen)
    assert any("reward" in m for m in result.metrics)
    out = result.output_dir
    assert json.loads((out / "run_config.json").read_text())["num_generations"] == 2
    from safetensors.torch import load_file

    trained = load_file(out / "adapter_model.safetensors")
    start = load_file(adapter / "adapter_model.safetensors")
    assert set(trained) == set(start)  # the same adapter, continued; TRL's "ref" copy dropped
    # (with every completion of a group scored alike the advantage is 0: no update is expected)


def test_batch_must_be_a_multiple_of_the_group_size(tmp_path):
    from rlog_train.grpo import GRPORunConfig, train_grpo

    config = GRPORunConfig(base="x", num_generations=4, batch_size=6, output_dir=str(tmp_path))
    with pytest.raises(ValueError, match="multiple of num_generations"):
        train_grpo(config, examples=EXAMPLES)


def test_r_log_settings_are_the_defaults():
    from rlog_train.grpo import GRPORunConfig

    config = GRPORunConfig()
    assert (config.num_generations, config.temperature) == (8, 0.8)
    assert (config.learning_rate, config.beta) == (4e-7, 0.001)
