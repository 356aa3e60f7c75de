"""Generated parsing items: every label is a template of its own line, in Loghub's conventions."""

from __future__ import annotations

import re
from types import SimpleNamespace

from rlog_train.data.synthetic_parsing import SKELETONS, SOURCE, synthetic_parsing
from rlog_train.sft import examples_for
from rlog_tui.protocol import Task


def _as_pattern(template: str) -> re.Pattern[str]:
    """The template as a regular expression: each ``<*>`` a non-empty run of characters."""
    return re.compile(".+?".join(re.escape(part) for part in template.split("<*>")) + r"\Z")


def test_each_label_matches_its_line_and_masks_only_values() -> None:
    items = synthetic_parsing(3 * len(SKELETONS), seed=3)
    assert len(items) == 3 * len(SKELETONS)
    for item in items:
        assert item.task is Task.PARSE and item.source == SOURCE
        assert "{" not in item.label, item.label
        assert _as_pattern(item.label).match(item.input), (item.input, item.label)
        assert item.label != item.input or "<*>" not in item.label
    constant = [i for i in items if "<*>" not in i.label]
    assert constant and all(i.label == i.input for i in constant)


def test_values_are_written_as_the_corrected_templates_write_them() -> None:
    items = synthetic_parsing(2 * len(SKELETONS), seed=5)
    by_start = {i.label.split(" ", 1)[0]: i for i in items}
    assert by_start["worker_<*>"].input.startswith("worker_")
    gc = next(i for i in items if i.label.startswith("GC pause"))
    assert gc.label == "GC pause <*>.<*> ms, heap <*> MB of <*> MB"
    tls = next(i for i in items if i.label.startswith("TLS handshake"))
    assert tls.label.startswith("TLS handshake with <*>:<*> failed")
    assert re.match(r"TLS handshake with \d+\.\d+\.\d+\.\d+:\d+ failed", tls.input)


def test_reasons_name_the_masked_values_and_the_seed_fixes_the_items() -> None:
    items = synthetic_parsing(40, seed=7)
    assert items == synthetic_parsing(40, seed=7)
    assert items != synthetic_parsing(40, seed=8)
    assert synthetic_parsing(10, seed=7) == items[:10]
    session = next(i for i in synthetic_parsing(len(SKELETONS), 1) if "opened for user" in i.input)
    user = session.input.split("user ")[1].split()[0]
    assert session.reasoning is not None and user in session.reasoning
    assert session.reasoning.startswith("L1: masks 3 values")


def test_a_run_adds_the_generated_items_after_the_replay_caps(tmp_path) -> None:
    from rlog_train.formatting import save_examples

    real = synthetic_parsing(6, seed=1)
    path = tmp_path / "examples.json"
    save_examples(real, path)
    config = SimpleNamespace(
        examples_file=str(path),
        tasks="parse",
        limit=None,
        seed=2,
        task_limits={"parse": 4},
        abnormal_repeat=1,
        answer_words=None,
        answer_words_tasks=None,
        synthetic_parsing=5,
    )
    chosen = examples_for(config)
    assert len(chosen) == 4 + 5
    assert chosen[4:] == synthetic_parsing(5, seed=2)
