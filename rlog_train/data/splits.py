"""The fixed splits of ``shared/data/README.md``, and fixed-seed sampling from them.

- parse: train ``rlog/logParsing`` (the first 200 Loghub-2k lines of 7 systems); test the lines
  with ``LineId > 200`` of those 7; test_unseen every line of the other 9 systems.
- anomaly: train ``rlog/AnomalyDetection`` less a fixed validation fifth; validation that fifth
  (what thresholds are calibrated and adapters compared on, never trained on); test the LogPrompt
  templates not in the cold-start set. ``rlog/anomaly_patch.json`` (expert label fixes) applies
  to all three: 30 cold-start items R-Log labelled ``normal`` are ``abnormal`` by it, and a model
  trained on the old labels learns to call 30 of the 69 real anomalies normal
  (``label_fixes.relabelled``).
- interpret, root-cause, solution: train ``rlog/*_with_reason``; test ``loglm/*_test``.

Every test split is cut against its task's training set (see ``leakage`` for the overlap found
in the shipped data and why leaked items are dropped rather than fatal).
"""

from __future__ import annotations

import logging
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from rlog_train.data.examples import Example
from rlog_train.data.label_fixes import apply_label_fixes, relabelled
from rlog_train.data.leakage import LeakageReport, assert_no_leakage, leakage_key, remove_leaked
from rlog_train.data.loaders import (
    find_data_dir,
    load_anomaly_patch,
    load_loghub,
    load_loglm_test,
    load_logprompt,
    load_rlog,
)
from rlog_tui.protocol import Task

log = logging.getLogger(__name__)

Split = Literal["train", "validation", "test", "test_unseen"]
SPLITS: tuple[Split, ...] = ("train", "test", "test_unseen")
TEST_SPLITS: tuple[Split, ...] = ("test", "test_unseen")
VALIDATION_SHARE = 0.2
"""The share of the anomaly cold-start set held out as validation (label-balanced, seed 0)."""
VALIDATION_SEED = 0
VALIDATION_ANOMALY_SHARE = 0.3
"""The share of each system's anomalies the validation fifth takes (training keeps the rest)."""

SEEN_SYSTEMS = ("HDFS", "Hadoop", "Zookeeper", "BGL", "HPC", "Linux", "Proxifier")
UNSEEN_SYSTEMS = (
    "Android",
    "Apache",
    "HealthApp",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Spark",
    "Thunderbird",
    "Windows",
)
TRAIN_LINES_PER_SYSTEM = 200
"""R-Log's parsing set is the first 200 Loghub-2k lines of each seen system."""
ANOMALY_SYSTEMS = ("BGL", "Spirit")


def splits_of(task: Task) -> tuple[Split, ...]:
    """The splits ``task`` has: only log parsing has unseen systems, only anomaly a validation."""
    if task is Task.PARSE:
        return SPLITS
    if task is Task.ANOMALY:
        return ("train", "validation", "test")
    return ("train", "test")


def load_split(
    task: Task, split: Split, data_dir: Path | None = None, *, drop_leaked: bool = True
) -> list[Example]:
    """The examples of one fixed split; test splits are held out from training (see module doc)."""
    examples, report = load_split_with_report(task, split, data_dir, drop_leaked=drop_leaked)
    if report.dropped:
        log.info("%s/%s: dropped %d test item(s) also in training", task, split, report.dropped)
    return examples


def load_split_with_report(
    task: Task, split: Split, data_dir: Path | None = None, *, drop_leaked: bool = True
) -> tuple[list[Example], LeakageReport]:
    """``load_split`` plus how many leaked test items were dropped (for stats and reports)."""
    task = Task(task)
    if split not in splits_of(task):
        raise ValueError(f"task {task.value!r} has no {split!r} split")
    data_dir = data_dir or find_data_dir()
    train = _train(task, data_dir)
    if split in ("train", "validation"):
        return held_out(task, train, split), LeakageReport(0)
    test = _test(task, split, data_dir, train)
    if not drop_leaked:
        return test, LeakageReport(0)
    kept, report = remove_leaked(train, test)
    assert_no_leakage(train, kept)
    return kept, report


def _train(task: Task, data_dir: Path) -> list[Example]:
    examples = load_rlog(task, data_dir)
    if task is Task.PARSE:
        first_lines = [
            example
            for system in SEEN_SYSTEMS
            for example in load_loghub(system, data_dir)[:TRAIN_LINES_PER_SYSTEM]
        ]
        return _attach_systems(examples, first_lines)
    if task is Task.ANOMALY:
        templates = [ex for system in ANOMALY_SYSTEMS for ex in load_logprompt(system, data_dir)]
        return relabelled(_attach_systems(examples, templates), load_anomaly_patch(data_dir))
    return examples


