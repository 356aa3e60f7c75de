"""Boundaries of the architecture: pure modules import no UI, the runtime imports no torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = [
    "rlog_tui.protocol",
    "rlog_tui.engine",
    "rlog_tui.source",
    "rlog_tui.templates",
    "rlog_tui.source.selection",
    "rlog_tui.source.time_jump",
    "rlog_tui.templates.source_mining",
    "rlog_tui.source.formats.levels",
    "rlog_tui.protocol.safe_text",
    "rlog_tui.models",
    "rlog_tui.config",
    "rlog_tui.screening.screener",
    "rlog_tui.screening.verdict_cache",
    "rlog_tui.protocol.compression",
    "rlog_tui.screening.report",
]


def imported_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_textual_or_rich(module):
    loaded = imported_after(module)
    assert not {"textual", "rich"} & loaded


def test_the_tui_and_cli_never_import_torch():
    loaded = imported_after("rlog_tui.ui.app") | imported_after("rlog_tui.cli")
    assert not {"torch", "transformers", "trl", "peft"} & loaded


@pytest.mark.parametrize(
    "module",
    [
        "rlog_train.data",
        "rlog_train.metrics",
        "rlog_train.rewards",
        "rlog_train.cli",
        "rlog_train.evaluate",
        "rlog_train.evaluate.command",
    ],
)
def test_the_trainers_light_modules_import_neither_torch_nor_textual(module):
    """Data, metrics, rewards, the CLI and the evaluator load torch only for training/HF runs."""
    assert not {"torch", "transformers", "trl", "peft", "textual"} & imported_after(module)
