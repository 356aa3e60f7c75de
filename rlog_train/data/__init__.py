"""Research data as ``Example`` items: loaders, the fixed splits, leakage checks, prompt rendering.

Pure Python on purpose (no torch): the evaluator and the CLI's ``data stats`` use it without the
training extras installed.
"""

from rlog_train.data.examples import Example, to_prompt, to_target
from rlog_train.data.leakage import (
    LeakageError,
    LeakageReport,
    assert_no_leakage,
    leakage_key,
    remove_leaked,
)
from rlog_train.data.loaders import DataDirNotFound, DataError, find_data_dir
from rlog_train.data.splits import (
    SEEN_SYSTEMS,
    UNSEEN_SYSTEMS,
    Split,
    load_split,
    load_split_with_report,
    sample,
    splits_of,
)

__all__ = [
    "SEEN_SYSTEMS",
    "UNSEEN_SYSTEMS",
    "DataDirNotFound",
    "DataError",
    "Example",
    "LeakageError",
    "LeakageReport",
    "Split",
    "assert_no_leakage",
    "find_data_dir",
    "leakage_key",
    "load_split",
    "load_split_with_report",
    "remove_leaked",
    "sample",
    "splits_of",
    "to_prompt",
    "to_target",
]
