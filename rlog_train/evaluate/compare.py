"""Several ``eval.json`` runs side by side in one Markdown table (``rlog-train compare``).

Why: the README's model table (rlog-270m full and fast vs the base zero-shot vs LogLM) and the
ablation (X→Y vs X→(R,Y) vs + GRPO) are each several evaluation runs, and copying figures by hand
is how tables drift from the runs behind them. Each row is one run; each column is a set's
headline metric, read from the run's own ``metrics``, so a row shows exactly what that run's
``eval.md`` shows. Runs are only comparable on the same sample: a set whose sample differs between
runs (size or seed) is refused rather than silently compared.

Time to answer is the median over every example of the run, counting a response that never
closed its answer block at its whole generation time (it kept the user waiting that long).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlog_train.evaluate.report import LOGLM, REFERENCE_NAME
from rlog_train.evaluate.suite import TEST_SET_NAMES, EvalError, set_label


@dataclass(frozen=True, slots=True)
class Run:
    """One evaluation run and the name its row gets."""

    name: str
    record: dict[str, Any]

    @classmethod
    def load(cls, name: str, folder: Path) -> Run:
        """Read ``folder/eval.json`` (or the file itself), with a one-line error when unusable."""
        path = folder / "eval.json" if folder.is_dir() else folder
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise EvalError(f"{path}: no such eval.json") from None
        except (OSError, json.JSONDecodeError) as error:
            raise EvalError(f"{path}: unreadable eval.json ({error})") from None
        if not isinstance(record, dict) or "metrics" not in record:
            raise EvalError(f"{path}: not an rlog eval.json (no metrics)")
        return cls(name, record)

    def sample_of(self, set_name: str) -> tuple[Any, ...]:
        """What fixes a set's sample: its size, the seed and whether leaked items were kept."""
        config = self.record.get("config", {})
        inputs = tuple(
            r.get("input") for r in self.record.get("records", []) if r.get("set") == set_name
        )
        return (config.get("seed"), config.get("drop_leaked", True), inputs)

    def answer_time_median(self, sets: Sequence[str]) -> float | None:
        times = [
            r["time_to_answer"] if r.get("time_to_answer") is not None else r.get("total_time")
            for r in self.record.get("records", [])
            if r.get("set") in sets
        ]
        times = [t for t in times if t is not None]
        return statistics.median(times) if times else None

    def format_ok_rate(self, sets: Sequence[str]) -> float | None:
        flags = [r.get("format_ok") for r in self.record.get("records", []) if r.get("set") in sets]
        return sum(bool(f) for f in flags) / len(flags) if flags else None


def _columns(set_name: str) -> list[tuple[str, str, int]]:
    """``(header, metric key, digits)`` per column of a set."""
    label = set_label(set_name)
    if set_name.startswith("parse/"):
        return [(f"{label} token-F1", "token_f1", 3), (f"{label} PA", "pa", 3)]
    if set_name == "anomaly/test":
        return [(f"{label} F1", "f1", 3)]
    return [(f"{label} BLEU-4", "bleu4", 1), (f"{label} ROUGE-L", "rouge_l", 1)]


def _reference(set_name: str, key: str) -> str:
    if set_name == "parse/test" and key == "token_f1":
        return f"{LOGLM['parse/test token_f1']:.3f}"
    if set_name == "anomaly/test" and key == "f1":
        bgl, spirit = LOGLM["anomaly/test f1 BGL"], LOGLM["anomaly/test f1 Spirit"]
        return f"{bgl:.3f} BGL, {spirit:.3f} Spirit"
    value = LOGLM.get(f"{set_name} {key}")  # the generation sets' BLEU-4 and ROUGE-L
    return f"{value:.1f}" if value is not None else "–"


def common_sets(runs: Sequence[Run], wanted: Sequence[str] | None = None) -> list[str]:
    """The sets every run covers (in report order), or ``wanted`` checked to be."""
    covered = [set(run.record["metrics"]) for run in runs]
    names = list(wanted) if wanted else [s for s in TEST_SET_NAMES if all(s in c for c in covered)]
    for name in names:
        missing = [run.name for run, sets in zip(runs, covered, strict=True) if name not in sets]
        if missing:
            raise EvalError(f"set {name} is not in the run(s) {', '.join(missing)}")
    if not names:
        raise EvalError("the runs share no test set")
    return names


def check_same_samples(runs: Sequence[Run], sets: Sequence[str]) -> None:
    """Refuse to put side by side runs whose samples of a set differ."""
    for name in sets:
        first = runs[0].sample_of(name)
        for run in runs[1:]:
            if run.sample_of(name) != first:
                raise EvalError(
                    f"{run.name} and {runs[0].name} were evaluated on different samples of "
                    f"{name}: rerun with the same --limit/--per-unseen-system/--seed"
                )


def compare_table(runs: Sequence[Run], sets: Sequence[str] | None = None) -> str:
    """The Markdown table: one row per run, a LogLM reference row, then the sample sizes."""
    if not runs:
        raise EvalError("give at least one NAME=EVAL_DIR")
    names = common_sets(runs, sets)
    check_same_samples(runs, names)
    columns = [(name, *column) for name in names for column in _columns(name)]
    header = ["model", *(c[1] for c in columns), "format OK", "time to answer (median)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        cells = [run.name]
        for set_name, _, key, digits in columns:
            value = run.record["metrics"][set_name].get(key)
            cells.append("–" if value is None else f"{value:.{digits}f}")
        rate = run.format_ok_rate(names)
        seconds = run.answer_time_median(names)
        cells.append("–" if rate is None else f"{rate:.0%}")
        cells.append("–" if seconds is None else f"{seconds:.2f} s")
        lines.append("| " + " | ".join(cells) + " |")
    reference = [f"{REFERENCE_NAME}, full test sets"]
    reference += [_reference(set_name, key) for set_name, _, key, _ in columns]
    lines.append("| " + " | ".join([*reference, "–", "–"]) + " |")
    sizes = ", ".join(f"{set_label(n)} {runs[0].record['metrics'][n].get('n', 0)}" for n in names)
    lines.append("")
    lines.append(f"n per set (same sample in every row): {sizes}.")
    return "\n".join(lines)


def parse_run_argument(text: str) -> tuple[str, Path]:
    """``NAME=DIR`` → (name, path); a bare ``DIR`` is named after its folder."""
    name, sep, path = text.partition("=")
    if not sep:
        return Path(text).name, Path(text)
    if not name or not path:
        raise EvalError(f"{text!r}: expected NAME=EVAL_DIR")
    return name, Path(path)
