"""``eval.json`` (everything) and ``eval.md`` (the figures beside LogLM's), written atomically.

The reference column is LogLM's (LLaMA-2-7B, SFT) as ``shared/data/README.md`` quotes it; it was
measured on the full test sets, ours on the sample sizes shown beside every figure, with leaked
test items dropped unless the run said ``--full-splits``. Parsing and anomaly figures are 0..1,
generation figures ×100, as both papers print them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlog_train.evaluate.records import EvalResult
from rlog_train.evaluate.summary import set_figures
from rlog_tui.files import write_text_atomic

SCHEMA = "rlog-eval/1"
REFERENCE_NAME = "LogLM (LLaMA-2-7B, SFT)"

LOGLM: dict[str, float] = {
    "parse/test token_f1": 0.965,
    "anomaly/test f1 BGL": 0.625,
    "anomaly/test f1 Spirit": 0.278,
    "interpret/test bleu4": 15.6,
    "interpret/test rouge_l": 34.8,
    "root-cause/test bleu4": 12.4,
    "root-cause/test rouge_l": 30.2,
    "solution/test bleu4": 8.2,
    "solution/test rouge_l": 25.4,
}
"""LogLM's published figures on these test sets (data README), keyed ``"<set> <metric>"``."""


def all_figures(result: EvalResult) -> dict[str, dict[str, Any]]:
    """The figures of every set of the run, computed from its records."""
    return {s.name: set_figures(s.task, result.records_of(s.name)) for s in result.sets}


def headline_score(figures: dict[str, dict[str, Any]]) -> float:
    """One efficacy number per run: the mean over its sets of each set's main metric in [0, 1].

    Parsing counts its token F1, anomaly detection its F1, generation tasks ROUGE-L / 100. Used to
    compare a quantized model with its reference (``rlog-quantize verify``): a retention ratio,
    not a figure to publish on its own.
    """
    scores = []
    for block in figures.values():
        if "token_f1" in block:
            scores.append(float(block["token_f1"]))
        elif "f1" in block:
            scores.append(float(block["f1"]))
        elif "rouge_l" in block:
            scores.append(float(block["rouge_l"]) / 100)
    if not scores:
        raise ValueError("no task figures to reduce to a headline score")
    return sum(scores) / len(scores)


def to_json(result: EvalResult) -> dict[str, Any]:
    """The whole run as one JSON-ready object (the ``eval.json`` schema)."""
    done = len(result.records)
    planned = sum(len(s.examples) for s in result.sets)
    return {
        "schema": SCHEMA,
        "partial": result.partial,
        "stopped_reason": result.stopped_reason,
        "examples_done": done,
        "examples_planned": planned,
        "started_at": result.started_at,
        "wall_time_s": round(result.wall_time, 2),
        "config": result.config,
        "machine": result.machine,
        "metrics": all_figures(result),
        "reference": {"name": REFERENCE_NAME, "figures": LOGLM},
        "records": [record.to_json() for record in result.records],
    }


# -- Markdown ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    set_name: str
    metric: str
    value: Callable[[dict[str, Any]], str]
    size: Callable[[dict[str, Any]], str]
    reference: str | None = None


