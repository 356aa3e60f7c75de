"""Log-parsing metrics: R-Log's token-level template F1, grouping accuracy and parsing accuracy.

Template F1, the intended form of R-Log's reward (``verl/.../reward_score/logparsing``; its released
trainer calls the reward without the raw log, so the alignment it needs never happens). Defined
over the raw log, not over the templates' own tokens:

1. The raw log is split into whitespace tokens ``r_1 … r_n``; a template into whitespace tokens,
   each either a *literal* (no ``<*>``) or a *wildcard* token (contains ``<*>``, e.g. ``<*>`` or
   ``blk_<*>``; ``<*>`` matches any, possibly empty, run of characters).
2. The template is aligned to the raw tokens in order (dynamic programming): a literal may claim a
   raw token equal to it (case-sensitive); a wildcard token may cover a raw token it matches, and
   a bare ``<*>`` may cover several; template tokens may be skipped and raw tokens left uncovered.
   The alignment maximises the number of literal claims, then minimises skipped literals plus
   uncovered raw tokens (this picks the intended alignment when a token repeats, e.g. ``a <*> b``
   against ``a a b``).
3. Under that template a raw token is *constant* when a literal claims it, *variable* otherwise:
   covered by a wildcard, or unexplained by the template (a template that drops a word says that
   word is not constant).
4. The classes under the predicted and the ground-truth template are compared token by token; the
   score is the F1 of the *variable* class, or of the *constant* class when the ground truth marks
   no token variable (R-Log picks its positive class the same way). An empty raw log scores 1.0
   when both templates are empty, else 0.0.

Whitespace tokens (not R-Log's BERT word pieces, which need a tokenizer download) keep the metric
pure Python and the same in the reward and the evaluator. A multi-line log is scored line by line
when the prediction has one template per line, else as one token sequence. The alignment is
O(n·m): a predicted template is cut to ``_MAX_CELLS // n`` tokens, far beyond any right answer,
so an adversarially long answer costs bounded time.

GA, PA and FGA follow Loghub's evaluation and are the only definitions in rlog (the evaluator and
``bench/templates.py`` both use them): PA is the share of lines whose predicted template equals the
truth after ``normalise_template`` (whitespace collapsed, and runs of adjacent ``<*>`` merged, as
Loghub-2.0's template correction does: ``<*><*>`` and ``<*>`` say the same); GA is the share of
lines whose predicted group is exactly their ground-truth group; FGA is the F1 of groups, a
predicted group counting when it equals a true group. Groups are given as one label per line
(a template text, a template id, an ``EventId``), so a parser's ids and a model's answers are
scored alike.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Sequence

from rlog_tui.protocol import VARIABLE

_MAX_CELLS = 200_000


def _matches(token: str, raw: str) -> bool:
    """Whether a wildcard token (``<*>`` = any run of characters) matches the raw token."""
    pieces = token.split(VARIABLE)
    head, tail = pieces[0], pieces[-1]
    if len(head) + len(tail) > len(raw) or not raw.startswith(head) or not raw.endswith(tail):
        return False
    position, end = len(head), len(raw) - len(tail)
    for piece in pieces[1:-1]:
        found = raw.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _is_bare(token: str) -> bool:
    return not token.replace(VARIABLE, "")


def token_classes(log: str, template: str) -> list[bool]:
    """Classify each whitespace token of ``log`` under ``template``: True = variable."""
    raw = log.split()
    tmpl = template.split()
    n = len(raw)
    if not n:
        return []
    tmpl = tmpl[: max(1, _MAX_CELLS // n)]
    m = len(tmpl)
    big = n + m + 1
    literal = [VARIABLE not in token for token in tmpl]
    bare = [_is_bare(token) for token in tmpl]
    # best[i][j]: best score aligning raw[i:] with tmpl[j:] (literal claim = +big, miss = -1).
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for j in range(m - 1, -1, -1):
        best[n][j] = best[n][j + 1] - (1 if literal[j] else 0)
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        row[m] = below[m] - 1
        token = raw[i]
        for j in range(m - 1, -1, -1):
            score = max(row[j + 1] - (1 if literal[j] else 0), below[j] - 1)
            if literal[j]:
                if tmpl[j] == token:
                    score = max(score, below[j + 1] + big)
            elif _matches(tmpl[j], token):
                score = max(score, below[j + 1], below[j] if bare[j] else score)
            row[j] = score
    # Walk the best alignment from the start, preferring the earliest literal claim on ties.
    variable = [True] * n
    i = j = 0
    while i < n and j < m:
        here = best[i][j]
        if literal[j] and tmpl[j] == raw[i] and here == best[i + 1][j + 1] + big:
            variable[i] = False
            i, j = i + 1, j + 1
        elif not literal[j] and here == best[i + 1][j + 1] and _matches(tmpl[j], raw[i]):
            i, j = i + 1, j + 1
        elif here == best[i][j + 1] - (1 if literal[j] else 0):
            j += 1
        else:  # raw[i] covered by a bare wildcard, or unexplained: variable either way
            i += 1
    return variable


def _f1(truth: list[bool], predicted: list[bool]) -> float:
    positive = any(truth)
    tp = sum(t == positive and p == positive for t, p in zip(truth, predicted, strict=True))
    fp = sum(t != positive and p == positive for t, p in zip(truth, predicted, strict=True))
    fn = sum(t == positive and p != positive for t, p in zip(truth, predicted, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def template_f1(log: str, predicted: str, truth: str) -> float:
    """Token-level template/variable F1 of ``predicted`` against ``truth`` over ``log`` (0..1)."""
    log_lines = [line for line in log.splitlines() if line.strip()]
    predicted_lines = [line for line in predicted.splitlines() if line.strip()]
    truth_lines = [line for line in truth.splitlines() if line.strip()]
    if not log.split():
        return 1.0 if predicted.split() == truth.split() else 0.0
    if len(log_lines) > 1 and len(log_lines) == len(predicted_lines) == len(truth_lines):
        pairs = zip(log_lines, predicted_lines, truth_lines, strict=True)
    else:
        pairs = iter([(log, predicted, truth)])
    truth_classes: list[bool] = []
    predicted_classes: list[bool] = []
    for line, predicted_line, truth_line in pairs:
        truth_classes += token_classes(line, truth_line)
        predicted_classes += token_classes(line, predicted_line)
    return _f1(truth_classes, predicted_classes)


_SPACES = re.compile(r"\s+")
_ADJACENT_WILDCARDS = re.compile(r"(?:<\*>){2,}")


def normalise_template(template: str) -> str:
    """Collapse whitespace and runs of adjacent ``<*>``, so formatting noise does not count."""
    return _ADJACENT_WILDCARDS.sub(VARIABLE, _SPACES.sub(" ", template).strip())


def parsing_accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """PA: share of lines whose predicted template equals the true one (normalised)."""
    if not truth:
        return 0.0
    pairs = zip(truth, predicted, strict=True)
    return sum(normalise_template(t) == normalise_template(p) for t, p in pairs) / len(truth)


def _groups(labels: Sequence[Hashable]) -> set[frozenset[int]]:
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    return {frozenset(indices) for indices in members.values()}


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """GA: share of lines whose predicted group is exactly their ground-truth group."""
    if not truth:
        return 0.0
    true_groups = _groups(truth)
    correct = sum(len(group) for group in _groups(predicted) if group in true_groups)
    return correct / len(truth)


def f1_grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """FGA: F1 of template groups, a predicted group counting when it equals a true group."""
    true_groups, predicted_groups = _groups(truth), _groups(predicted)
    correct = len(true_groups & predicted_groups)
    if not correct:
        return 0.0
    precision, recall = correct / len(predicted_groups), correct / len(true_groups)
    return 2 * precision * recall / (precision + recall)
