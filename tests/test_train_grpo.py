"""GRPO on a tiny random Llama: the joint reward scores real generations, the adapter goes on,
and the policy moves towards the rewarded answer."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from tiny_models import QUIET_RUN, build_tiny_llama, tiny_examples

from rlog_train.data import Example, to_prompt, to_target
from rlog_train.formatting import end_of_turn, prompt_format_for, tokenize_row
from rlog_train.rewards import joint_reward, score
from rlog_tui.errors import UsageError
from rlog_tui.protocol import OutputOrder, Task

torch = pytest.importorskip("torch")
pytest.importorskip("trl")

EXAMPLES = tiny_examples()[:1]  # the anomaly example


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
        **QUIET_RUN,
    )
    return tiny, train_sft(config, examples=EXAMPLES).output_dir


def test_grpo_scores_real_generations_with_the_joint_reward(sft_adapter, tmp_path):
    from rlog_train.grpo import GRPORunConfig, train_grpo

    tiny, adapter = sft_adapter
    seen: list[tuple[str, float]] = []

    example = EXAMPLES[0]
    orders_seen: set[str] = set()

    def watched_joint_reward(completions, **kwargs):
        """The trainer hands the reward each completion with its own example's truth."""
        rewards = joint_reward(completions, **kwargs)
        for i, completion in enumerate(completions):
            assert Task(kwargs["task"][i]) is example.task
            assert kwargs["answer"][i] == example.label and kwargs["log"][i] == example.input
            orders_seen.add(str(kwargs["order"][i]))
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
        **QUIET_RUN,
    )
    result = train_grpo(config, examples=EXAMPLES, reward_funcs=[watched_joint_reward])
    assert result.global_step == 2 and result.rows == 2  # one example, both orders
    assert len(seen) == 4 and all(isinstance(text, str) and text for text, _ in seen)
    assert orders_seen == {order.value for order in OutputOrder}
    assert any("reward" in m for m in result.metrics)
    out = result.output_dir
    assert json.loads((out / "run_config.json").read_text())["num_generations"] == 2
    from safetensors.torch import load_file

    trained = load_file(out / "adapter_model.safetensors")
    start = load_file(adapter / "adapter_model.safetensors")
    assert set(trained) == set(start)  # the same adapter, continued; TRL's "ref" copy dropped
    # (with every completion of a group scored alike the advantage is 0: no update is expected)


INSTRUCTION = "Classify the given log entries into normal and abnormal categories."
AMBIGUOUS_LOG = "RAS KERNEL FATAL data TLB error interrupt"
REASONING = "The log reports an error."
LABELS = ("normal", "abnormal")
REASON_FIRST = OutputOrder.REASON_FIRST
SEED = 0
"""Model, cold start and GRPO seed (seeds 0, 1 and 2 were all checked to pass)."""


def _anomaly(label: str) -> Example:
    return Example(Task.ANOMALY, INSTRUCTION, AMBIGUOUS_LOG, label, REASONING, "test")


def _tiny_llama_with_a_sharp_head(directory: Path) -> Path:
    """The tiny random Llama with its output head scaled ×10.

    A randomly initialised head (std 0.02 over hidden 256) gives logits of std ~0.3, so the
    next-token distribution stays near-uniform (entropy ~ln 512) whatever the LoRA on the
    projections learns, and TRL refuses a LoRA on ``lm_head``. Scaled, the head has the logit
    range of a trained model and a short cold start makes the model write the format.
    """
    from transformers import AutoModelForCausalLM

    tiny = build_tiny_llama(directory, seed=SEED)
    model = AutoModelForCausalLM.from_pretrained(tiny)
    with torch.no_grad():
        model.lm_head.weight.mul_(10.0)
    model.save_pretrained(tiny)
    return tiny