def held_out(task: Task, cold_start: list[Example], split: Split) -> list[Example]:
    """``train`` or ``validation`` of the cold-start set: only anomaly detection holds one out.

    The validation fifth is drawn label-balanced per system as far as the labels allow (so its
    AUC rests on more than a handful of anomalies), with a fixed seed, in the file's order.
    """
    if task is not Task.ANOMALY:
        return cold_start
    size = round(len(cold_start) * VALIDATION_SHARE)
    validation = _validation_draw(cold_start, size)
    if split == "validation":
        return validation
    held = {id(example) for example in validation}
    return [example for example in cold_start if id(example) not in held]


def _validation_draw(examples: list[Example], size: int) -> list[Example]:
    """A fifth with ``VALIDATION_ANOMALY_SHARE`` of each system's anomalies: enough for an AUC,
    few enough that training keeps most of the scarce abnormal items."""
    rng = random.Random(VALIDATION_SEED)
    quotas = _proportional_quotas(dict(Counter(e.system for e in examples)), size)
    chosen: list[int] = []
    for system, quota in sorted(quotas.items(), key=lambda item: str(item[0])):
        members = [i for i, example in enumerate(examples) if example.system == system]
        abnormal = [i for i in members if examples[i].label == "abnormal"]
        normal = [i for i in members if examples[i].label != "abnormal"]
        take_abnormal = min(round(len(abnormal) * VALIDATION_ANOMALY_SHARE), quota // 2)
        chosen += rng.sample(abnormal, take_abnormal) + rng.sample(normal, quota - take_abnormal)
    return [examples[i] for i in sorted(chosen)]


def _attach_systems(examples: list[Example], references: list[Example]) -> list[Example]:
    """Name the system of each cold-start item (the file does not) from where its input occurs."""
    system_of = {leakage_key(ref.input): ref.system for ref in references}
    return [replace(ex, system=system_of.get(leakage_key(ex.input))) for ex in examples]


def _test(task: Task, split: Split, data_dir: Path, train: list[Example]) -> list[Example]:
    if task is Task.PARSE:
        if split == "test":
            return [
                example
                for system in SEEN_SYSTEMS
                for example in load_loghub(system, data_dir, after_line=TRAIN_LINES_PER_SYSTEM)
            ]
        return [example for system in UNSEEN_SYSTEMS for example in load_loghub(system, data_dir)]
    if task is Task.ANOMALY:
        in_train = {leakage_key(example.input) for example in train}
        templates = [
            example
            for system in ANOMALY_SYSTEMS
            for example in load_logprompt(system, data_dir)
            if leakage_key(example.input) not in in_train
        ]
        return apply_label_fixes(templates, load_anomaly_patch(data_dir))
    return load_loglm_test(task, data_dir)


def sample(examples: Sequence[Example], n: int, seed: int = 0) -> list[Example]:
    """A fixed-seed sample of ``n`` examples, stratified by system, in the input's order.

    Each system gets a share proportional to its size (largest remainders round), so a small
    sample of the unseen parsing split still covers all nine systems. Anomaly detection is also
    balanced by label inside each system: its splits hold 8-12% abnormal items, so a proportional
    sample of 50 would score F1 on about four positives (and train on almost none); what a label
    cannot fill goes to the other. ``n`` at or above the size returns everything.
    """
    if n >= len(examples):
        return list(examples)
    if n <= 0:
        return []
    groups: dict[str | None, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups[example.system].append(index)
    counts = _proportional_quotas({system: len(members) for system, members in groups.items()}, n)
    rng = random.Random(seed)
    chosen: list[int] = []
    for system in sorted(groups, key=str):
        members = groups[system]
        if all(examples[index].task is Task.ANOMALY for index in members):
            chosen.extend(_label_balanced(examples, members, counts[system], rng))
        else:
            chosen.extend(rng.sample(members, counts[system]))
    return [examples[index] for index in sorted(chosen)]


def _proportional_quotas(sizes: dict[str | None, int], n: int) -> dict[str | None, int]:
    """``n`` dealt over groups in proportion to their sizes, largest remainders first."""
    total = sum(sizes.values())
    quotas = {key: n * size / total for key, size in sizes.items()}
    counts = {key: int(quota) for key, quota in quotas.items()}
    by_remainder = sorted(sizes, key=lambda k: (-(quotas[k] - counts[k]), str(k)))
    for key in by_remainder[: n - sum(counts.values())]:
        counts[key] += 1
    return counts


def _label_balanced(
    examples: Sequence[Example], members: list[int], n: int, rng: random.Random
) -> list[int]:
    """``n`` of ``members`` with the labels as even as their sizes allow (seeded)."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for index in members:
        by_label[examples[index].label].append(index)
    labels = sorted(by_label)
    quota = dict.fromkeys(labels, 0)
    remaining = n
    while remaining:
        open_labels = [label for label in labels if quota[label] < len(by_label[label])]
        if not open_labels:
            break
        for label in open_labels[:remaining]:
            quota[label] += 1
            remaining -= 1
    return [index for label in labels for index in rng.sample(by_label[label], quota[label])]
