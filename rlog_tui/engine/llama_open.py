"""The one way rlog creates a `llama_cpp.Llama`: with the model parameters this CPU needs.

llama-cpp-python 0.3.36 does not expose `use_extra_bufts` as an argument: `Llama.__init__` takes
its model parameters from `llama_model_default_params()`. So, while one `Llama` is being made,
that function is wrapped to apply `decide_model_params` (see `cpu_features`); a lock keeps two
threads from wrapping it at once. Everything else goes to `Llama` unchanged.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cache
from typing import Any

from rlog_tui.engine.cpu_features import (
    ModelParams,
    build_features,
    decide_model_params,
    read_cpu_flags,
)
from rlog_tui.engine.errors import AdapterMismatch
from rlog_tui.engine.llama_log import last_error

_PATCH_LOCK = threading.Lock()


def system_info() -> str:
    """llama.cpp's own line of compiled features, e.g. `CPU : SSE3 = 1 | AVX2 = 1 | …`."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")


@cache
def model_params_here() -> ModelParams:
    """The decision for this machine and this llama.cpp build (read once per process)."""
    return decide_model_params(read_cpu_flags(), build_features(system_info()))


@contextmanager
def _default_params(params: ModelParams):
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def decided():  # same signature as llama.cpp's: no arguments
        result = original()
        result.use_extra_bufts = params.use_extra_bufts
        return result

    with _PATCH_LOCK:
        lib.llama_model_default_params = decided
        try:
            yield
        finally:
            lib.llama_model_default_params = original


def open_llama(params: ModelParams | None = None, **kwargs: Any):
    """`llama_cpp.Llama(**kwargs)` with `params` (default: this machine's decision) applied.

    A `lora_path` llama.cpp rejects raises ``AdapterMismatch``: llama-cpp-python 0.3.36 tests
    the adapter pointer with `is None`, which a NULL ctypes pointer never is, so a rejected
    adapter would otherwise be silently ignored. Every caller gets this check here, once.
    """
    import llama_cpp

    with _default_params(params or model_params_here()):
        llama = llama_cpp.Llama(**kwargs)
    if kwargs.get("lora_path") and not llama._lora_adapter:
        llama.close()
        raise adapter_mismatch(kwargs["lora_path"], kwargs.get("model_path"))
    return llama


def adapter_mismatch(adapter: object, model: object) -> AdapterMismatch:
    """The one-line error for an adapter llama.cpp will not apply to ``model``, with its reason."""
    reason = last_error().split(": ")[-1] or "other architecture, tensor names or shapes"
    return AdapterMismatch(f"adapter {adapter} does not fit model {model} ({reason})")
