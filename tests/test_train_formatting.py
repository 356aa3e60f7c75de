"""Training rows come from the protocol: both orders, exact prompt text, served tokenization."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from tiny_models import tiny_examples

from rlog_train.data import Example, to_prompt, to_target
from rlog_train.formatting import (
    architecture_of,
    end_of_turn,
    grpo_rows,
    label_only_rows,
    limit_examples,
    parse_orders,
    prompt_format_for,
    read_examples,
    save_examples,
    sft_rows,
    tasks_by_priority,
    tokenize_row,
)
from rlog_tui.errors import UsageError
from rlog_tui.protocol import OutputOrder, PromptStyle, Task

ANOMALY, PARSE = tiny_examples()
NO_REASON = Example(Task.ANOMALY, "Classify.", "x", "normal", None, "test")


@pytest.mark.parametrize(
    ("model_type", "style"),
    [
        ("gemma3", PromptStyle.GEMMA),
        ("gemma3_text", PromptStyle.GEMMA),
        ("qwen2", PromptStyle.CHATML),
        ("llama", PromptStyle.PLAIN),
        ("gpt2", PromptStyle.PLAIN),
    ],
)
def test_prompt_format_follows_the_architecture_as_the_tui_does(model_type, style):
    assert prompt_format_for(SimpleNamespace(model_type=model_type)).style is style
    assert architecture_of(SimpleNamespace(model_type="gemma3_text")) == "gemma3"


def test_every_example_is_emitted_in_both_orders_with_the_served_prompt():
    fmt = prompt_format_for(SimpleNamespace(model_type="gemma3_text"))
    rows = sft_rows([ANOMALY, PARSE, NO_REASON], fmt, "<end_of_turn>")
    assert rows.skipped == 1
    assert len(rows.rows) == 4
    assert sorted(r["order"] for r in rows.rows) == ["answer-first"] * 2 + ["reason-first"] * 2
    for row in rows.rows:
        example = ANOMALY if row["task"] == "anomaly" else PARSE
        order = OutputOrder(row["order"])
        assert row["prompt"] == to_prompt(example, order, fmt).text
        assert row["completion"] == to_target(example, order) + "<end_of_turn>"
    fast = next(r for r in rows.rows if r["order"] == "answer-first")
    assert fast["completion"].startswith("<answer>")


def test_label_only_rows_are_x_to_y_with_the_fast_mode_prompt():
    fmt = prompt_format_for(SimpleNamespace(model_type="gemma3_text"))
    rows = label_only_rows([ANOMALY, NO_REASON], fmt, "<end_of_turn>").rows
    assert len(rows) == 2  # no reasoning is needed, so nothing is skipped
    assert rows[0]["prompt"] == to_prompt(ANOMALY, OutputOrder.ANSWER_FIRST, fmt).text
    assert rows[0]["completion"] == "<answer>abnormal</answer><end_of_turn>"
    assert "<think>" not in rows[1]["completion"]
    with pytest.raises(UsageError, match="cold start"):
        parse_orders("label-only")


def test_end_of_turn_is_the_marker_for_gemma_and_eos_otherwise():
    tokenizer = SimpleNamespace(eos_token="</s>")
    gemma = prompt_format_for(SimpleNamespace(model_type="gemma3"))
    plain = prompt_format_for(SimpleNamespace(model_type="llama"))
    assert end_of_turn(gemma, tokenizer) == "<end_of_turn>"
    assert end_of_turn(plain, tokenizer) == "</s>"


def test_grpo_rows_carry_the_columns_the_joint_reward_reads():
    fmt = prompt_format_for(SimpleNamespace(model_type="llama"))
    rows = grpo_rows([PARSE], fmt).rows
    assert {r["order"] for r in rows} == {"reason-first", "answer-first"}
    assert rows[0]["answer"] == PARSE.label and rows[0]["log"] == PARSE.input
    assert set(rows[0]) == {"prompt", "task", "answer", "log", "order"}


def test_limit_takes_parsing_and_anomaly_first():
    by_task = {
        Task.SOLUTION: [NO_REASON] * 3,
        Task.ANOMALY: [ANOMALY] * 3,
        Task.PARSE: [PARSE] * 3,
    }
    chosen = limit_examples(by_task, 2)
    assert [e.task for e in chosen] == [Task.PARSE, Task.ANOMALY]
    assert tasks_by_priority("anomaly,lp") == [Task.PARSE, Task.ANOMALY]


def test_examples_round_trip_through_json(tmp_path):
    save_examples([ANOMALY, PARSE], tmp_path / "x.json")
    assert read_examples(tmp_path / "x.json") == [ANOMALY, PARSE]


class _CharTokenizer:
    """One id per character, BOS=1 added unless asked not to: enough to check the boundary."""

    def __call__(self, text, add_special_tokens=True):
        ids = [ord(c) + 10 for c in text]
        return {"input_ids": ([1] if add_special_tokens else []) + ids}


def test_prompt_and_completion_are_tokenized_apart_with_bos_once():
    row = tokenize_row(_CharTokenizer(), "ab", "cd")
    assert row["input_ids"] == [1, ord("a") + 10, ord("b") + 10, ord("c") + 10, ord("d") + 10]
    assert row["completion_mask"] == [0, 0, 0, 1, 1]


@pytest.mark.slow
def test_gemma_rows_tokenize_as_llama_cpp_does(embedded_model: Path):
    """HF ids (from the GGUF's own vocabulary) equal llama.cpp's with special=True, BOS once."""
    import llama_cpp

    from rlog_train.gguf_base import load_tokenizer

    tokenizer = load_tokenizer(embedded_model)
    fmt = prompt_format_for(SimpleNamespace(model_type="gemma3_text"))
    row = sft_rows([PARSE], fmt, end_of_turn(fmt, tokenizer)).rows[1]
    ids = tokenize_row(tokenizer, row["prompt"], row["completion"])["input_ids"]
    llm = llama_cpp.Llama(str(embedded_model), vocab_only=True, verbose=False)
    expected = llm.tokenize(row["prompt"].encode(), add_bos=True, special=True)
    expected += llm.tokenize(row["completion"].encode(), add_bos=False, special=True)
    assert ids == expected
    assert ids.count(tokenizer.bos_token_id) == 1
    assert tokenizer.convert_tokens_to_ids("<end_of_turn>") == ids[-1]
