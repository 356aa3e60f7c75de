"""The time guard stops a real (tiny) SFT run at its stage's end, and saves what it trained."""

from __future__ import annotations

import time

import pytest
from tiny_models import build_tiny_llama, tiny_examples

from rlog_train.gpu_recipe.time_guard import StageClock, stop_in_time
from rlog_train.sft_config import SFTRunConfig

pytest.importorskip("trl")


def _sft(base, out, max_steps, clock):
    from rlog_train.sft import train_sft

    config = SFTRunConfig(
        base=str(base),
        output_dir=str(out),
        orders="answer-first",
        max_steps=max_steps,
        batch_size=1,
        logging_steps=1,
        save_steps=10**9,
        progress=False,
    )
    return train_sft(config, examples=tiny_examples(), callbacks=[stop_in_time(clock)])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "model")


def test_training_stops_after_the_step_that_leaves_no_time_for_another(tiny, tmp_path):
    clock = StageClock("sft", ends_at=time.time() + 0.5)
    result = _sft(tiny, tmp_path / "guarded", max_steps=50, clock=clock)
    assert clock.stopped_early
    assert result.global_step < 50 and len(clock.step_seconds) == result.global_step
    assert (tmp_path / "guarded" / "adapter_model.safetensors").is_file()
    assert result.metrics  # the metrics writer still writes


def test_a_stage_with_time_to_spare_runs_all_its_steps(tiny, tmp_path):
    clock = StageClock("sft", ends_at=time.time() + 3600)
    result = _sft(tiny, tmp_path / "free", max_steps=3, clock=clock)
    assert result.global_step == 3 and not clock.stopped_early
