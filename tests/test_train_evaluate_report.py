"""eval.json and eval.md: schema, the reference column, sample sizes, the partial marker."""

from __future__ import annotations

import json

from rlog_train.data import Example
from rlog_train.evaluate import (
    LOGLM,
    EvalResult,
    EvalSet,
    Generation,
    figures_table,
    make_record,
    render_markdown,
    write_report,
)
from rlog_tui.protocol import TASKS, OutputOrder, Task, build_prompt


def _example(task: Task, text: str, label: str, system: str | None = None) -> Example:
    return Example(task, TASKS[task].instruction, text, label, None, "test", system)


def _result(*, partial: bool = False) -> EvalResult:
    parse = [_example(Task.PARSE, f"open file {i}", "open file <*>", "HDFS") for i in range(3)]
    anomaly = [
        _example(Task.ANOMALY, "kernel panic", "abnormal", "BGL"),
        _example(Task.ANOMALY, "heartbeat ok", "normal", "Spirit"),
    ]
    solution = [_example(Task.SOLUTION, "disk full", "free some disk space now please")]
    sets = [
        EvalSet(Task.PARSE, "test", parse, 100, 7),
        EvalSet(Task.ANOMALY, "test", anomaly, 50, 0),
        EvalSet(Task.SOLUTION, "test", solution, 47, 29),
    ]
    outputs = {
        Task.PARSE: "<think>t</think><answer>open file <*></answer>",
        Task.ANOMALY: "<think>t</think><answer>abnormal</answer>",
        Task.SOLUTION: "<think>t</think><answer>free some disk space now please</answer>",
    }
    result = EvalResult(
        config={"fast": False, "seed": 0, "limit": 3, "max_tokens": 64, "drop_leaked": True},
        machine={"cpu": "test CPU", "nproc": 2},
        sets=sets,
        started_at="2025-01-01T00:00:00+00:00",
    )
    for eval_set in sets:
        for example in eval_set.examples:
            prompt = build_prompt(example.task, example.lines, OutputOrder.REASON_FIRST)
            generation = Generation(prompt, 40, outputs[example.task], 9, 0.2, 0.8, 1.0, "stop")
            result.records.append(make_record(eval_set.name, example, generation))
    if partial:
        result.records.pop()
        result.partial, result.stopped_reason = True, "interrupted"
    return result


def test_eval_json_holds_config_metrics_reference_and_records(tmp_path):
    json_path, md_path = write_report(_result(), tmp_path / "out")
    data = json.loads(json_path.read_text())
    assert data["schema"] == "rlog-eval/1" and data["partial"] is False
    assert data["examples_done"] == data["examples_planned"] == 6
    assert set(data["metrics"]) == {"parse/test", "anomaly/test", "solution/test"}
    assert data["metrics"]["parse/test"]["token_f1"] == 1.0
    assert data["metrics"]["anomaly/test"]["systems"]["BGL"]["f1"] == 1.0
    assert data["metrics"]["solution/test"]["bleu4"] == 100.0
    assert data["reference"]["figures"] == LOGLM
    record = data["records"][0]
    for key in (
        "input",
        "label",
        "raw_output",
        "answer",
        "answer_valid",
        "format_ok",
        "reward",
        "prompt_tokens",
        "completion_tokens",
        "time_to_first_token",
        "time_to_answer",
        "total_time",
    ):
        assert key in record
    assert md_path.read_text() == render_markdown(_result())


def test_markdown_table_puts_loglm_beside_each_figure_with_its_sample_size():
    table = figures_table(_result())
    header, _rule, *rows = table.splitlines()
    assert "LogLM" in header and "n" in [cell.strip() for cell in header.split("|")]
    cells = {tuple(c.strip() for c in row.split("|")[1:3]): row for row in rows}
    token_f1 = cells[("L.P. seen", "token-F1 (mean over systems)")]
    assert "1.000" in token_f1 and "0.965" in token_f1 and "| 3 (1 system)" in token_f1
    bgl = cells[("A.D.", "F1 BGL (abnormal positive)")]
    assert "0.625" in bgl and "1 (1 abnormal)" in bgl
    assert "0.278" in cells[("A.D.", "F1 Spirit (abnormal positive)")]
    bleu = cells[("S.R.", "BLEU-4")]
    assert "100.0" in bleu and "8.2" in bleu


def test_partial_results_are_marked_in_both_files(tmp_path):
    json_path, md_path = write_report(_result(partial=True), tmp_path)
    data = json.loads(json_path.read_text())
    assert data["partial"] is True and data["stopped_reason"] == "interrupted"
    assert data["examples_done"] == 5 and data["examples_planned"] == 6
    assert data["metrics"]["solution/test"] == {"n": 0}
    text = md_path.read_text()
    assert "PARTIAL RESULTS" in text and "5 of 6" in text
    solution_bleu = next(line for line in text.splitlines() if "S.R." in line and "BLEU" in line)
    assert "| –" in solution_bleu and "| 0 " in solution_bleu


def test_headline_score_is_the_mean_of_each_sets_main_metric():
    from rlog_train.evaluate import headline_score

    figures = {
        "parse/test": {"token_f1": 0.8, "pa": 0.1},
        "anomaly/test": {"f1": 0.4, "precision": 1.0},
        "interpret/test": {"bleu4": 10.0, "rouge_l": 30.0},
    }
    assert abs(headline_score(figures) - (0.8 + 0.4 + 0.3) / 3) < 1e-9
