"""Writing a file so that a reader never sees half of it: a temporary file renamed over it.

Every file rlog writes (verdict cache, calibration, eval reports, GGUF outputs, the assembled
embedded model) goes through here: the data lands in a hidden temporary file in the same folder,
is flushed to disk, made readable like any other file (``mkstemp``'s 0600 would hide it from
other users), then ``os.replace``d over the target in one step. A failure leaves the target as it
was and no temporary file behind. Never used on a log: rlog does not write logs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``: write it, and it replaces ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically and durably."""
    with replaced_atomically(target) as temporary, temporary.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
