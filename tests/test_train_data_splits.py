"""The README's fixed splits, built on a small synthetic copy of the data, and on the real one."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from rlog_train.data import (
    SEEN_SYSTEMS,
    UNSEEN_SYSTEMS,
    DataDirNotFound,
    Example,
    find_data_dir,
    load_split,
    load_split_with_report,
    sample,
)
from rlog_train.data.label_fixes import apply_label_fixes, fixed_label_reasoning
from rlog_train.data.splits import held_out
from rlog_tui.protocol import Task

AB = "abnormal"

PARSE_INSTRUCTION = "Convert the following logs into standardized templates."


def _json(path: Path, records: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records), encoding="utf-8")


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _reasoned(inp: str, label: str, instruction: str = "I") -> dict[str, str]:
    reasoning = f"<think>about {inp}</think><answer>{label}</answer>"
    return {"instruction": instruction, "input": inp, "label": label, "reasoning": reasoning}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Every seen system has 203 lines; line 201 repeats line 1 verbatim (a leak)."""
    header = ["LineId", "Content", "EventId", "EventTemplate"]
    parse_train = []
    for system in SEEN_SYSTEMS:
        contents = [f"{system} start {i}" for i in range(1, 201)]
        contents += [f"{system} start 1", f"{system} stop 202", f"{system} stop 203"]
        templates = [" ".join(c.split()[:2]) + " <*>" for c in contents]
        numbered = enumerate(zip(contents, templates, strict=True), 1)
        rows = [[str(i), c, "E1", t] for i, (c, t) in numbered]
        _csv(tmp_path / f"loghub/{system}/{system}_2k.log_structured.csv", header, rows)
        pairs = zip(contents[:200], templates[:200], strict=True)
        parse_train += [_reasoned(c, t, PARSE_INSTRUCTION) for c, t in pairs]
    for system in UNSEEN_SYSTEMS:
        rows = [["1", f"{system} up 1", "E1", f"{system} up <*>"], ["2", "x", "E2", "x"]]
        _csv(tmp_path / f"loghub/{system}/{system}_2k.log_structured.csv", header, rows)
    _json(tmp_path / "rlog/logParsing_with_reason.json", parse_train)

    bgl = [["t0", "1"], ["t1", "0"], ["t2", "0"], ["t3 x", "0"], ["t4", "1"]]
    _csv(tmp_path / "logprompt/templates_bgl.csv", ["log", "label"], bgl)
    _csv(tmp_path / "logprompt/templates_spirit.csv", ["log", "label"], [["s0", "0"], ["s1", "0"]])
    _json(
        tmp_path / "rlog/AnomalyDetection_with_reason.json",
        [_reasoned("t0", "abnormal"), _reasoned("s0", "normal")],
    )
    fixes = [("t2", "abnormal"), ("t3, x", "abnormal"), ("t0", "normal"), ("t4", "normal")]
    _json(
        tmp_path / "rlog/anomaly_patch.json",
        [{"instruction": "I", "input": i, "label": "?", "rectified": r} for i, r in fixes],
    )
    for rlog_name, loglm_name in [
        ("LogInterpretation", "log_interpretation"),
        ("RootCauseAnalysis", "root_cause_analysis"),
        ("SolutionRecommendation", "solution_recommendation"),
    ]:
        _json(
            tmp_path / f"rlog/{rlog_name}_with_reason.json",
            [_reasoned("```\nerror A\n```", "because A"), _reasoned("error B", "because B")],
        )
        _json(
            tmp_path / f"loglm/{loglm_name}_test.json",
            [
                {"instruction": "Other question", "input": "error  A", "output": "A"},
                {"instruction": "Q", "input": "error C", "output": "C"},
            ],
        )
    return tmp_path


def test_parse_train_is_the_cold_start_set_with_systems_named(data_dir):
    train = load_split(Task.PARSE, "train", data_dir)
    assert len(train) == 1400
    assert Counter(e.system for e in train) == {system: 200 for system in SEEN_SYSTEMS}
    assert all(e.reasoning for e in train)


