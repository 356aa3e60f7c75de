"""What one evaluation run covers: the options, and the fixed test sets sampled from the splits.

A *set* is one task's test split as it is scored and reported: log parsing has two (the 7 seen
systems and the 9 unseen ones, never mixed, since R-Log's headline claim is about the gap between
them); every other task has one. ``--limit N`` draws N examples from each set with ``sample``
(fixed seed, stratified by system), and the size drawn is reported beside every figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rlog_train.data import Example, Split, find_data_dir, load_split_with_report, sample
from rlog_train.data.splits import TEST_SPLITS, splits_of
from rlog_tui.errors import InputError
from rlog_tui.protocol import TASKS, OutputOrder, Task, served_order
from rlog_tui.protocol.decoding import MAX_TOKENS, SERVED


class EvalError(InputError):
    """A failure a user can cause (unknown task, bad limit, engine gone): one line for the CLI."""


@dataclass(frozen=True, slots=True)
class EvalOptions:
    """How to run an evaluation; recorded as-is in ``eval.json``."""

    tasks: tuple[Task, ...] = tuple(Task)
    limit: int | None = None
    """Examples drawn from each set; None runs the whole set."""
    seed: int = 0
    fast: bool = False
    """R-Log-fast: answer first and stop generating at ``</answer>``."""
    max_tokens: int = MAX_TOKENS
    per_unseen_system: int | None = None
    """Examples drawn from each unseen parsing system instead of ``limit`` over the set."""
    drop_leaked: bool = True
    """Drop test items whose input appears in training (``--full-splits`` keeps them)."""
    data_dir: Path | None = None
    template_rule: bool = SERVED.template_rule
    """Parsing answers held to templates of their line, as served (``--free-templates``: not)."""
    guard_repeats: bool = SERVED.repeat_guard is not None
    """Free-text answers under the repeat guard, as served (``--free-repeats``: not)."""

    recorded_order: str | None = None
    """The order the adapter records it was trained on (``rlog.output_order``), if any."""

    @property
    def order(self) -> OutputOrder:
        """The output order the model is asked for: answer-first when fast, else its own."""
        return served_order(self.recorded_order, self.fast)


@dataclass(frozen=True, slots=True)
class EvalSet:
    """One task's test split, sampled: the unit metrics are computed and reported on."""

    task: Task
    split: Split
    examples: list[Example] = field(repr=False)
    available: int
    """Size of the split (after leaked items were dropped) before sampling."""
    dropped_leaked: int

    @property
    def name(self) -> str:
        """``parse/test``, ``parse/test_unseen``, ``anomaly/test`` …"""
        return f"{self.task.value}/{self.split}"

    @property
    def label(self) -> str:
        """Short name for tables: ``L.P. seen``, ``L.P. unseen``, ``A.D.`` …"""
        return set_label(self.name)


TEST_SET_NAMES: tuple[str, ...] = tuple(
    f"{task.value}/{split}" for task in Task for split in splits_of(task) if split in TEST_SPLITS
)
"""Every test set a run can cover, in report order."""


def set_label(name: str) -> str:
    """The short table name of a set named ``task/split`` (unknown names are kept as they are)."""
    task_name, _, split = name.partition("/")
    try:
        task = Task(task_name)
    except ValueError:
        return name
    short = TASKS[task].short
    if task is Task.PARSE:
        return f"{short} {'unseen' if split == 'test_unseen' else 'seen'}"
    return short


def build_sets(options: EvalOptions) -> list[EvalSet]:
    """Load and sample every test set the options ask for, in task order."""
    if options.limit is not None and options.limit < 1:
        raise EvalError(f"--limit must be at least 1, got {options.limit}")
    if options.per_unseen_system is not None and options.per_unseen_system < 1:
        raise EvalError(f"--per-unseen-system must be at least 1, got {options.per_unseen_system}")
    data_dir = options.data_dir or find_data_dir()
    if not data_dir.is_dir():
        raise EvalError(f"data directory {data_dir} does not exist")
    sets = []
    for task in options.tasks:
        for split in splits_of(task):
            if split not in TEST_SPLITS:
                continue
            examples, report = load_split_with_report(
                task, split, data_dir, drop_leaked=options.drop_leaked
            )
            chosen = _draw(examples, options, per_system=split == "test_unseen")
            sets.append(EvalSet(task, split, chosen, len(examples), report.dropped))
    return sets


def _draw(examples: list[Example], options: EvalOptions, per_system: bool) -> list[Example]:
    """The sample of one set: ``per_unseen_system`` from each system where asked, else ``limit``."""
    if per_system and options.per_unseen_system:
        systems: dict[str | None, list[Example]] = {}
        for example in examples:
            systems.setdefault(example.system, []).append(example)
        chosen = {
            id(example)
            for members in systems.values()
            for example in sample(members, options.per_unseen_system, options.seed)
        }
        return [example for example in examples if id(example) in chosen]
    return examples if options.limit is None else sample(examples, options.limit, options.seed)
