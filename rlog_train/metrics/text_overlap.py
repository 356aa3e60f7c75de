"""BLEU-4 and ROUGE-1/2/L (×100) on whitespace tokens, for the three generation tasks.

Defined exactly as R-Log's released reward computes them (``verl/.../reward_score/logirs``), so the
evaluator reports the quantity GRPO optimised; LogLM publishes no evaluation code to match instead.

- Tokens: ``str.split()`` (whitespace), case-sensitive, punctuation attached. ``sacrebleu`` and
  ``rouge-score`` tokenize and normalise their own way, so neither computes this; the formulas are
  short enough to own.
- BLEU-4: sentence level, one reference, clipped n-gram precisions p1..p4 combined by geometric
  mean with equal weights, times the brevity penalty exp(1 − r/h) when h < r. No smoothing: any
  p_n of zero gives 0 (R-Log's choice; an answer of under four tokens scores 0). A test-set figure
  is the mean over items.
- ROUGE-N: F1 of clipped n-gram overlap (precision over the hypothesis' n-grams, recall over the
  reference's). ROUGE-L: F1 of the longest common subsequence, computed bit-parallel (Crochemore
  et al. 2001), so a long hypothesis costs O(h · r/word) rather than a Python O(h · r) table.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OverlapScores:
    """BLEU-4 and ROUGE F1 scores of one hypothesis, each ×100."""

    bleu4: float
    rouge1: float
    rouge2: float
    rouge_l: float

    @property
    def total(self) -> float:
        """The sum of the four, 0..400 (R-Log's reward normalises it)."""
        return self.bleu4 + self.rouge1 + self.rouge2 + self.rouge_l


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _clipped_overlap(reference: list[str], hypothesis: list[str], n: int) -> int:
    ref, hyp = _ngrams(reference, n), _ngrams(hypothesis, n)
    return sum(min(count, ref[gram]) for gram, count in hyp.items())


def _f1(matches: int, hypothesis_total: int, reference_total: int) -> float:
    if not matches:
        return 0.0
    precision, recall = matches / hypothesis_total, matches / reference_total
    return 2 * precision * recall / (precision + recall)


def bleu4(reference: str, hypothesis: str) -> float:
    """Sentence BLEU-4 of ``hypothesis`` against one ``reference`` (×100, unsmoothed)."""
    ref, hyp = reference.split(), hypothesis.split()
    if not hyp or not ref:
        return 0.0
    log_precision = 0.0
    for n in range(1, 5):
        total = len(hyp) - n + 1
        matches = _clipped_overlap(ref, hyp, n) if total > 0 else 0
        if not matches:
            return 0.0
        log_precision += math.log(matches / total) / 4
    brevity = math.exp(1 - len(ref) / len(hyp)) if len(hyp) < len(ref) else 1.0
    return 100 * brevity * math.exp(log_precision)


def rouge_n(reference: str, hypothesis: str, n: int) -> float:
    """ROUGE-N F1 (×100) of clipped n-gram overlap."""
    ref, hyp = reference.split(), hypothesis.split()
    if len(ref) < n or len(hyp) < n:
        return 0.0
    matches = _clipped_overlap(ref, hyp, n)
    return 100 * _f1(matches, len(hyp) - n + 1, len(ref) - n + 1)


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists (bit-parallel)."""
    if len(a) < len(b):
        a, b = b, a
    masks: dict[str, int] = {}
    for position, token in enumerate(b):
        masks[token] = masks.get(token, 0) | (1 << position)
    full = (1 << len(b)) - 1
    row = full
    for token in a:
        match = masks.get(token, 0)
        row = ((row + (row & match)) | (row & ~match)) & full
    return len(b) - row.bit_count()


def rouge_l(reference: str, hypothesis: str) -> float:
    """ROUGE-L F1 (×100): longest common subsequence over both lengths."""
    ref, hyp = reference.split(), hypothesis.split()
    if not ref or not hyp:
        return 0.0
    return 100 * _f1(lcs_length(ref, hyp), len(hyp), len(ref))


def overlap_scores(reference: str, hypothesis: str) -> OverlapScores:
    """All four scores of one generated answer against its reference."""
    return OverlapScores(
        bleu4=bleu4(reference, hypothesis),
        rouge1=rouge_n(reference, hypothesis, 1),
        rouge2=rouge_n(reference, hypothesis, 2),
        rouge_l=rouge_l(reference, hypothesis),
    )