def _completion_logprobs(base: Path, adapter: Path) -> dict[str, float]:
    """Teacher-forced log-probability, under base + adapter, of the reason-first completion
    answering each label for the ambiguous log, tokenized as served."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base)
    fmt = prompt_format_for(model.config)
    model = PeftModel.from_pretrained(model, str(adapter)).eval()
    prompt = to_prompt(_anomaly("abnormal"), REASON_FIRST, fmt).text
    result = {}
    for label in LABELS:
        completion = to_target(_anomaly(label), REASON_FIRST) + end_of_turn(fmt, tokenizer)
        row = tokenize_row(tokenizer, prompt, completion)
        ids = torch.tensor([row["input_ids"]])
        with torch.no_grad():
            logits = model(ids).logits[0, :-1]
        token_logps = logits.log_softmax(-1).gather(1, ids[0, 1:, None])[:, 0]
        in_completion = torch.tensor(row["completion_mask"][1:], dtype=torch.bool)
        result[label] = token_logps[in_completion].sum().item()
    return result


def test_grpo_moves_the_policy_towards_the_rewarded_answer(tmp_path):
    """Cold start on one log labelled both ways, then GRPO rewards the label it prefers less.

    The cold start learns the format and leaves the label a near coin toss; GRPO with the real
    joint reward (+1.1 right, -0.9 wrong, -2.0 malformed) must raise the rewarded completion's
    log-probability over the other one's, and the reward TRL logs must rise.
    """
    from rlog_train.grpo import GRPORunConfig, train_grpo
    from rlog_train.sft import train_sft
    from rlog_train.sft_config import SFTRunConfig

    torch.set_num_threads(1)
    tiny = _tiny_llama_with_a_sharp_head(tmp_path / "model")
    cold_start = SFTRunConfig(
        base=str(tiny),
        output_dir=str(tmp_path / "sft"),
        orders=REASON_FIRST.value,
        max_steps=40,
        batch_size=2,
        learning_rate=3e-3,
        max_length=1024,
        logging_steps=10,
        **QUIET_RUN,
        seed=SEED,
    )
    adapter = train_sft(cold_start, examples=[_anomaly(label) for label in LABELS]).output_dir

    before = _completion_logprobs(tiny, adapter)
    # well formed, and both answers plausible (each over 10%)
    assert min(before.values()) > math.log(0.1), before
    rewarded = min(before, key=before.get)
    other = next(label for label in LABELS if label != rewarded)
    totals = {
        label: score(
            Task.ANOMALY,
            to_target(_anomaly(label), REASON_FIRST),
            rewarded,
            AMBIGUOUS_LOG,
            REASON_FIRST,
        ).total
        for label in LABELS
    }
    assert (totals[rewarded], totals[other]) == (pytest.approx(1.1), pytest.approx(-0.9))

    config = GRPORunConfig(
        base=str(tiny),
        adapter=str(adapter),
        output_dir=str(tmp_path / "grpo"),
        orders=REASON_FIRST.value,
        num_generations=4,
        batch_size=4,
        temperature=1.0,
        max_completion_length=32,  # the well-formed completion is 19 tokens
        learning_rate=1e-4,
        beta=0.001,
        max_steps=10,
        **QUIET_RUN,
        seed=SEED,
    )
    result = train_grpo(config, examples=[_anomaly(rewarded)])  # the real joint reward
    after = _completion_logprobs(tiny, result.output_dir)

    margin_before = before[rewarded] - before[other]
    margin_after = after[rewarded] - after[other]
    assert margin_before <= 0 < margin_after, (before, after)
    assert margin_after > margin_before + 2.0, (before, after)
    rewards = [m["reward"] for m in result.metrics if "reward" in m]
    assert len(rewards) == config.max_steps
    assert sum(rewards[-2:]) / 2 > sum(rewards[:2]) / 2, rewards
    print(f"log-probs {before} -> {after}; reward per step {rewards}")


def test_batch_must_be_a_multiple_of_the_group_size(tmp_path):
    from rlog_train.grpo import GRPORunConfig, train_grpo

    config = GRPORunConfig(base="x", num_generations=4, batch_size=6, output_dir=str(tmp_path))
    with pytest.raises(UsageError, match="multiple of num_generations"):
        train_grpo(config, examples=EXAMPLES)


def test_r_log_settings_are_the_defaults():
    from rlog_train.grpo import GRPORunConfig

    config = GRPORunConfig()
    assert (config.num_generations, config.temperature) == (8, 0.8)
    assert (config.learning_rate, config.beta) == (4e-7, 0.001)


def test_the_grpo_command_trains_from_its_flags_and_says_what_it_did(sft_adapter, tmp_path):
    from cli_run import invoke

    from rlog_train.cli import app
    from rlog_train.formatting import save_examples

    tiny, adapter = sft_adapter
    save_examples(EXAMPLES, tmp_path / "train.json")
    flags = {
        "examples_file": tmp_path / "train.json",
        "num_generations": 2,
        "batch_size": 2,
        "max_completion_length": 8,
        "max_steps": 1,
        "progress": "false",
    }
    settings = [arg for key, value in flags.items() for arg in ("--set", f"{key}={value}")]
    out = tmp_path / "grpo"
    result = invoke(
        app,
        "rlog-train",
        "grpo",
        "--base",
        str(tiny),
        "--adapter",
        str(adapter),
        "--out",
        str(out),
        *settings,
    )
    assert result.exit_code == 0, result.output
    assert f"grpo: 2 prompts (0 over the length limit left out), 1 steps -> {out}" in result.output
    assert (out / "adapter_model.safetensors").is_file()
