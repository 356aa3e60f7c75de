"""The plan of device calls and the training call's time budget."""

from __future__ import annotations

from rlog_train.gpu_recipe.machine import CALL_SECONDS, SESSION_SECONDS
from rlog_train.gpu_recipe.plan import render_calls, session_seconds, training_budget


def test_the_training_calls_stages_add_up_to_its_limit():
    for limit in (600, 420):
        stages = training_budget(limit, eval_seconds=40)
        assert round(sum(stage.seconds for stage in stages)) == limit
        assert all(stage.seconds > 0 for stage in stages)


def test_two_carrying_calls_fit_the_sessions_device_time():
    assert session_seconds(2, CALL_SECONDS) <= SESSION_SECONDS


def test_the_plan_smoke_tests_first_then_joins_with_checksums_and_trains_under_a_deadline():
    text = render_calls(2)
    assert text.index("# call 1: smoke") < text.index("# call 2: train")
    assert "carry: ['.cache/gpu/whl', '.cache/gpu/call1']" in text
    assert "carry: ['.cache/gpu/whl', '.cache/gpu/call2']" in text
    train = next(line for line in text.splitlines() if line.startswith("D="))
    assert "set -o pipefail" in train and "join .cache/gpu" in train
    assert "--deadline $D" in train and "| tee $OUT/log" in train
    assert len(train) < 2000  # the device tool's limit on a command
    assert "repeat from call 1" in text


def test_with_three_slices_the_middle_call_checks_what_came_so_far():
    text = render_calls(3)
    assert "python3 scripts/gpu_recipe.py check .cache/gpu --calls 1-2" in text
    assert "# call 3: train" in text
