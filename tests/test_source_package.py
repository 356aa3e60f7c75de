"""The source package stays headless: importing it pulls in no Textual or Rich."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_source_imports_no_ui_library() -> None:
    code = (
        "import sys, rlog_tui.source; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.stdout.strip() == "[]"
