"""Anomaly scores: how sure the model is that an entry is abnormal, from one forward pass.

Generating a label and parsing ``<answer>normal</answer>`` out of the text throws away what the
model knows: a small model that leans to ``normal`` says ``normal`` even when ``abnormal`` was a
close second, so nothing is ever flagged. Instead the anomaly prompt is rendered answer-first,
exactly as served, followed by the text the model writes before its label in that order
(``LABEL_LEAD``, ``<answer>``); one forward pass gives the logits of the next token, and the score
is the two-way softmax of the labels' first tokens::

    score = P(abnormal) / (P(abnormal) + P(normal)) = sigmoid(logit_abnormal - logit_normal)

No sampling, so the same entry always gets the same score. The completion is tokenized on its
own, as training tokenizes completions (``rlog_train.formatting.tokenize_row``): prompt tokens,
then the lead's tokens, then the label. On gemma-3 the lead is ``<``, ``answer``, ``>`` and the
labels start with different tokens (``normal`` vs ``ab`` + ``normal``), so the first token
decides; a tokenizer where both labels share a first token cannot be scored this way and says so
(``ScoringError``) instead of returning a meaningless 0.5.

Two thresholds turn a score into a label (``Thresholds``): ``score >= flag`` is ``abnormal``,
``score < clear`` is ``normal``, and in between ``inconclusive``. They are calibrated on the
training set per model (``rlog-train calibrate``); without a calibration the default is 0.5 with
no band.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from rlog_tui.errors import ModelError
from rlog_tui.protocol.answers import ANOMALY_LABELS
from rlog_tui.protocol.formats import PromptFormat
from rlog_tui.protocol.orders import ANSWER_OPEN, OutputOrder
from rlog_tui.protocol.prompt import DEFAULT_FORMAT, build_prompt
from rlog_tui.protocol.tasks import Task

SCORE_ORDER = OutputOrder.ANSWER_FIRST
"""Scores read the label where an answer-first response starts: the order fast mode serves."""
LABEL_LEAD = ANSWER_OPEN
"""What an answer-first response writes before its label (``target_text``: no space after it)."""

ScoreLabel = Literal["normal", "abnormal", "inconclusive"]
_PROBE_LINE = "2024-05-01 12:00:00 ERROR probe line <*> 42"


def scoring_fingerprint(fmt: PromptFormat = DEFAULT_FORMAT) -> str:
    """A short hash of how a score asks (system prompt, instruction, line layout, lead).

    Scores, and thresholds calibrated on them, hold only for the prompt they were made with: the
    verdict cache keys on this, and a calibration file records it, so a prompt change makes old
    scores miss and old thresholds fall back to the default instead of being silently misread.
    """
    probe = build_prompt(Task.ANOMALY, [_PROBE_LINE], SCORE_ORDER, fmt).text + LABEL_LEAD
    return hashlib.sha256(probe.encode("utf-8")).hexdigest()[:16]


class ScoringError(ModelError):
    """This model's tokenizer cannot tell the two labels apart by their first token."""


@dataclass(frozen=True, slots=True)
class LabelTokens:
    """Token ids a score reads: the lead appended to the prompt, and each label's first token."""

    lead: tuple[int, ...]
    normal: int
    abnormal: int


def label_tokens(tokenize: Callable[[str], Sequence[int]]) -> LabelTokens:
    """Find the label tokens with the model's own tokenizer, in context after the lead.

    ``tokenize`` turns completion text into ids without a BOS (llama.cpp: ``add_bos=False,
    special=True``). The lead must tokenize the same alone and before each label, else the
    position the score reads would not be the one the model writes its label at.
    """
    lead = list(tokenize(LABEL_LEAD))
    first: dict[str, int] = {}
    for label in ANOMALY_LABELS:
        ids = list(tokenize(LABEL_LEAD + label))
        if ids[: len(lead)] != lead or len(ids) <= len(lead):
            raise ScoringError(
                f"the tokenizer merges {LABEL_LEAD!r} with {label!r}: no label position to read"
            )
        first[label] = ids[len(lead)]
    if first["normal"] == first["abnormal"]:
        raise ScoringError("'normal' and 'abnormal' start with the same token in this tokenizer")
    return LabelTokens(tuple(lead), first["normal"], first["abnormal"])


@dataclass(frozen=True, slots=True)
class AnomalyScore:
    """What one forward pass says about an entry."""

    abnormal: float
    """P(abnormal) / (P(abnormal) + P(normal)) at the label position, 0..1."""
    label_mass: float
    """P(normal) + P(abnormal) over the whole vocabulary: near 1 when the model means to answer a
    label there, small when it would write something else (an untrained base model)."""


def score_from_logits(normal: float, abnormal: float, log_normaliser: float) -> AnomalyScore:
    """The score from the two label logits and the log-sum-exp of the whole logit row."""
    difference = abnormal - normal
    if difference >= 0:
        probability = 1.0 / (1.0 + math.exp(-difference))
    else:
        probability = math.exp(difference) / (1.0 + math.exp(difference))
    mass = math.exp(normal - log_normaliser) + math.exp(abnormal - log_normaliser)
    return AnomalyScore(probability, min(1.0, mass))


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where a score becomes a label: ``>= flag`` abnormal, ``< clear`` normal, between: neither."""

    flag: float
    clear: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.clear <= self.flag <= 1.0:
            raise ValueError(
                f"thresholds need 0 <= clear <= flag <= 1, got clear={self.clear}, flag={self.flag}"
            )

    @property
    def has_band(self) -> bool:
        """True when some scores are ``inconclusive``."""
        return self.clear < self.flag

    def label(self, score: float) -> ScoreLabel:
        """The label of one score."""
        if score >= self.flag:
            return "abnormal"
        if score < self.clear:
            return "normal"
        return "inconclusive"

    def describe(self) -> str:
        """One line for reports: ``flag >= 0.62, clear < 0.18`` or ``flag >= 0.50, no band``."""
        band = f"clear < {self.clear:.2f}" if self.has_band else "no band"
        return f"flag >= {self.flag:.2f}, {band}"


DEFAULT_THRESHOLDS = Thresholds(flag=0.5, clear=0.5)
"""For a model without a calibration file: the more likely label wins, nothing inconclusive."""
