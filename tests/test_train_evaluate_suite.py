"""Which test sets a run covers: task lists, per-set sampling, leak dropping, bad input."""

from __future__ import annotations

from collections import Counter

import pytest
from research_data import needs_data

from rlog_train.evaluate import EvalError, EvalOptions, build_sets
from rlog_tui.protocol import OutputOrder, Task


def test_fast_mode_asks_for_answer_first():
    assert EvalOptions(fast=True).order is OutputOrder.ANSWER_FIRST
    assert EvalOptions().order is OutputOrder.REASON_FIRST


@needs_data
def test_parsing_has_seen_and_unseen_sets_sampled_per_set():
    sets = build_sets(EvalOptions(tasks=(Task.PARSE, Task.ANOMALY), limit=9, seed=3))
    assert [s.name for s in sets] == ["parse/test", "parse/test_unseen", "anomaly/test"]
    assert [s.label for s in sets] == ["L.P. seen", "L.P. unseen", "A.D."]
    assert all(len(s.examples) == 9 for s in sets)
    unseen = sets[1]
    assert len({e.system for e in unseen.examples}) == 9  # stratified: every unseen system
    assert sets[0].available == 10754 and sets[0].dropped_leaked == 1846
    again = build_sets(EvalOptions(tasks=(Task.PARSE,), limit=9, seed=3))
    assert [e.input for e in again[0].examples] == [e.input for e in sets[0].examples]


@needs_data
def test_per_unseen_system_draws_that_many_from_each_unseen_system():
    options = EvalOptions(tasks=(Task.PARSE,), limit=5, per_unseen_system=3, seed=1)
    seen, unseen = build_sets(options)
    assert len(seen.examples) == 5
    counts = Counter(e.system for e in unseen.examples)
    assert len(counts) == 9 and set(counts.values()) == {3}
    with pytest.raises(EvalError, match="--per-unseen-system"):
        build_sets(EvalOptions(tasks=(Task.PARSE,), per_unseen_system=0))


@needs_data
def test_full_splits_keep_the_leaked_items():
    (kept,) = build_sets(EvalOptions(tasks=(Task.INTERPRET,), drop_leaked=False))
    (held_out,) = build_sets(EvalOptions(tasks=(Task.INTERPRET,)))
    assert len(kept.examples) == 76 and kept.dropped_leaked == 0
    assert len(held_out.examples) == 46 and held_out.dropped_leaked == 30


def test_bad_limit_and_missing_data_dir_are_clean_errors(tmp_path):
    with pytest.raises(EvalError, match="--limit"):
        build_sets(EvalOptions(limit=0, data_dir=tmp_path))
    with pytest.raises(EvalError, match="does not exist"):
        build_sets(EvalOptions(data_dir=tmp_path / "absent"))
