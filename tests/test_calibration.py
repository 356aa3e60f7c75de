"""Calibration files: written atomically, read back, and trusted only for the weights they name."""

from __future__ import annotations

import stat

import pytest

from rlog_tui.protocol import Thresholds, scoring_fingerprint
from rlog_tui.screening.calibration import (
    HASH_CHECK_LIMIT,
    Calibration,
    CalibrationError,
    calibration_path,
    identify,
    read_calibration,
    write_calibration,
)


@pytest.fixture
def weights(tmp_path):
    """Two small files standing in for weights: identity is about bytes, not what they hold."""
    model, adapter = tmp_path / "base.gguf", tmp_path / "my-lora.gguf"
    model.write_bytes(b"GGUF base " * 100)
    adapter.write_bytes(b"GGUF adapter " * 100)
    return model, adapter


def make(model, adapter) -> Calibration:
    return Calibration(
        Thresholds(flag=0.31, clear=0.07),
        identify(model),
        None if adapter is None else identify(adapter),
        scoring_fingerprint(),
        {"figures": {"f1": 0.5}, "command": "rlog-train calibrate"},
    )


def test_written_calibration_reads_back_the_same_and_is_readable_by_all(weights, tmp_path):
    model, adapter = weights
    path = calibration_path(model, adapter)
    assert path == tmp_path / "my-lora.calibration.json"
    assert calibration_path(model, None) == tmp_path / "base.calibration.json"
    calibration = make(model, adapter)
    write_calibration(path, calibration)
    assert read_calibration(path) == calibration
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_it_fits_only_the_weights_it_was_made_with(weights, tmp_path):
    model, adapter = weights
    calibration = make(model, adapter)
    assert calibration.fits(model, adapter)
    assert not calibration.fits(model, None)
    assert not make(model, None).fits(model, adapter)
    assert make(model, None).fits(model, None)
    same_size = tmp_path / "retrained.gguf"
    same_size.write_bytes(adapter.read_bytes().replace(b"adapter", b"ADAPTER", 1))
    assert not calibration.fits(model, same_size)  # small files: checked by sha256
    bigger = tmp_path / "other-base.gguf"
    bigger.write_bytes(model.read_bytes() + b"!")
    assert not calibration.fits(bigger, adapter)
    assert not calibration.fits(tmp_path / "missing.gguf", adapter)
    assert HASH_CHECK_LIMIT < 253_113_024  # the embedded base is checked by size only


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        '{"version": 2, "flag_threshold": 0.5, "clear_threshold": 0.5}',
        '{"version": 1, "flag_threshold": 0.5}',
        '{"version": 1, "flag_threshold": 0.2, "clear_threshold": 0.4, "model": {"name": "m", '
        '"size": 1, "sha256": "x"}, "adapter": null, "prompt_fingerprint": "p"}',
    ],
)
def test_malformed_files_are_one_calibration_error(tmp_path, text):
    path = tmp_path / "x.calibration.json"
    path.write_text(text)
    with pytest.raises(CalibrationError):
        read_calibration(path)


def test_a_missing_file_is_a_calibration_error(tmp_path):
    with pytest.raises(CalibrationError, match="cannot read"):
        read_calibration(tmp_path / "absent.calibration.json")
