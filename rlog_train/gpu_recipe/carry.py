"""The recipe's inputs split into checksummed parts that fit the GPU machine's calls.

Why: a call carries at most 64 MiB (working tree included) and the compact base alone is more,
so the inputs travel over several calls back to back, and the files an earlier call left on the
machine survive only while it stays warm (30 s). A join that silently concatenated whatever it
found would train on a broken base. So every part has a sha256 in a manifest that travels with
every call; the training call checks them all before joining and, when one is missing or wrong,
fails loudly naming the call to repeat.

``layout`` is the arithmetic (tested on its own): the inputs, largest first, are laid end to end
and cut into one slice per call of ``capacity`` bytes; a file that crosses a call boundary is cut
there. ``write_parts`` evens the slices out over the calls needed, so each call keeps the same
room to spare. Each call's folder holds its parts (``NNN``) and ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from rlog_train.gpu_recipe.machine import CALL_BYTES, MIB

MANIFEST = "manifest.json"
SAFETY_BYTES = 1 * MIB
"""Left free in every call: the working tree grows between prepare and the calls."""


class CarryError(RuntimeError):
    """A part is missing or corrupt, or the inputs cannot fit the calls."""


@dataclass(frozen=True, slots=True)
class Part:
    """One slice of one input file, carried by one call."""

    call: int
    """1-based number of the call that carries it."""
    name: str
    """File name inside the call's folder."""
    source: str
    """The input file it is a slice of (relative to the inputs folder)."""
    offset: int
    size: int
    sha256: str = ""


def call_capacity(tree_bytes: int, common_bytes: int, limit: int = CALL_BYTES) -> int:
    """Bytes of input one call can carry beside the working tree and what every call carries."""
    capacity = limit - tree_bytes - common_bytes - SAFETY_BYTES
    if capacity <= 0:
        raise CarryError(
            f"the working tree ({tree_bytes / MIB:.1f} MiB) and the wheels "
            f"({common_bytes / MIB:.1f} MiB) leave no room under {limit / MIB:.0f} MiB a call"
        )
    return capacity


def layout(files: dict[str, int], capacity: int) -> list[Part]:
    """Parts of ``files`` (relative path → bytes) for calls of ``capacity`` bytes each."""
    if capacity <= 0:
        raise CarryError("a call must carry at least one byte")
    parts: list[Part] = []
    call, room = 1, capacity
    for source, size in sorted(files.items(), key=lambda item: (-item[1], item[0])):
        offset = 0
        while True:
            if room == 0 and offset < size:
                call, room = call + 1, capacity
            take = min(room, size - offset)
            parts.append(Part(call, f"{len(parts):03d}", source, offset, take))
            offset, room = offset + take, room - take
            if offset >= size:
                break
    return parts


def calls_needed(total_bytes: int, capacity: int) -> int:
    """How many calls carry ``total_bytes`` of input (at least one)."""
    return max(1, math.ceil(total_bytes / capacity))


def balanced_capacity(total_bytes: int, capacity: int) -> int:
    """The slice size that needs as few calls as ``capacity`` but loads them evenly, so every
    call keeps the same room for the working tree to grow."""
    return max(1, math.ceil(total_bytes / calls_needed(total_bytes, capacity)))


def tree_bytes(root: Path) -> int:
    """Bytes of what travels with every call: tracked and untracked-but-not-ignored files."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    paths = [root / name.decode() for name in listed if name]
    return sum(path.stat().st_size for path in paths if path.is_file() and not path.is_symlink())


def sha256_of(path: Path, offset: int = 0, size: int | None = None) -> str:
    """The sha256 of ``size`` bytes of ``path`` from ``offset`` (the rest when ``size`` is None)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        handle.seek(offset)
        left = size
        while left is None or left > 0:
            chunk = handle.read(MIB if left is None else min(MIB, left))
            if not chunk:
                break
            digest.update(chunk)
            left = None if left is None else left - len(chunk)
    return digest.hexdigest()


def write_parts(inputs: Path, carry_root: Path, capacity: int) -> dict:
    """Cut every file under ``inputs`` into ``carry_root/callN/NNN`` with a manifest in each."""
    files = {str(p.relative_to(inputs)): p.stat().st_size for p in inputs.rglob("*") if p.is_file()}
    parts = layout(files, balanced_capacity(sum(files.values()), capacity))
    written = []
    for part in parts:
        folder = carry_root / f"call{part.call}"
        folder.mkdir(parents=True, exist_ok=True)
        with (inputs / part.source).open("rb") as source:
            source.seek(part.offset)
            (folder / part.name).write_bytes(source.read(part.size))
        written.append(Part(**{**asdict(part), "sha256": sha256_of(folder / part.name)}))
    manifest = {
        "capacity": capacity,
        "calls": max(p.call for p in written) if written else 0,
        "files": {
            name: {"size": size, "sha256": sha256_of(inputs / name)} for name, size in files.items()
        },
        "parts": [asdict(p) for p in written],
    }
    for call in range(1, manifest["calls"] + 1):
        (carry_root / f"call{call}" / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def read_manifest(carry_root: Path) -> dict:
    """The manifest of any call folder present (they are identical)."""
    for path in sorted(carry_root.glob(f"call*/{MANIFEST}")):
        return json.loads(path.read_text())
    raise CarryError(f"no call folder with a {MANIFEST} under {carry_root}")


def check_parts(carry_root: Path, manifest: dict, calls: set[int] | None = None) -> None:
    """Check the size and sha256 of every part (of ``calls`` only, when given); raise on the
    first call with a missing or corrupt part, naming what to repeat."""
    for entry in manifest["parts"]:
        part = Part(**entry)
        if calls is not None and part.call not in calls:
            continue
        path = carry_root / f"call{part.call}" / part.name
        repeat = (
            f"repeat call {part.call} of `scripts/gpu_recipe.sh calls`, then every later call "
            "at once (the machine keeps an earlier call's files only while warm)"
        )
        if not path.is_file():
            raise CarryError(
                f"part {part.name} of call {part.call} ({part.source}) is missing: {repeat}"
            )
        if path.stat().st_size != part.size or sha256_of(path) != part.sha256:
            raise CarryError(
                f"part {part.name} of call {part.call} ({part.source}) is corrupt: {repeat}"
            )


def join(carry_root: Path, target: Path) -> dict:
    """Check every part, then rebuild the inputs under ``target`` and check each whole file."""
    manifest = read_manifest(carry_root)
    check_parts(carry_root, manifest)
    for name, expected in manifest["files"].items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pieces = sorted(
            (Part(**entry) for entry in manifest["parts"] if entry["source"] == name),
            key=lambda part: part.offset,
        )
        with path.open("wb") as sink:
            for part in pieces:
                sink.write((carry_root / f"call{part.call}" / part.name).read_bytes())
        if sha256_of(path) != expected["sha256"]:
            raise CarryError(f"{name} joined from its parts does not match its sha256")
    return manifest
