"""The repeat guard as llama.cpp decodes under it: the penalty over known token ids, which
requests get it, then the real embedded model writing a free-text answer with and without it."""

from __future__ import annotations

import numpy as np
import pytest
from repeated_runs import longest_repeated_run

from rlog_tui.engine import Done, Request, SamplingParams
from rlog_tui.engine.repeat_guard import RepeatPenalty, repeats
from rlog_tui.engine.worker import served_sampling
from rlog_tui.protocol import OutputOrder, Task
from rlog_tui.protocol.decoding import SERVED, RepeatGuard

GUARD = RepeatGuard(multiplier=1.0, base=2.0, allowed_length=2)
PROMPT = [5, 6, 7, 8, 5, 6, 7]
"""A prompt that repeats itself: the guard never reads it (a log's words stay copyable)."""


def test_the_token_that_would_carry_a_run_on_is_found_with_the_runs_length():
    assert repeats(np.array([5, 6, 7, 8, 5, 6, 7])) == {8: 3}
    assert repeats(np.array([1, 2, 1])) == {2: 1}
    assert repeats(np.array([1, 2, 3])) == {}


def test_the_penalty_grows_with_the_run_and_spares_short_ones():
    penalty = RepeatPenalty(GUARD, len(PROMPT))
    written = [1, 2, 3, 4, 1, 2, 3]  # "1 2 3" again: 4 would make it "1 2 3 4" twice
    scores = penalty(np.array([*PROMPT, *written]), np.zeros(10, dtype=np.float32))
    assert scores[4] == pytest.approx(-2.0)  # a run of 3, one past the allowed 2: 1 × 2^1
    assert np.count_nonzero(scores) == 1

    short = penalty(np.array([*PROMPT, 1, 2, 3, 1]), np.zeros(10, dtype=np.float32))
    assert not short.any()  # a run of 1 ("1" again) is allowed


def test_the_prompt_is_never_searched_for_runs():
    penalty = RepeatPenalty(GUARD, len(PROMPT))
    scores = penalty(np.array([*PROMPT, 5, 6, 7]), np.zeros(10, dtype=np.float32))
    assert not scores.any()  # "5 6 7 8" stands in the prompt, not in the response


@pytest.mark.parametrize(
    ("task", "guarded"),
    [
        (Task.INTERPRET, True),
        (Task.ROOT_CAUSE, True),
        (Task.SOLUTION, True),
        (Task.PARSE, False),
        (Task.ANOMALY, False),
    ],
)
def test_served_free_text_answers_get_the_guard_and_labels_and_templates_do_not(task, guarded):
    request = Request(task, ["disk full"], order=OutputOrder.ANSWER_FIRST)
    served = served_sampling(request, ["disk full"])
    assert served.repeat_guard == (SERVED.repeat_guard if guarded else None)
    unaided = Request(task, ["disk full"], sampling=SamplingParams(guard_repeats=False))
    assert served_sampling(unaided, ["disk full"]).repeat_guard is None


def test_the_real_model_stops_looping_under_the_guard(llama_engine):
    """The bare base, never trained on rlog's format, writes ``<answer> <think> <reason>`` over
    and over until the budget ends (seen: a 15-word run written twice); under the guard no run
    longer than a few words comes back."""
    line = "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)"

    def answer(guard: bool) -> Done:
        sampling = SamplingParams(max_tokens=120, guard_repeats=guard)
        request = Request(Task.SOLUTION, [line], order=OutputOrder.ANSWER_FIRST, sampling=sampling)
        done = list(llama_engine.stream(request))[-1]
        assert isinstance(done, Done)
        return done

    free, guarded = answer(False), answer(True)
    assert longest_repeated_run(free.raw_text.split()) >= 10, free.raw_text
    assert longest_repeated_run(guarded.raw_text.split()) <= 4, guarded.raw_text
