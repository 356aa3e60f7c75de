"""Anomaly scores remembered on disk per (model identity, template text).

The screener asks the model about each template once; this file makes "once" hold across runs, so
re-opening yesterday's log costs no model calls. One JSON file (``verdicts.json`` under the user
cache dir) keyed by model identity, then by template text::

    {"version": 2, "models": {"<model id>": {"<template>": {"score": 0.83}}}}

The score is stored, not a label: labels come from thresholds that a new calibration may move.
Version 1 files held generated labels (the screener before scores): they are dropped quietly, as
a cache miss. Writes go to a temporary file in the same directory, are fsynced and renamed over
the old file, so a crash never leaves half a file. A file that cannot be read as that shape
(corrupt, truncated, another program's) is reset with one warning: a cache must never stop the
tool.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from rlog_tui.config import cache_dir
from rlog_tui.files import write_text_atomic

logger = logging.getLogger(__name__)

CACHE_VERSION = 2
OLD_VERSIONS = (1,)
"""Versions whose entries are dropped without a warning (their meaning changed, not corrupt)."""
CACHE_FILE_NAME = "verdicts.json"
MAX_ENTRIES_PER_MODEL = 50_000
"""Oldest verdicts of a model are dropped past this: the file stays a few MB at most."""


@dataclass(frozen=True, slots=True)
class CachedScore:
    """What the model said about one template: its anomaly score (``protocol.scores``)."""

    score: float


def default_cache_path() -> Path:
    """``verdicts.json`` in rlog's cache dir (``RLOG_CACHE_DIR`` overrides the location)."""
    return cache_dir() / CACHE_FILE_NAME


class VerdictCache:
    """A dict of verdicts backed by one JSON file; not shared between threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_cache_path()
        self._models: dict[str, dict[str, CachedScore]] = {}
        self._dirty = False
        self.load()

    def load(self) -> None:
        """(Re)read the file; a missing file is an empty cache, a corrupt one is reset."""
        self._models = {}
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as error:
            self._reset(f"cannot read it ({error})")
            return
        try:
            document = json.loads(raw)
            if isinstance(document, dict) and document.get("version") in OLD_VERSIONS:
                logger.info("verdict cache %s is from an older rlog: starting afresh", self.path)
                self._dirty = True
                return
            self._models = _decode(document)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._reset(f"it is corrupt ({error})")

    def get(self, model_id: str, template: str) -> CachedScore | None:
        return self._models.get(model_id, {}).get(template)

    def put(self, model_id: str, template: str, verdict: CachedScore) -> None:
        """Remember a score in memory; ``save()`` writes it."""
        entries = self._models.setdefault(model_id, {})
        entries.pop(template, None)
        entries[template] = verdict
        while len(entries) > MAX_ENTRIES_PER_MODEL:
            del entries[next(iter(entries))]
        self._dirty = True

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._models.values())

    def save(self) -> None:
        """Write the cache atomically if anything changed; a failed write is a warning only."""
        if not self._dirty:
            return
        document = {
            "version": CACHE_VERSION,
            "models": {
                model: {template: {"score": v.score} for template, v in entries.items()}
                for model, entries in self._models.items()
            },
        }
        try:
            write_text_atomic(self.path, json.dumps(document, ensure_ascii=False))
        except OSError as error:
            logger.warning("could not save the verdict cache %s: %s", self.path, error)
            return
        self._dirty = False

    def _reset(self, why: str) -> None:
        logger.warning("verdict cache %s was reset: %s", self.path, why)
        self._models = {}
        self._dirty = True


def _decode(document: object) -> dict[str, dict[str, CachedScore]]:
    if not isinstance(document, dict) or document.get("version") != CACHE_VERSION:
        raise ValueError(f"not a version-{CACHE_VERSION} verdict cache")
    models = document["models"]
    if not isinstance(models, dict):
        raise ValueError("'models' is not an object")
    decoded: dict[str, dict[str, CachedScore]] = {}
    for model, entries in models.items():
        if not isinstance(entries, dict):
            raise ValueError(f"entries of {model!r} are not an object")
        decoded[model] = {}
        for template, entry in entries.items():
            score = entry["score"]
            if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
                raise ValueError(f"score {score!r} is not a probability")
            decoded[model][template] = CachedScore(float(score))
    return decoded