def _num(value: Any, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _get(figures: dict[str, Any], *path: str) -> Any:
    node: Any = figures
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _n(figures: dict[str, Any]) -> str:
    return str(figures.get("n", 0))


def _systems_n(figures: dict[str, Any]) -> str:
    systems = figures.get("systems") or {}
    if not systems:
        return _n(figures)
    return f"{figures.get('n', 0)} ({len(systems)} system{'s' if len(systems) > 1 else ''})"


def _anomaly_n(*path: str) -> Callable[[dict[str, Any]], str]:
    def size(figures: dict[str, Any]) -> str:
        block = _get(figures, *path) if path else figures
        if not block:
            return "0"
        return f"{block['n']} ({block['abnormal']} abnormal)"

    return size


def _parse_rows(set_name: str) -> list[_Row]:
    seen = set_name == "parse/test"
    return [
        _Row(
            set_name,
            "token-F1 (mean over systems)",
            lambda f: _num(f.get("token_f1"), 3),
            _systems_n,
            f"{LOGLM['parse/test token_f1']:.3f} (7 seen systems)" if seen else None,
        ),
        _Row(set_name, "PA", lambda f: _num(f.get("pa"), 3), _systems_n),
        _Row(set_name, "GA (within the sample)", lambda f: _num(f.get("ga"), 3), _systems_n),
    ]


def _anomaly_rows(set_name: str) -> list[_Row]:
    rows = [
        _Row(
            set_name,
            f"F1 {system} (abnormal positive)",
            lambda f, s=system: _num(_get(f, "systems", s, "f1"), 3),
            _anomaly_n("systems", system),
            f"{LOGLM[f'anomaly/test f1 {system}']:.3f}",
        )
        for system in ("BGL", "Spirit")
    ]
    rows.append(
        _Row(
            set_name,
            "F1 overall (precision / recall)",
            lambda f: (
                f"{_num(f.get('f1'), 3)} ({_num(f.get('precision'), 3)} / "
                f"{_num(f.get('recall'), 3)})"
                if f.get("n")
                else "–"
            ),
            _anomaly_n(),
        )
    )
    return rows


def _generation_rows(set_name: str) -> list[_Row]:
    rows = [
        _Row(
            set_name,
            label,
            lambda f, k=key: _num(f.get(k), 1),
            _n,
            f"{LOGLM[f'{set_name} {key}']:.1f}",
        )
        for label, key in (("BLEU-4", "bleu4"), ("ROUGE-L", "rouge_l"))
    ]
    return [
        *rows,
        _Row(
            set_name,
            "ROUGE-1 / ROUGE-2",
            lambda f: f"{_num(f.get('rouge1'), 1)} / {_num(f.get('rouge2'), 1)}",
            _n,
        ),
    ]


def _rows_for(result: EvalResult) -> list[tuple[str, _Row]]:
    rows = []
    for eval_set in result.sets:
        if eval_set.task.value == "parse":
            made = _parse_rows(eval_set.name)
        elif eval_set.task.value == "anomaly":
            made = _anomaly_rows(eval_set.name)
        else:
            made = _generation_rows(eval_set.name)
        rows.extend((eval_set.label, row) for row in made)
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def figures_table(result: EvalResult, figures: dict[str, dict[str, Any]] | None = None) -> str:
    """The main table: each task's figures, the sample size behind each, LogLM's reference."""
    figures = figures or all_figures(result)
    header = ["task", "metric", "this model", "n", REFERENCE_NAME]
    rows = [
        [
            label,
            row.metric,
            row.value(figures[row.set_name]),
            row.size(figures[row.set_name]),
            row.reference or "–",
        ]
        for label, row in _rows_for(result)
    ]
    return _table(header, rows)


def _percent(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def speed_table(result: EvalResult, figures: dict[str, dict[str, Any]] | None = None) -> str:
    """Form and speed per set: format-OK and valid rates, time to answer, decode speed."""
    figures = figures or all_figures(result)
    header = [
        "task",
        "n",
        "format OK",
        "answer valid",
        "mean reward",
        "time to answer median / p90 (answered)",
        "decode tok/s",
    ]
    rows = []
    for eval_set in result.sets:
        f = figures[eval_set.name]
        n = f.get("n", 0)
        latency = (
            f"{_num(f.get('time_to_answer_median_s'), 2)} s / "
            f"{_num(f.get('time_to_answer_p90_s'), 2)} s ({f.get('answered', 0)}/{n})"
        )
        rows.append(
            [
                eval_set.label,
                str(n),
                _percent(f.get("format_ok_rate")),
                _percent(f.get("answer_valid_rate")),
                _num(f.get("mean_reward"), 3),
                latency,
                _num(f.get("decode_tokens_per_s"), 1),
            ]
        )
    return _table(header, rows)


def systems_table(result: EvalResult, figures: dict[str, dict[str, Any]] | None = None) -> str:
    """Per-system parsing and anomaly figures (the averages above are over these)."""
    figures = figures or all_figures(result)
    header = ["set", "system", "n", "token-F1 / PA / GA  or  F1 (P / R)"]
    rows = []
    for eval_set in result.sets:
        systems = figures[eval_set.name].get("systems") or {}
        for system, block in systems.items():
            if eval_set.task.value == "parse":
                value = (
                    f"{_num(block['token_f1'], 3)} / {_num(block['pa'], 3)} / "
                    f"{_num(block['ga'], 3)}"
                )
                size = str(block["n"])
            else:
                value = (
                    f"{_num(block['f1'], 3)} ({_num(block['precision'], 3)} / "
                    f"{_num(block['recall'], 3)})"
                )
                size = f"{block['n']} ({block['abnormal']} abnormal)"
            rows.append([eval_set.label, system, size, value])
    return _table(header, rows) if rows else ""


def _describe_file(info: dict[str, Any] | None, origin: str | None) -> str:
    if not info:
        return "none"
    digest = f", sha256 {info['sha256'][:12]}…" if "sha256" in info else ""
    size = f", {info['size'] / 1e6:.1f} MB" if "size" in info else ""
    return f"`{info['path']}`{size}{digest}" + (f" ({origin})" if origin else "")


def render_markdown(result: EvalResult) -> str:
    """The whole ``eval.md``: what was run, on what, and the three tables."""
    config, machine = result.config, result.machine
    figures = all_figures(result)
    done = len(result.records)
    planned = sum(len(s.examples) for s in result.sets)
    mode = (
        "fast (answer-first, stops at `</answer>`)" if config.get("fast") else "full (reason-first)"
    )
    limit = config.get("limit")
    sample = f"at most {limit} per set" if limit else "whole sets"
    if config.get("per_unseen_system"):
        sample += f" ({config['per_unseen_system']} per unseen parsing system)"
    sample += "; A.D. label-balanced per system" if limit else ""
    leaks = "leaked test items dropped" if config.get("drop_leaked", True) else "full splits"
    lines = [
        f"# rlog evaluation: {config.get('model_description') or 'model'}",
        "",
        f"- runner: {config.get('runner', '?')}",
        f"- model: {_describe_file(config.get('model'), config.get('model_origin'))}",
        f"- adapter: {_describe_file(config.get('adapter'), config.get('adapter_origin'))}",
        f"- mode: {mode}; max tokens {config.get('max_tokens')}",
        f"- sample: {sample}, seed {config.get('seed')}, {leaks}; {done} of {planned} examples",
        f"- machine: {machine.get('cpu')}, {machine.get('nproc')} CPUs"
        + (f", {machine['gpu']}" if machine.get("gpu") else "")
        + (f", {config['threads']} llama.cpp thread(s)" if config.get("threads") else ""),
        f"- rlog {machine.get('rlog_version')} at commit {machine.get('rlog_commit') or 'unknown'};"
        f" started {result.started_at}, wall time {result.wall_time:.1f} s",
    ]
    if result.partial:
        lines += [
            "",
            f"**PARTIAL RESULTS** ({result.stopped_reason or 'stopped early'}): {done} of "
            f"{planned} examples finished; the figures cover those alone.",
        ]
    lines += [
        "",
        f"## Figures beside {REFERENCE_NAME}",
        "",
        figures_table(result, figures),
        "",
        f"{REFERENCE_NAME}: as quoted in `shared/data/README.md`, measured on the full test sets; "
        "n is this run's sample. Parsing and anomaly figures are 0..1, generation figures ×100.",
        "",
        "## Form and speed",
        "",
        speed_table(result, figures),
    ]
    systems = systems_table(result, figures)
    if systems:
        lines += ["", "## Per system", "", systems]
    return "\n".join(lines) + "\n"


def write_report(result: EvalResult, out_dir: Path) -> tuple[Path, Path]:
    """Write ``eval.json`` and ``eval.md`` into ``out_dir`` (created); return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "eval.json", out_dir / "eval.md"
    write_text_atomic(json_path, json.dumps(to_json(result), ensure_ascii=False, indent=1) + "\n")
    write_text_atomic(md_path, render_markdown(result))
    return json_path, md_path
