"""The report of ``rlog-tui analyze FILE --task anomaly --all``: every template and its verdict.

Built from a finished ``Screener``; rendered as a Markdown table for people or as one JSON object
for scripts. The numbers that matter to the reader come first: lines, templates, model calls (the
cost), and which templates the model called abnormal with the first lines where each occurs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from rlog_tui.screener import Screener

TEMPLATE_COLUMN_CHARS = 90


@dataclass(frozen=True, slots=True)
class TemplateRow:
    template_id: int
    template: str
    count: int
    verdict: str
    """``normal``, ``abnormal``, ``unknown`` (malformed answer) or ``unscreened``."""
    from_cache: bool
    first_lines: list[int]
    """First line numbers (1-based) of the template, at most the screener's ``max_line_numbers``."""


@dataclass(frozen=True, slots=True)
class ScreeningReport:
    file: str
    model: str
    constrained: bool
    lines: int
    model_calls: int
    cache_hits: int
    templates: list[TemplateRow]

    @property
    def abnormal(self) -> list[TemplateRow]:
        return [row for row in self.templates if row.verdict == "abnormal"]

    def to_json(self) -> str:
        record = asdict(self)
        record["template_count"] = len(self.templates)
        record["abnormal_templates"] = [row.template_id for row in self.abnormal]
        return json.dumps(record, ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        mode = "grammar-constrained" if self.constrained else "unconstrained"
        out = [
            f"# Anomaly screening of {self.file}",
            "",
            f"- model: {self.model} ({mode} answers)",
            f"- lines: {self.lines:,} · templates: {len(self.templates):,} · "
            f"model calls: {self.model_calls:,} (cached verdicts: {self.cache_hits:,})",
            f"- abnormal templates: {len(self.abnormal):,}",
            "",
            "| id | count | verdict | first lines | template |",
            "|---:|---:|---|---|---|",
        ]
        for row in sorted(self.templates, key=lambda r: (r.verdict != "abnormal", -r.count)):
            template = row.template.replace("|", "\\|") or "(empty line)"
            if len(template) > TEMPLATE_COLUMN_CHARS:
                template = template[: TEMPLATE_COLUMN_CHARS - 1] + "…"
            lines = ", ".join(str(n) for n in row.first_lines[:5])
            cached = " (cached)" if row.from_cache else ""
            out.append(
                f"| {row.template_id} | {row.count:,} | {row.verdict}{cached} | {lines} | "
                f"{template} |"
            )
        return "\n".join(out)


def build_report(screener: Screener, file: str, model: str) -> ScreeningReport:
    """Snapshot a screener's templates and verdicts (call it after ``wait_idle``)."""
    rows = []
    for template, info in screener.templates():
        verdict = info.verdict
        rows.append(
            TemplateRow(
                template_id=template.id,
                template=template.text,
                count=template.count,
                verdict=verdict.label if verdict is not None else "unscreened",
                from_cache=verdict is not None and verdict.from_cache,
                first_lines=list(info.line_numbers),
            )
        )
    return ScreeningReport(
        file=file,
        model=model,
        constrained=screener.constrain,
        lines=screener.lines_seen,
        model_calls=screener.calls,
        cache_hits=screener.cache_hits,
        templates=rows,
    )
