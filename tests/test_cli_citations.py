"""`analyze --json` citations: `L<n>` of the reason mapped to the file's own line numbers."""

from __future__ import annotations

import json
from types import SimpleNamespace

from test_cli import SAMPLE, rlog

from rlog_tui.cli import _citations


def test_cited_prompt_lines_map_to_file_lines_and_unsent_ones_stay_unverified() -> None:
    selected = [(41, "disk full on /var"), (42, "retrying write \x1b[31m")]
    outcome = SimpleNamespace(
        parsed=SimpleNamespace(think="L2: the write is retried after L1; see L9."),
        sent=("disk full on /var", "retrying write ␛[31m"),
    )
    assert _citations(outcome, selected) == [
        {"cited": "L2", "line": 42, "text": "retrying write ␛[31m", "verified": True},
        {"cited": "L1", "line": 41, "text": "disk full on /var", "verified": True},
        {"cited": "L9", "line": None, "text": "", "verified": False},
    ]


def test_analyze_json_carries_a_citations_list() -> None:
    result = rlog("analyze", str(SAMPLE), "--lines", "3", "--json", "--max-tokens", "64")
    assert result.returncode in (0, 3), result.stderr
    record = json.loads(result.stdout)
    assert isinstance(record["citations"], list)
    for citation in record["citations"]:
        assert set(citation) == {"cited", "line", "text", "verified"}
        assert citation["verified"] == (citation["line"] == 3)