def test_parse_test_is_lines_after_200_without_the_verbatim_repeats(data_dir):
    test, report = load_split_with_report(Task.PARSE, "test", data_dir)
    assert report.dropped == len(SEEN_SYSTEMS)
    assert len(test) == 2 * len(SEEN_SYSTEMS)
    assert {e.input.split()[1] for e in test} == {"stop"}
    assert all(e.source.startswith("loghub/") and e.reasoning is None for e in test)
    assert len(load_split(Task.PARSE, "test", data_dir, drop_leaked=False)) == 21


def test_parse_unseen_is_every_line_of_the_other_nine_systems(data_dir):
    unseen = load_split(Task.PARSE, "test_unseen", data_dir)
    assert Counter(e.system for e in unseen) == {system: 2 for system in UNSEEN_SYSTEMS}
    assert unseen[0].label == "Android up <*>"


def test_anomaly_test_is_unseen_templates_with_label_fixes(data_dir):
    test = load_split(Task.ANOMALY, "test", data_dir)
    labels = {e.input: e.label for e in test}
    # t2 fixed exactly, "t3, x" matched loosely, t4 fixed to normal, t0 is training: untouched.
    assert labels == {"t1": "normal", "t2": "abnormal", "t3 x": "abnormal", "t4": "normal",
                      "s1": "normal"}  # fmt: skip
    # training carries the fixes too: t0 is fixed to normal, and its trajectory (which argued
    # abnormal) gives way to one that says what the fixed label says
    train = load_split(Task.ANOMALY, "train", data_dir)
    assert [(e.input, e.label, e.system) for e in train] == [
        ("t0", "normal", "BGL"),
        ("s0", "normal", "Spirit"),
    ]
    assert train[0].reasoning == fixed_label_reasoning("t0") == "It reports: t0."
    assert train[1].reasoning == "about s0"


@pytest.mark.parametrize("task", [Task.INTERPRET, Task.ROOT_CAUSE, Task.SOLUTION])
def test_generation_test_drops_logs_seen_in_training_even_if_fenced(data_dir, task):
    test, report = load_split_with_report(task, "test", data_dir)
    assert [e.input for e in test] == ["error C"]
    assert report.dropped == 1


def test_anomaly_validation_is_held_out_from_training_with_a_share_of_each_systems_anomalies():
    cold_start = [
        Example(
            Task.ANOMALY, "i", f"{system} {k}", AB if k % 4 == 0 else "normal", None, "s", system
        )
        for system, size in (("BGL", 60), ("Spirit", 40))
        for k in range(size)
    ]
    validation = held_out(Task.ANOMALY, cold_start, "validation")
    train = held_out(Task.ANOMALY, cold_start, "train")
    assert len(validation) == 20 and len(train) == 80
    assert {e.input for e in validation}.isdisjoint(e.input for e in train)
    by = Counter((e.system, e.label) for e in validation)
    # 30% of each system's anomalies (15 and 10), the rest of its quota normal
    assert by == {("BGL", AB): 4, ("BGL", "normal"): 8, ("Spirit", AB): 3, ("Spirit", "normal"): 5}
    assert validation == held_out(Task.ANOMALY, cold_start, "validation")  # fixed seed
    assert held_out(Task.PARSE, cold_start, "train") == cold_start  # only anomaly holds out


def test_only_parsing_has_an_unseen_split(data_dir):
    with pytest.raises(ValueError, match="no 'test_unseen' split"):
        load_split(Task.ANOMALY, "test_unseen", data_dir)


def test_ambiguous_loose_label_fix_is_not_applied():
    items = [Example(Task.ANOMALY, "i", text, "normal", None, "s") for text in ("a b", "a-b")]
    fixed = apply_label_fixes(items, [("a, b!", "abnormal")])
    assert [e.label for e in fixed] == ["normal", "normal"]


def _systems(counts: dict[str, int]) -> list[Example]:
    return [
        Example(Task.PARSE, "i", f"{system} {k}", "t", None, "s", system)
        for system, count in counts.items()
        for k in range(count)
    ]


