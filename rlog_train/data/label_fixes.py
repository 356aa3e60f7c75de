"""R-Log's expert label fixes for anomaly detection (``rlog/anomaly_patch.json``), applied.

The fixes change 30 cold-start items from ``normal`` to ``abnormal`` and one the other way, and
the test set every A.D. figure is reported on carries them too. Training on the old labels
teaches a small model to call 30 of the 69 real anomalies of the cold-start set ``normal``:
a reason the first answer-first adapter rarely flagged (see the model card for the measured effect).

A fixed item's reasoning trajectory argues for the old label, so it cannot be the item's target.
Its reasoning becomes what the entry itself says (``fixed_label_reasoning``: "It reports: <the
entry's first words>."): honest (it claims nothing beyond the line) and different for every
item. A first version used one fixed sentence per label instead; a second stage that showed the
30 fixed anomalies three times each learned that sentence as the reason for *every* anomaly
answer, ``normal`` ones included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from rlog_train.data.examples import Example
from rlog_train.data.leakage import leakage_key
from rlog_train.data.loaders import DataError

EXCERPT_WORDS = 12
"""How many of the entry's words a fixed item's reasoning quotes."""


def fixed_label_reasoning(entry: str) -> str:
    """The reasoning of an item whose label an expert fix changed: what the entry says."""
    words = entry.split()[:EXCERPT_WORDS]  # the entry's own text: tokens a compact base has
    return f"It reports: {' '.join(words).rstrip('.')}."


def relabelled(examples: Sequence[Example], fixes: Sequence[tuple[str, str]]) -> list[Example]:
    """The cold-start items with the fixes applied; a changed item gets the label's trajectory."""
    fixed = apply_label_fixes(examples, fixes)
    return [
        replace(new, reasoning=fixed_label_reasoning(new.input)) if new.label != old.label else new
        for old, new in zip(examples, fixed, strict=True)
    ]


def _loose_key(text: str) -> str:
    return "".join(char for char in leakage_key(text).lower() if char.isalnum())


def apply_label_fixes(
    examples: Sequence[Example], fixes: Sequence[tuple[str, str]]
) -> list[Example]:
    """Replace the label of every example whose input a fix names (R-Log's ``anomaly_patch``).

    Fixes are matched on the normalised input; a fix that matches nothing exactly is matched on
    letters and digits alone when that finds exactly one template (upstream has one entry that
    differs from its LogPrompt template by a comma). Fixes for training templates find nothing
    here; ``relabelled`` applies them to the cold-start set.
    """
    if any(label not in ("normal", "abnormal") for _, label in fixes):
        raise DataError("anomaly_patch.json has a rectified label other than normal/abnormal")
    exact = {leakage_key(text): label for text, label in fixes}
    loose_index: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        loose_index[_loose_key(example.input)].append(index)
    keys = [leakage_key(example.input) for example in examples]
    labels = [exact.get(key, example.label) for key, example in zip(keys, examples, strict=True)]
    present = set(keys)
    for text, label in fixes:
        if leakage_key(text) in present:
            continue
        candidates = loose_index.get(_loose_key(text), [])
        if len(candidates) == 1:
            labels[candidates[0]] = label
    return [
        replace(example, label=label) if label != example.label else example
        for example, label in zip(examples, labels, strict=True)
    ]
