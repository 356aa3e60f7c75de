"""The miner's work per line is bounded by the line's size, whatever the line holds.

Work is counted by the miner (`TemplateMiner.work`), not timed: characters masked, token pairs
compared and characters scanned by matching and merging. A pytest timeout turns a regression to
exponential time into a failure instead of a hung suite.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rlog_tui.templates import MinerConfig, TemplateMiner
from rlog_tui.templates.merging import merge_token, token_matches

_PATH = Path(__file__).resolve().parents[1] / "bench" / "pathological_lines.py"
_spec = importlib.util.spec_from_file_location("pathological_lines", _PATH)
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


def _bound(config: MinerConfig, line: str) -> int:
    """Linear in the (cut) line, times the templates one line may be compared with."""
    size = min(len(line), config.max_line_chars)
    return 4 * (config.group_scan_limit + 2) * (size + config.max_tokens)


@pytest.mark.timeout(120)
def test_work_per_line_is_bounded_by_the_line_size_on_the_pathological_corpus() -> None:
    config = MinerConfig()
    miner = TemplateMiner(config)
    lines = corpus.pathological_corpus()
    for line in lines + lines[::-1]:
        before = miner.work
        miner.add(line)
        assert miner.work - before <= _bound(config, line), line[:80]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("first", "second"), corpus.tuple_pairs())
def test_tuple_lists_one_tuple_apart_are_two_templates_at_linear_cost(
    first: str, second: str
) -> None:
    miner = TemplateMiner()
    a = miner.add(first)
    before = miner.work
    b = miner.add(second)
    assert a.template_id != b.template_id  # different token counts inside one token
    assert miner.work - before <= 4 * len(second)
    # The shorter list is not an instance of the longer one's template, nor the other way round.
    assert miner.match(second).id == b.template_id  # type: ignore[union-attr]


@pytest.mark.timeout(30)
def test_glob_matching_of_a_token_with_many_wildcards_is_exact() -> None:
    template = ",".join(["(<*>,<*>,<*>,<*>,1)"] * 30)
    inside = ",".join(f"({i},{-i},{i},{i},1)" for i in range(30))
    one_short = ",".join(f"({i},{-i},{i},{i},1)" for i in range(29))
    assert token_matches(template, inside)
    assert not token_matches(template, one_short)  # exponential with a backtracking regex
    assert not token_matches(template, inside + "x")
    assert token_matches("a<*>b<*>c", "abc")  # a wildcard may stand for nothing
    assert token_matches("a<*>b<*>c", "acb") is False
    assert token_matches("a<*>b<*>c", "a-b-c")
    assert token_matches("<*>b<*>", "b")
    assert token_matches("ab<*>ba", "aba") is False  # prefix and suffix may not overlap
    assert merge_token(template, one_short) != template
