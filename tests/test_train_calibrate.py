"""``rlog-train calibrate``: the threshold rule by hand, the held-out validation data, and a file
the runtime then loads (real model, a few items)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import invoke
from research_data import needs_data

from rlog_train.calibrate import calibration_examples, fit_thresholds
from rlog_train.data import leakage_key, load_split
from rlog_tui.config import Settings
from rlog_tui.models import embedded_adapter_path, resolve_model, thresholds_for
from rlog_tui.protocol import Task

AB, NO = "abnormal", "normal"


def test_flag_threshold_lets_at_most_the_false_alarm_share_of_normal_items_through():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    truths = [AB, NO, AB, AB, NO, NO, AB, NO, NO, NO]
    # 6 normal items, floor(5% of 6) = 0 may score >= flag: halfway above the highest (0.8)
    thresholds = fit_thresholds(scores, truths)
    assert thresholds.flag == pytest.approx(0.85)
    # a third may (2 of 6): the third highest normal score, 0.4, stays below, 0.5 is flagged
    assert fit_thresholds(scores, truths, false_alarm_share=1 / 3).flag == pytest.approx(0.45)
    # 4 abnormal items, floor(5% of 4) = 0 may fall below clear: the lowest abnormal score
    assert thresholds.clear == 0.3
    # a quarter may: the second lowest abnormal score, 0.6, under the flag threshold
    assert fit_thresholds(scores, truths, miss_share=0.25).clear == pytest.approx(0.6)


def test_flag_threshold_does_not_move_with_how_common_anomalies_are():
    """Ten times the anomalies (a richer calibration set) leave the false-alarm threshold where
    it was; the threshold of best F1 would fall."""
    normal = [0.05 * k for k in range(20)]  # 0.0 … 0.95
    few = fit_thresholds([*normal, 0.97, 0.6], [NO] * 20 + [AB] * 2)
    many = fit_thresholds([*normal] + [0.97, 0.6] * 10, [NO] * 20 + [AB] * 20)
    assert few.flag == many.flag == pytest.approx(0.925)  # floor(5% of 20) = 1 normal above


def test_no_score_above_the_kept_normal_puts_the_flag_halfway_to_one():
    assert fit_thresholds([0.2, 0.4, 0.4], [AB, NO, NO]).flag == pytest.approx(0.7)


def test_calibration_needs_both_labels():
    with pytest.raises(ValueError, match="both"):
        fit_thresholds([0.2, 0.3], [NO, NO])


@needs_data
def test_calibration_items_are_the_validation_fifth_never_trained_on_nor_tested():
    examples = calibration_examples()
    assert (len(examples), sum(example.label == AB for example in examples)) == (66, 21)
    keys = {leakage_key(e.input) for e in examples}
    for split in ("train", "test"):
        assert not keys & {leakage_key(e.input) for e in load_split(Task.ANOMALY, split)}


@needs_data
@pytest.mark.skipif(embedded_adapter_path() is None, reason="this build ships no adapter")
def test_calibrate_writes_thresholds_beside_the_adapter_and_the_runtime_loads_them(
    tmp_path, embedded_model
):
    from rlog_train.cli import app
    from rlog_tui.cli import app as tui_app

    adapter = tmp_path / "my-lora.gguf"
    adapter.write_bytes(Path(embedded_adapter_path()).read_bytes())
    choice = resolve_model(Settings(adapter=str(adapter)), {})
    assert not thresholds_for(choice).calibrated

    args = ["calibrate", "--adapter", str(adapter), "--limit", "4", "--threads", "1"]
    result = invoke(app, "rlog-train", *args)
    assert result.exit_code == 0, result.output
    path = tmp_path / "my-lora.calibration.json"
    assert f"wrote {path}" in result.output and "4 validation items" in result.output
    document = json.loads(path.read_text())
    assert document["calibration_set"]["items"] == 4
    assert document["adapter"]["name"] == "my-lora.gguf"
    assert document["command"].startswith("rlog-train calibrate --adapter")
    assert 0.0 <= document["figures"]["roc_auc"] <= 1.0

    chosen = thresholds_for(choice)
    assert chosen.calibrated and chosen.origin == "calibrated (my-lora.calibration.json)"
    assert (chosen.thresholds.flag, chosen.thresholds.clear) == (
        document["flag_threshold"],
        document["clear_threshold"],
    )
    shown = invoke(tui_app, "rlog-tui", *["models", "--adapter", str(adapter)])
    assert shown.exit_code == 0, shown.output
    assert f"{chosen.thresholds.describe()} [calibrated (my-lora.calibration.json)]" in shown.output
