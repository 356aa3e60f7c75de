"""Judging outputs and aggregating figures, on hand-written model outputs with known scores."""

from __future__ import annotations

import pytest

from rlog_train.data import Example
from rlog_train.evaluate import Generation, make_record
from rlog_train.evaluate.summary import set_figures
from rlog_tui.protocol import TASKS, OutputOrder, Task, build_prompt


def _example(task: Task, text: str, label: str, system: str | None = None) -> Example:
    return Example(task, TASKS[task].instruction, text, label, None, "test", system)


def _record(
    example: Example,
    output: str,
    *,
    order: OutputOrder = OutputOrder.REASON_FIRST,
    finish: str = "stop",
    answer_at: float | None = 1.0,
):
    prompt = build_prompt(example.task, example.lines, order, instruction=example.instruction)
    generation = Generation(prompt, 50, output, 11, 0.5, answer_at, 1.5, finish)
    return make_record(f"{example.task.value}/test", example, generation)


def test_a_right_answer_scores_full_reward_and_metric():
    example = _example(Task.PARSE, "Opened file 42", "Opened file <*>", "HDFS")
    record = _record(example, "<think>42 varies.</think><answer>Opened file <*></answer>")
    assert record.format_ok and record.answer_valid
    assert record.answer == "Opened file <*>"
    assert record.metric == {"token_f1": 1.0, "exact": 1.0}
    assert record.reward == {"format": 0.1, "answer": 1.0, "total": 1.1}


def test_a_valid_answer_in_a_bad_form_keeps_its_metric_but_not_its_reward():
    example = _example(Task.ANOMALY, "kernel panic", "abnormal", "BGL")
    record = _record(example, "<answer>abnormal</answer>")  # no think block
    assert not record.format_ok and record.answer_valid
    assert record.metric == {"correct": 1.0}
    assert record.reward["total"] == -2.0


def test_fast_mode_stop_at_answer_is_not_a_format_fault():
    example = _example(Task.ANOMALY, "kernel panic", "abnormal", "BGL")
    record = _record(
        example, "<answer>abnormal</answer>", order=OutputOrder.ANSWER_FIRST, finish="answer"
    )
    assert record.order == "answer-first" and record.format_ok
    assert record.reward["total"] == pytest.approx(1.1)


def test_anomaly_figures_per_system_with_invalid_answers_counted_wrong():
    cases = [
        ("BGL", "abnormal", "abnormal"),
        ("BGL", "normal", "abnormal"),
        ("BGL", "abnormal", "maybe"),  # invalid on an abnormal truth: a miss
        ("Spirit", "normal", "normal"),
        ("Spirit", "normal", "abnormal"),
    ]
    records = [
        _record(
            _example(Task.ANOMALY, f"line {i}", truth, system),
            f"<think>t</think><answer>{said}</answer>",
        )
        for i, (system, truth, said) in enumerate(cases)
    ]
    figures = set_figures(Task.ANOMALY, records)
    bgl, spirit = figures["systems"]["BGL"], figures["systems"]["Spirit"]
    assert (bgl["tp"], bgl["fp"], bgl["fn"], bgl["invalid"]) == (1, 1, 1, 1)
    assert bgl["f1"] == pytest.approx(0.5) and bgl["abnormal"] == 2
    assert spirit["f1"] == 0.0 and spirit["fp"] == 1
    assert figures["f1"] == pytest.approx(2 / 5)
    assert figures["answer_valid_rate"] == pytest.approx(0.8)


def test_parsing_figures_average_systems_and_never_credit_missing_answers():
    records = [
        _record(
            _example(Task.PARSE, "open a 1", "open a <*>", "HDFS"),
            "<think>x</think><answer>open a <*></answer>",
        ),
        _record(
            _example(Task.PARSE, "open a 2", "open a <*>", "HDFS"),
            "<think>x</think><answer>open a <*></answer>",
        ),
        _record(_example(Task.PARSE, "close b 7", "close b <*>", "BGL"), "no tags at all"),
    ]
    figures = set_figures(Task.PARSE, records)
    assert figures["systems"]["HDFS"] == {"n": 2, "token_f1": 1.0, "pa": 1.0, "ga": 1.0}
    # A lone line with no answer would form a "correct" singleton group: GA must not count it.
    assert figures["systems"]["BGL"] == {"n": 1, "token_f1": 0.0, "pa": 0.0, "ga": 0.0}
    assert figures["token_f1"] == pytest.approx(0.5)  # mean over systems, not over lines
    assert figures["token_f1_micro"] == pytest.approx(2 / 3, abs=1e-4)


def test_generation_figures_and_latency_quantiles():
    reference = "the disk is full so the write failed"
    records = [
        _record(
            _example(Task.ROOT_CAUSE, f"log {i}", reference),
            f"<think>t</think><answer>{reference}</answer>",
            answer_at=float(i),
        )
        for i in range(1, 11)
    ]
    records.append(
        _record(_example(Task.ROOT_CAUSE, "log x", reference), "rambling", answer_at=None)
    )
    figures = set_figures(Task.ROOT_CAUSE, records)
    assert figures["n"] == 11
    assert figures["bleu4"] == pytest.approx(100 * 10 / 11, abs=0.01)
    assert figures["rouge_l"] == pytest.approx(100 * 10 / 11, abs=0.01)
    assert figures["answered"] == 10
    assert figures["time_to_answer_median_s"] == 5.0
    assert figures["time_to_answer_p90_s"] == 9.0
    assert figures["decode_tokens_per_s"] == pytest.approx(10.0)  # 10 tokens in 1.0 s each


def test_an_empty_set_has_only_its_size():
    assert set_figures(Task.PARSE, []) == {"n": 0}
