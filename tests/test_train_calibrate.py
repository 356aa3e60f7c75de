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


def test_flag_threshold_maximises_f1_halfway_to_the_next_score():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    truths = [AB, NO, AB, AB, NO, NO, AB, NO, NO, NO]
    # F1 flagging >= 0.9: 0.40, 0.8: 0.33, 0.7: 0.57, 0.6: 0.75 (best), 0.5: 0.67, 0.3: 0.73
    thresholds = fit_thresholds(scores, truths)
    assert thresholds.flag == pytest.approx(0.55)
    # 4 abnormal items, floor(5% of 4) = 0 may fall below clear: the lowest abnormal score
    assert thresholds.clear == 0.3
    # a quarter may: the second lowest abnormal score, 0.6, capped at the flag threshold
    assert fit_thresholds(scores, truths, miss_share=0.25).clear == pytest.approx(0.55)


def test_equal_f1_goes_to_the_highest_threshold_and_flagging_all_sits_at_the_lowest_score():
    # flagging >= 0.9 and flagging everything both give F1 2/3: the fewer flags win
    assert fit_thresholds([0.9, 0.5, 0.4, 0.1], [AB, NO, NO, AB]).flag == pytest.approx(0.7)
    # only flagging everything reaches the best F1 (0.8)
    assert fit_thresholds([0.9, 0.8, 0.1], [AB, NO, AB]).flag == 0.1


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