def test_sample_is_fixed_by_seed_and_keeps_input_order():
    items = _systems({"A": 50, "B": 50})
    first, again = sample(items, 10, seed=3), sample(items, 10, seed=3)
    assert first == again
    assert first != sample(items, 10, seed=4)
    positions = [items.index(e) for e in first]
    assert positions == sorted(positions)


def test_sample_gives_every_system_its_share():
    items = _systems({"A": 900, "B": 50, "C": 50})
    counts = Counter(e.system for e in sample(items, 20, seed=0))
    assert counts == {"A": 18, "B": 1, "C": 1}
    small = Counter(e.system for e in sample(_systems({s: 2000 for s in UNSEEN_SYSTEMS}), 90, 1))
    assert small == {system: 10 for system in UNSEEN_SYSTEMS}


def _anomalies(counts: dict[tuple[str, str], int]) -> list[Example]:
    return [
        Example(Task.ANOMALY, "i", f"{system} {label} {k}", label, None, "s", system)
        for (system, label), count in counts.items()
        for k in range(count)
    ]


def test_anomaly_samples_are_balanced_by_label_within_each_system():
    items = _anomalies(
        {("A", "normal"): 90, ("A", "abnormal"): 10, ("B", "normal"): 97, ("B", "abnormal"): 3}
    )
    counts = Counter((e.system, e.label) for e in sample(items, 20, seed=0))
    # each system keeps its share (10 each); labels split evenly where they can, B's 3 abnormal
    # items are all taken and the rest of B's share goes to its normal items
    assert counts == {
        ("A", "normal"): 5,
        ("A", "abnormal"): 5,
        ("B", "normal"): 7,
        ("B", "abnormal"): 3,
    }
    assert sample(items, 20, seed=0) == sample(items, 20, seed=0)


def test_sample_larger_than_set_returns_everything():
    items = _systems({"A": 3})
    assert sample(items, 10, seed=0) == items
    assert sample(items, 0, seed=0) == []


def _real_data_dir() -> Path | None:
    try:
        return find_data_dir()
    except DataDirNotFound:
        return None


REAL = _real_data_dir()


@pytest.mark.skipif(REAL is None, reason="research data not found")
@pytest.mark.parametrize(
    ("task", "split", "size", "dropped"),
    [
        (Task.PARSE, "train", 1400, 0),
        (Task.PARSE, "test", 10754, 1846),
        (Task.PARSE, "test_unseen", 18000, 0),
        (Task.ANOMALY, "train", 266, 0),
        (Task.ANOMALY, "validation", 66, 0),
        (Task.ANOMALY, "test", 2731, 0),
        (Task.INTERPRET, "test", 46, 30),
        (Task.ROOT_CAUSE, "test", 45, 31),
        (Task.SOLUTION, "test", 47, 29),
    ],
)
def test_shipped_splits_have_the_measured_sizes(task, split, size, dropped):
    examples, report = load_split_with_report(task, split, REAL)
    assert (len(examples), report.dropped) == (size, dropped)


@pytest.mark.skipif(REAL is None, reason="research data not found")
def test_shipped_anomaly_test_labels_carry_the_expert_fixes():
    labels = Counter(e.label for e in load_split(Task.ANOMALY, "test", REAL))
    assert labels == {"normal": 2516, "abnormal": 215}


@pytest.mark.skipif(REAL is None, reason="research data not found")
def test_shipped_anomaly_cold_start_carries_the_expert_fixes():
    """R-Log labels 40 cold-start items abnormal; the fixes move 30 up and 1 down (69 in all),
    split 48 train / 21 validation."""
    train = load_split(Task.ANOMALY, "train", REAL)
    validation = load_split(Task.ANOMALY, "validation", REAL)
    assert sum(e.label == AB for e in train) == 48
    assert sum(e.label == AB for e in validation) == 21
    assert sum(e.reasoning == fixed_label_reasoning(e.input) for e in train + validation) == 31
