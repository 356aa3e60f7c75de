"""Reading, checking and writing GGUF files safely: the plumbing shared by every command.

Outputs are written to a temporary file beside the target and renamed into place only when
complete, so an interrupted run never leaves a truncated GGUF under the final name; free space is
checked before the first byte is written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quantize.errors import BadInput, InputNotFound, NotEnoughDiskSpace
from rlog_tui.engine.gguf_header import GGUF_MAGIC

if TYPE_CHECKING:
    import gguf

# Keys the writer produces itself (header counts) or sets from its constructor.
_GENERATED_KEYS = ("GGUF.version", "GGUF.tensor_count", "GGUF.kv_count", "general.architecture")
FLOAT_TYPES = ("F32", "F16", "BF16", "F64")


def require_file(path: Path, what: str) -> Path:
    """``path`` as a ``Path``, or a one-line error if it is missing or a directory."""
    path = Path(path)
    if not path.exists():
        raise InputNotFound(f"{what} not found: {path}")
    if path.is_dir():
        raise BadInput(f"{what} is a directory, not a file: {path}")
    return path


def open_gguf(path: Path, what: str) -> gguf.GGUFReader:
    """A memory-mapped reader on ``path`` after checking it exists and starts with GGUF's magic."""
    import gguf

    path = require_file(path, what)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise BadInput(f"{what} is not a GGUF file (bad magic {magic!r}): {path}")
    try:
        return gguf.GGUFReader(path)
    except (ValueError, OSError, IndexError) as error:
        raise BadInput(f"{what} is a corrupt or truncated GGUF ({error}): {path}") from None


def field_value(reader: gguf.GGUFReader, key: str, default: Any = None) -> Any:
    """The value of metadata ``key`` (a str, number, bool or list), or ``default``."""
    field = reader.get_field(key)
    return default if field is None else field.contents()


def architecture(reader: gguf.GGUFReader) -> str:
    """``general.architecture`` of a GGUF (llama.cpp refuses a file without it)."""
    return str(field_value(reader, "general.architecture", ""))


def copy_metadata(
    reader: gguf.GGUFReader,
    writer: gguf.GGUFWriter,
    skip: tuple[str, ...] = (),
    only: tuple[str, ...] | None = None,
) -> None:
    """Copy the metadata keys of ``reader`` (all but ``skip``; or ``only`` those) into ``writer``
    with their exact GGUF value types."""
    import gguf

    for key, field in reader.fields.items():
        if key in _GENERATED_KEYS or key in skip or (only is not None and key not in only):
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type=sub_type)


def ensure_free_space(target: Path, needed_bytes: int) -> None:
    """Refuse early when the file system holding ``target`` lacks ``needed_bytes`` (+1% margin)."""
    directory = Path(target).resolve().parent
    if not directory.exists():
        raise InputNotFound(f"output directory does not exist: {directory}")
    free = shutil.disk_usage(directory).free
    needed = int(needed_bytes * 1.01) + (1 << 20)
    if free < needed:
        raise NotEnoughDiskSpace(
            f"not enough disk space for {target}: needs {human_size(needed)}, "
            f"{human_size(free)} free on {directory}"
        )


def write_tensors(
    writer: gguf.GGUFWriter,
    tensors: list[tuple[str, Any]],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Add ``tensors`` (name, array), write the whole file, report progress per tensor, close."""
    for name, array in tensors:
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for done, (_, array) in enumerate(tensors, start=1):
        writer.write_tensor_data(array)
        if progress:
            progress(done, len(tensors))
    writer.close()


def write_added(writer: gguf.GGUFWriter) -> None:
    """Write the metadata and tensors already added to ``writer`` (in one piece) and close it."""
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def human_size(n_bytes: float) -> str:
    """``1.5 MB``-style size (decimal units, as file managers show them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n_bytes) < 1000 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.1f} GB"


def is_quantized(reader: gguf.GGUFReader) -> bool:
    """True when any matrix in the file is stored in a quantized (non-float) type."""
    return any(
        tensor.tensor_type.name not in FLOAT_TYPES and len(tensor.shape) >= 2
        for tensor in reader.tensors
    )


def tensor_types(reader: gguf.GGUFReader) -> dict[str, int]:
    """How many tensors of each GGML type a file holds, e.g. ``{"Q4_K": 90, "F32": 73}``."""
    counts: dict[str, int] = {}
    for tensor in reader.tensors:
        counts[tensor.tensor_type.name] = counts.get(tensor.tensor_type.name, 0) + 1
    return counts
