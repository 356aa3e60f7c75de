"""The miner's answers to input that is not an ordinary log line."""

from __future__ import annotations

import pytest

from rlog_tui.templates import MinerConfig, TemplateMiner


def test_empty_and_whitespace_lines_share_one_empty_template() -> None:
    miner = TemplateMiner()
    results = [miner.add(line) for line in ["", "   ", "\t \t", "\n"]]
    assert len({r.template_id for r in results}) == 1
    assert results[0].template == "" and results[0].change == "new"
    assert miner.get(results[0].template_id).count == 4  # type: ignore[union-attr]
    assert miner.match("  ") is not None


def test_ten_megabyte_line_is_mined_from_a_bounded_prefix() -> None:
    config = MinerConfig(max_line_chars=4096, max_tokens=256)
    miner = TemplateMiner(config)
    huge = "payload " + "abc " * (10 * 1024 * 1024 // 4)
    result = miner.add(huge)
    assert len(result.template) <= config.max_line_chars + 10
    assert result.template.startswith("payload abc abc")
    # The same huge line again matches without learning anything new.
    assert miner.add(huge).change == "none"


def test_many_tokens_are_cut_to_max_tokens() -> None:
    miner = TemplateMiner(MinerConfig(max_tokens=8, strip_headers=False))
    result = miner.add(" ".join(f"w{i}x" for i in range(1000)))
    assert result.template.split() == [*(f"w{i}x" for i in range(8)), "<*>"]


def test_binary_junk_does_not_crash() -> None:
    miner = TemplateMiner()
    junk = bytes(range(256)).decode("latin-1") * 4
    first = miner.add(junk)
    second = miner.add(junk)
    assert first.template_id == second.template_id
    assert miner.add("\x00\x00\xff\xfe binary \x1b[31m red").template_id > 0


@pytest.mark.parametrize(
    ("first", "second", "template"),
    [
        pytest.param("123 0x1f 10.0.0.1:80", "456 0xff 192.168.1.1:443", "<*> <*> <*>",
                     id="a line of only variables"),
        pytest.param("value is <*> now", "value is 42 now", "value is <*> now",
                     id="a literal wildcard in a line is a variable"),
    ],
)  # fmt: skip
def test_odd_lines_share_one_template(first: str, second: str, template: str) -> None:
    miner = TemplateMiner(MinerConfig(strip_headers=False))
    a, b = miner.add(first), miner.add(second)
    assert a.template == b.template == template
    assert a.template_id == b.template_id


def _word(i: int) -> str:
    letters = []
    while True:
        i, r = divmod(i, 26)
        letters.append(chr(97 + r))
        if i == 0:
            return "".join(letters)


def test_hundred_thousand_distinct_templates_stay_under_the_cap() -> None:
    cap = 1000
    miner = TemplateMiner(MinerConfig(max_templates=cap, cache_size=5000))
    last_id = 0
    for i in range(100_000):
        result = miner.add(f"{_word(i)}q started {_word(i)}z")
        assert result.template_id > last_id
        last_id = result.template_id
        assert len(miner) <= cap
    ids = [t.id for t in miner.templates()]
    assert ids == list(range(100_000 - cap + 1, 100_001))
    assert miner.get(1) is None
