"""The anomaly-score rule: label tokens read with the real tokenizer, the two-way softmax, the
thresholds' three labels and the fingerprint that ties scores to their prompt."""

from __future__ import annotations

import math

import pytest

from rlog_tui.protocol import (
    DEFAULT_THRESHOLDS,
    LABEL_LEAD,
    PromptFormat,
    PromptStyle,
    ScoringError,
    Thresholds,
    label_tokens,
    score_from_logits,
    scoring_fingerprint,
)


@pytest.fixture(scope="module")
def gemma_tokenize(embedded_model):
    """The embedded model's own tokenizer (vocabulary only: no weights are loaded)."""
    from llama_cpp import Llama

    vocab = Llama(model_path=str(embedded_model), vocab_only=True, verbose=False)
    yield lambda text: vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    vocab.close()


def test_gemma_labels_start_with_different_tokens_right_after_the_lead(gemma_tokenize):
    tokens = label_tokens(gemma_tokenize)
    assert list(tokens.lead) == gemma_tokenize(LABEL_LEAD) == gemma_tokenize("<answer>")
    assert tokens.normal != tokens.abnormal
    assert gemma_tokenize("<answer>normal</answer>")[len(tokens.lead)] == tokens.normal
    assert gemma_tokenize("<answer>abnormal</answer>")[len(tokens.lead)] == tokens.abnormal


def test_a_tokenizer_that_merges_the_lead_into_the_label_cannot_score():
    words = {"<answer>": 1, "<answer>normal": 2, "<answer>abnormal": 3}
    with pytest.raises(ScoringError, match="merges"):
        label_tokens(lambda text: [words[text]])


def test_labels_sharing_a_first_token_cannot_score():
    def one_token_per_label(text: str) -> list[int]:  # <answer>, then one id for any word
        return [1, 2, 3] + ([9] if text != LABEL_LEAD else [])

    with pytest.raises(ScoringError, match="same token"):
        label_tokens(one_token_per_label)


def test_score_is_the_two_way_softmax_of_the_label_logits():
    even = score_from_logits(2.0, 2.0, log_normaliser=2.0 + math.log(4))
    assert even.abnormal == 0.5
    assert even.label_mass == pytest.approx(0.5)  # each label has 1/4 of the vocabulary's mass
    three_to_one = score_from_logits(0.0, math.log(3), log_normaliser=math.log(8))
    assert three_to_one.abnormal == pytest.approx(0.75)
    assert three_to_one.label_mass == pytest.approx(0.5)
    assert score_from_logits(1000.0, -1000.0, 1000.0).abnormal == 0.0  # no overflow
    assert score_from_logits(-1000.0, 1000.0, 1000.0).abnormal == 1.0


def test_two_thresholds_give_three_labels():
    thresholds = Thresholds(flag=0.6, clear=0.2)
    assert [thresholds.label(s) for s in (0.0, 0.19, 0.2, 0.59, 0.6, 1.0)] == [
        "normal",
        "normal",
        "inconclusive",
        "inconclusive",
        "abnormal",
        "abnormal",
    ]
    assert thresholds.has_band and thresholds.describe() == "flag >= 0.60, clear < 0.20"


def test_the_default_has_no_band_and_the_likelier_label_wins():
    assert not DEFAULT_THRESHOLDS.has_band
    assert DEFAULT_THRESHOLDS.label(0.5) == "abnormal"
    assert DEFAULT_THRESHOLDS.label(0.4999) == "normal"
    assert DEFAULT_THRESHOLDS.describe() == "flag >= 0.50, no band"


@pytest.mark.parametrize(("flag", "clear"), [(0.3, 0.4), (1.2, 0.1), (0.5, -0.1)])
def test_thresholds_out_of_order_or_range_are_refused(flag, clear):
    with pytest.raises(ValueError, match="clear <= flag"):
        Thresholds(flag=flag, clear=clear)


def test_fingerprint_is_stable_and_names_the_prompt_format():
    assert scoring_fingerprint() == scoring_fingerprint()
    assert len(scoring_fingerprint()) == 16
    assert scoring_fingerprint(PromptFormat(PromptStyle.CHATML)) != scoring_fingerprint()


def test_fingerprint_follows_the_system_prompt(monkeypatch):
    from rlog_tui.protocol import SCORE_ORDER, SYSTEM_PROMPTS

    before = scoring_fingerprint()
    monkeypatch.setitem(SYSTEM_PROMPTS, SCORE_ORDER, SYSTEM_PROMPTS[SCORE_ORDER] + " Be brief.")
    assert scoring_fingerprint() != before
