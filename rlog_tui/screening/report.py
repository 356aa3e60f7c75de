"""The report of ``rlog-tui analyze FILE --task anomaly --all``: every template, ranked by score.

Built from a finished ``Screener``; rendered as a Markdown table for people or as one JSON object
for scripts. The numbers that matter to the reader come first: lines, templates, model calls (the
cost), the thresholds (calibrated or not), then the templates most suspicious first, each with its
score, its label and the first lines where it occurs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from rlog_tui.screening.screener import Screener, score_of


@dataclass(frozen=True, slots=True)
class TemplateRow:
    template_id: int
    template: str
    count: int
    score: float | None
    """P(abnormal) against P(normal) (``protocol.scores``); None when unscored or unknown."""
    verdict: str
    """``abnormal``, ``inconclusive``, ``normal``, ``unknown`` (no score) or ``unscreened``."""
    from_cache: bool
    level: str | None
    """The most severe level its lines' headers declared (``INFO``, ``FATAL``…); None: none did."""
    detail: str
    """Why the verdict is what it is when the score alone does not say (``logged at INFO``)."""
    first_lines: list[int]
    """First line numbers (1-based) of the template, at most the screener's ``max_line_numbers``."""


TEMPLATE_COLUMN_CHARS = 90


@dataclass(frozen=True, slots=True)
class ScreeningReport:
    file: str
    format: str
    """The log's format (recognised, or ``--format``)."""
    model: str
    thresholds: dict[str, object]
    """``flag``, ``clear`` and ``origin`` (calibrated from which file, or uncalibrated)."""
    lines: int
    entries: int
    """Log entries (a first line plus its continuation lines); templates count entries."""
    model_calls: int
    cache_hits: int
    templates: list[TemplateRow]
    """Highest score first; unscored templates last."""

    def _with(self, verdict: str) -> list[TemplateRow]:
        return [row for row in self.templates if row.verdict == verdict]

    @property
    def abnormal(self) -> list[TemplateRow]:
        return self._with("abnormal")

    @property
    def inconclusive(self) -> list[TemplateRow]:
        return self._with("inconclusive")

    def to_json(self) -> str:
        record = asdict(self)
        record["template_count"] = len(self.templates)
        record["abnormal_templates"] = [row.template_id for row in self.abnormal]
        record["inconclusive_templates"] = [row.template_id for row in self.inconclusive]
        return json.dumps(record, ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        flag, clear = self.thresholds["flag"], self.thresholds["clear"]
        out = [
            f"# Anomaly screening of {self.file}",
            "",
            f"- model: {self.model}",
            f"- scores: P(abnormal) vs P(normal) at the answer; abnormal >= {flag:.2f}, "
            f"normal < {clear:.2f}, inconclusive between ({self.thresholds['origin']}); "
            "a template logged only at INFO or below is inconclusive at most",
            f"- format: {self.format} · lines: {self.lines:,} · entries: {self.entries:,} · "
            f"templates: {len(self.templates):,} · "
            f"model calls: {self.model_calls:,} (cached scores: {self.cache_hits:,})",
            f"- abnormal templates: {len(self.abnormal):,} · "
            f"inconclusive: {len(self.inconclusive):,}",
            "",
            "| id | count | score | verdict | first lines | template |",
            "|---:|---:|---:|---|---|---|",
        ]
        for row in self.templates:
            template = row.template.replace("|", "\\|") or "(empty line)"
            if len(template) > TEMPLATE_COLUMN_CHARS:
                template = template[: TEMPLATE_COLUMN_CHARS - 1] + "…"
            lines = ", ".join(str(n) for n in row.first_lines[:5])
            cached = (f" ({row.detail})" if row.detail else "") + (
                " (cached)" if row.from_cache else ""
            )
            score = "–" if row.score is None else f"{row.score:.3f}"
            out.append(
                f"| {row.template_id} | {row.count:,} | {score} | {row.verdict}{cached} | "
                f"{lines} | {template} |"
            )
        return "\n".join(out)


def build_report(
    screener: Screener, file: str, model: str, thresholds_origin: str = "", log_format: str = ""
) -> ScreeningReport:
    """Snapshot a screener's templates and verdicts, ranked (call it after ``wait_idle``)."""
    rows = []
    for template, info in screener.ranked():
        verdict = info.verdict
        rows.append(
            TemplateRow(
                template_id=template.id,
                template=template.text,
                count=template.count,
                score=score_of(info),
                verdict=verdict.label if verdict is not None else "unscreened",
                from_cache=verdict is not None and verdict.from_cache,
                level=None if info.level is None else info.level.name,
                detail="" if verdict is None else verdict.detail,
                first_lines=list(info.line_numbers),
            )
        )
    thresholds = screener.thresholds
    return ScreeningReport(
        file=file,
        format=log_format,
        model=model,
        thresholds={
            "flag": thresholds.flag,
            "clear": thresholds.clear,
            "origin": thresholds_origin,
        },
        lines=screener.lines_seen,
        entries=screener.entries_seen,
        model_calls=screener.calls,
        cache_hits=screener.cache_hits,
        templates=rows,
    )
