"""The template rule as llama.cpp decodes under it: the processor alone over a known vocabulary,
then the real embedded model writing a parsing answer with and without it."""

from __future__ import annotations

import numpy as np

from rlog_tui.engine import Done, Request, SamplingParams
from rlog_tui.engine.template_constraint import KEEP, LOOK, TemplateConstraint
from rlog_tui.protocol import OutputOrder, Task, TemplateOfLine

PIECES = [b"", b"Link", b"s", b"error", b" event", b"<*>", b"</answer>", b" expired", b"x"]
"""A vocabulary: id 0 is a control token (no bytes)."""
PROMPT = [7, 7, 7]


def piece(token: int) -> bytes:
    return PIECES[token] if token < len(PIECES) else b"#"


def scores(best_first: list[int], size: int = len(PIECES)) -> np.ndarray:
    values = np.zeros(size, dtype=np.float32)
    for rank, token in enumerate(best_first):
        values[token] = 100.0 - rank
    return values


def test_the_best_token_that_keeps_the_answer_a_template_wins():
    constraint = TemplateConstraint("Linkerror event expired", piece, len(PROMPT))
    written = constraint(np.array([*PROMPT, 1]), scores([2, 3, 8]))  # after "Link": "s" is a slip
    assert int(np.argmax(written)) == 3
    assert np.isneginf(written[[0, 2, 8]]).all()  # the control token cannot end the answer early


def test_a_token_masked_before_the_rule_stays_masked():
    """The trained-vocabulary rule runs first: the template rule never reopens what it closed."""
    constraint = TemplateConstraint("Linkerror event expired", piece, len(PROMPT))
    given = scores([3, 5])
    given[3] = -np.inf  # "error" is outside the trained vocabulary
    written = constraint(np.array([*PROMPT, 1]), given)
    assert int(np.argmax(written)) == 5  # "<*>" is the best token left
    assert np.isneginf(written[3])


def test_after_the_closing_tag_the_reason_is_free():
    constraint = TemplateConstraint("Linkerror", piece, len(PROMPT))
    given = scores([8, 2])
    written = constraint(np.array([*PROMPT, 5, 6]), given.copy())  # "<*></answer>"
    assert np.array_equal(written, given)


def test_beyond_the_best_look_tokens_the_rest_of_the_vocabulary_is_searched():
    size = LOOK + 40
    constraint = TemplateConstraint("Linkerror", piece, len(PROMPT))
    unusable = list(range(len(PIECES), len(PIECES) + LOOK))  # each writes "#"
    written = constraint(np.array(PROMPT), scores([*unusable, 1], size))
    assert int(np.argmax(written)) == 1
    assert np.isfinite(written).sum() == 2  # "Link" and "<*>" (a span may open the template)


def test_at_most_keep_allowed_tokens_are_left_to_the_sampler():
    pieces = [b"a" * n for n in range(1, 40)]
    constraint = TemplateConstraint("a" * 50, lambda t: pieces[t], 0)
    written = constraint(np.array([], dtype=np.int64), scores(list(range(39)), 39))
    assert np.isfinite(written).sum() == KEEP


LINE = "Linkerror event interval expired on node 42 after 3000 ms"


def parse_request(rule: bool) -> Request:
    return Request(
        Task.PARSE,
        [LINE],
        order=OutputOrder.ANSWER_FIRST,
        sampling=SamplingParams(max_tokens=60, template_rule=rule),
        stop_after_answer=True,
    )


def test_the_real_model_writes_a_template_of_the_line_under_the_rule(llama_engine):
    """The bare base, never trained to parse: unaided its answer is no template of the line (seen
    once: it rewrites the words); under the rule it is, and the rule never costs the format."""
    free = list(llama_engine.stream(parse_request(rule=False)))[-1]
    ruled = list(llama_engine.stream(parse_request(rule=True)))[-1]
    assert isinstance(free, Done) and isinstance(ruled, Done)
    assert not TemplateOfLine(LINE).accepts(free.answer.text), free.raw_text
    assert ruled.stats.finish_reason == "answer", ruled.raw_text
    assert TemplateOfLine(LINE).accepts(ruled.answer.text), ruled.raw_text
