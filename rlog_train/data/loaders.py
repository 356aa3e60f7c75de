"""Readers for the shared research data (``../shared/data``), each returning ``Example`` items.

One function per upstream format, no split logic: which file feeds which split lives in
``splits``. The data directory is needed only for training and evaluation, never by the installed
TUI, so it is looked up lazily and its absence is a one-line ``DataDirNotFound``.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rlog_train.data.examples import Example
from rlog_tui.errors import InputError
from rlog_tui.protocol import TASKS, Task, parse_response

DATA_DIR_ENV = "RLOG_DATA_DIR"

RLOG_FILES: dict[Task, str] = {
    Task.PARSE: "logParsing",
    Task.ANOMALY: "AnomalyDetection",
    Task.INTERPRET: "LogInterpretation",
    Task.ROOT_CAUSE: "RootCauseAnalysis",
    Task.SOLUTION: "SolutionRecommendation",
}
"""The cold-start file of each task: ``rlog/<name>_with_reason.json``."""

LOGLM_TEST_FILES: dict[Task, str] = {
    Task.INTERPRET: "log_interpretation",
    Task.ROOT_CAUSE: "root_cause_analysis",
    Task.SOLUTION: "solution_recommendation",
}
"""LogLM's test set of each generation task: ``loglm/<name>_test.json``."""


class DataError(InputError):
    """The research data is missing or not in the shape its README describes."""


class DataDirNotFound(DataError):
    """No data directory was given, set in the environment, or found next to the repository."""


def find_data_dir(start: Path | None = None) -> Path:
    """The data directory: ``$RLOG_DATA_DIR``, else the nearest ``shared/data`` above us.

    Walking up from the working directory and from this package finds both the development layout
    (``<work>/main`` next to ``<work>/shared/data``) and a checkout that carries ``shared/`` inside.
    """
    if env := os.environ.get(DATA_DIR_ENV):
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DataDirNotFound(f"{DATA_DIR_ENV}={env} is not a directory")
        return path
    starts = [start] if start else [Path.cwd(), Path(__file__).resolve().parent]
    for origin in starts:
        for folder in [origin.resolve(), *origin.resolve().parents]:
            candidate = folder / "shared" / "data"
            if (candidate / "rlog").is_dir():
                return candidate
    raise DataDirNotFound(
        f"research data not found: set {DATA_DIR_ENV} or pass --data-dir "
        "(expected a shared/data folder above the working directory)"
    )


def _read_json(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise DataError(f"missing data file {path}")
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list):
        raise DataError(f"{path} is not a JSON list")
    return records


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataError(f"missing data file {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _labelled(
    task: Task, source: str, system: str, pairs: Iterable[tuple[str, str]]
) -> list[Example]:
    """``(input, label)`` pairs as examples of ``task`` with its fixed instruction and no reasoning.

    The shape of the evaluation sets that carry only labels (LogPrompt's, Loghub's).
    """
    instruction = TASKS[task].instruction
    return [Example(task, instruction, text, label, None, source, system) for text, label in pairs]


def load_rlog(task: Task, data_dir: Path) -> list[Example]:
    """R-Log's cold-start set for ``task``: reasoning R split out of ``<think>R</think><answer>Y``.

    The split goes through the protocol's parser, the one the reward uses. Upstream quirks, kept
    visible rather than repaired: some records wrap the target in a Markdown fence (the think text
    is still recovered); two anomaly records reason before ``<answer>`` without a ``<think>`` tag
    (that text is taken as R); four have an empty ``<think></think>`` (``reasoning`` is None, so
    ``to_target`` refuses them). ``label`` is always the record's own label field, even where the
    answer inside ``reasoning`` differs (HTML-escaped ``&lt;*&gt;``, a few rephrased texts).
    """
    name = RLOG_FILES[task]
    examples = []
    for record in _read_json(data_dir / "rlog" / f"{name}_with_reason.json"):
        parsed = parse_response(record["reasoning"])
        think = parsed.think or (parsed.outside.strip() if "think" not in parsed.blocks else "")
        examples.append(
            Example(
                task=task,
                instruction=record["instruction"],
                input=record["input"],
                label=record["label"],
                reasoning=think or None,
                source=f"rlog/{name}",
            )
        )
    return examples


def load_loglm_test(task: Task, data_dir: Path) -> list[Example]:
    """LogLM's test set for a generation task (``{instruction, input, output}``, no reasoning)."""
    if task not in LOGLM_TEST_FILES:
        raise ValueError(f"LogLM has no test file for task {task.value!r}")
    name = LOGLM_TEST_FILES[task]
    return [
        Example(
            task=task,
            instruction=record["instruction"],
            input=record["input"],
            label=record["output"],
            reasoning=None,
            source=f"loglm/{name}",
        )
        for record in _read_json(data_dir / "loglm" / f"{name}_test.json")
    ]


def load_logprompt(system: str, data_dir: Path) -> list[Example]:
    """LogPrompt's template-level anomaly labels for ``BGL`` or ``Spirit`` (1 = abnormal)."""
    rows = _read_csv(data_dir / "logprompt" / f"templates_{system.lower()}.csv")
    pairs = ((row["log"], "abnormal" if row["label"].strip() == "1" else "normal") for row in rows)
    return _labelled(Task.ANOMALY, f"logprompt/{system}", system, pairs)


def load_anomaly_patch(data_dir: Path) -> list[tuple[str, str]]:
    """R-Log's expert label fixes as ``(template input, rectified label)`` pairs."""
    return [
        (record["input"], record["rectified"].strip().lower())
        for record in _read_json(data_dir / "rlog" / "anomaly_patch.json")
    ]


def load_loghub(system: str, data_dir: Path, *, after_line: int = 0) -> list[Example]:
    """Loghub-2k lines of ``system`` with ``LineId > after_line``; label = original EventTemplate.

    The original (not the corrected) templates are the ground truth R-Log and LogLM report against.
    """
    rows = _read_csv(data_dir / "loghub" / system / f"{system}_2k.log_structured.csv")
    pairs = (
        (row["Content"], row["EventTemplate"]) for row in rows if int(row["LineId"]) > after_line
    )
    return _labelled(Task.PARSE, f"loghub/{system}", system, pairs)
