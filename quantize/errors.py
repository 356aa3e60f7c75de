"""Failures a user can cause with ``rlog-quantize``, each with a one-line message.

The CLI prints ``str(error)`` and exits non-zero (a traceback only with ``--debug``), so every
message names the file involved and, where there is one, the way out.
"""

from __future__ import annotations

from rlog_tui.errors import InputError


class QuantizeError(InputError):
    """Base class for every failure ``rlog-quantize`` reports as one line."""


class InputNotFound(QuantizeError):
    """A model, adapter or directory named on the command line does not exist."""


class BadInput(QuantizeError):
    """A file exists but is not what it should be (not a GGUF, not a PEFT adapter, corrupt)."""


class AdapterMismatch(QuantizeError):
    """The adapter does not fit the base: other architecture, unknown tensor names or shapes."""


class UnsupportedInput(QuantizeError):
    """A type, architecture or adapter feature this tool does not handle."""


class AlreadyQuantized(QuantizeError):
    """Quantizing an already quantized model again, without ``--allow-requantize``."""


class NotEnoughDiskSpace(QuantizeError):
    """The output would not fit on its file system (checked before writing)."""


class QuantizeFailed(QuantizeError):
    """llama.cpp's quantizer (or a model load during verification) reported a failure."""
