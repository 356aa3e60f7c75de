"""A model's score thresholds, calibrated on training data and kept next to its weights.

``rlog-train calibrate`` scores the anomaly training items with one model (base + adapter) through
the engine, picks ``flag``/``clear`` thresholds (``protocol.scores.Thresholds``) and writes them
with the figures they gave to ``<adapter>.calibration.json`` beside the adapter (beside the base
when there is none): ``rlog_tui/assets/rlog-270m-lora.calibration.json`` for the shipped adapter.

The runtime (``models.thresholds_for``) uses a file only when the weights it names are the ones
being loaded (same sizes, and the same sha256 for files up to ``HASH_CHECK_LIMIT``: an adapter is
hashed in milliseconds; the 253 MB base is not re-hashed at every start, its size must match) and
the scoring prompt is the one it was made with (``protocol.scoring_fingerprint``). Thresholds
calibrated for other weights or another prompt would be numbers without meaning, so a mismatch,
a missing or an unreadable file all fall back to the default (0.5, no band), "uncalibrated".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlog_tui.errors import InputError
from rlog_tui.files import write_text_atomic
from rlog_tui.protocol import Thresholds

CALIBRATION_SUFFIX = ".calibration.json"
CALIBRATION_VERSION = 1
HASH_CHECK_LIMIT = 64 << 20
"""Files up to this size are checked by sha256 when a calibration is loaded; larger by size."""
_CHUNK = 1 << 20


class CalibrationError(InputError):
    """A calibration file is missing, unreadable or not in the expected shape."""


@dataclass(frozen=True, slots=True)
class WeightsIdentity:
    """Which weights file a calibration was made with."""

    name: str
    size: int
    sha256: str

    def matches(self, path: Path) -> bool:
        """True when ``path`` holds the same weights (see the module docstring for the rule)."""
        try:
            size = path.stat().st_size
        except OSError:
            return False
        if size != self.size:
            return False
        return size > HASH_CHECK_LIMIT or sha256_of(path) == self.sha256


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def identify(path: Path) -> WeightsIdentity:
    """Name, size and sha256 of a weights file (hashing 253 MB takes about a second)."""
    return WeightsIdentity(path.name, path.stat().st_size, sha256_of(path))


@dataclass(frozen=True, slots=True)
class Calibration:
    """Thresholds for one model, the weights they belong to, and how they were found."""

    thresholds: Thresholds
    model: WeightsIdentity
    adapter: WeightsIdentity | None
    prompt: str
    """``protocol.scoring_fingerprint()`` when it was made: scores hold for that prompt only."""
    details: dict[str, Any] = field(default_factory=dict)
    """For people: the calibration set, its figures, the rule, the command and the date."""

    def fits(self, model_path: Path, adapter_path: Path | None) -> bool:
        """True when these thresholds were calibrated for exactly these weights."""
        if self.adapter is None or adapter_path is None:
            return self.adapter is None and adapter_path is None and self.model.matches(model_path)
        return self.adapter.matches(adapter_path) and self.model.matches(model_path)

    def to_json(self) -> str:
        document = {
            "version": CALIBRATION_VERSION,
            "flag_threshold": self.thresholds.flag,
            "clear_threshold": self.thresholds.clear,
            "model": _identity_record(self.model),
            "adapter": None if self.adapter is None else _identity_record(self.adapter),
            "prompt_fingerprint": self.prompt,
            **self.details,
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("version") != CALIBRATION_VERSION:
                raise ValueError(f"not a version-{CALIBRATION_VERSION} calibration")
            thresholds = Thresholds(
                flag=float(document.pop("flag_threshold")),
                clear=float(document.pop("clear_threshold")),
            )
            document.pop("version")
            model = _identity_of(document.pop("model"))
            adapter_record = document.pop("adapter")
            adapter = None if adapter_record is None else _identity_of(adapter_record)
            prompt = str(document.pop("prompt_fingerprint"))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise CalibrationError(f"not a calibration file ({error})") from None
        return cls(thresholds, model, adapter, prompt, document)


def _identity_record(identity: WeightsIdentity) -> dict[str, Any]:
    return {"name": identity.name, "size": identity.size, "sha256": identity.sha256}


def _identity_of(record: Any) -> WeightsIdentity:
    return WeightsIdentity(str(record["name"]), int(record["size"]), str(record["sha256"]))


def calibration_path(model_path: Path, adapter_path: Path | None) -> Path:
    """Where the calibration of these weights lives: beside the adapter, else beside the model."""
    weights = adapter_path if adapter_path is not None else model_path
    return weights.with_name(weights.stem + CALIBRATION_SUFFIX)


def read_calibration(path: Path) -> Calibration:
    """Load a calibration file; ``CalibrationError`` when it is missing or malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalibrationError(f"cannot read {path}: {error}") from None
    return Calibration.from_json(text)


def write_calibration(path: Path, calibration: Calibration) -> None:
    """Write atomically (``files.write_text_atomic``): a reader never sees half a file."""
    write_text_atomic(path, calibration.to_json())
