"""Where a figure came from: model files by hash, rlog's commit, and the machine it ran on.

A number in a table is only worth something if the run can be told apart from another: the same
model name may hide another quantization or adapter, and a speed means nothing without the CPU.
Hashing the embedded 253 MB model takes about a second, once per run.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rlog_tui
from rlog_tui.engine.cpu_features import cpu_model

_CHUNK = 1 << 20
HASH_LIMIT = 4 << 30
"""Bytes up to which a model file is hashed (about 15 s at 4 GB); larger: size and mtime."""


def file_identity(path: Path | None) -> dict[str, Any] | None:
    """Path, size, mtime and sha256 of a model file or adapter (None for no file).

    Files over ``HASH_LIMIT`` get size and mtime only; a directory (an HF model) lists its files.
    """
    if path is None:
        return None
    path = Path(path)
    info = path.stat()
    identity: dict[str, Any] = {
        "path": str(path.resolve()),
        "mtime": datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="seconds"),
    }
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        identity["files"] = {p.name: p.stat().st_size for p in files}
        identity["size"] = sum(identity["files"].values())
        return identity
    identity["size"] = info.st_size
    if info.st_size <= HASH_LIMIT:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        identity["sha256"] = digest.hexdigest()
    return identity


def rlog_commit() -> str | None:
    """The git commit of the rlog checkout this code runs from, if it is one."""
    root = Path(rlog_tui.__file__).resolve().parent.parent
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """The machine a run's timings belong to."""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "rlog_version": rlog_tui.__version__,
        "rlog_commit": rlog_commit(),
    }


def now_iso() -> str:
    """The current time in UTC, to the second (when a run started)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
