"""Tests that read ../shared/data skip, with one reason, on a machine without it."""

from __future__ import annotations

import pytest

from rlog_train.data import DataDirNotFound, find_data_dir


def has_research_data() -> bool:
    try:
        find_data_dir()
    except DataDirNotFound:
        return False
    return True


needs_data = pytest.mark.skipif(not has_research_data(), reason="research data not found")
