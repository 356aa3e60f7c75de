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
    """`llama_cpp.Llama(**kwargs)` with `params` (default: this machine's decision) applied."""
    import llama_cpp

    with _default_params(params or model_params_here()):
        return llama_cpp.Llama(**kwargs)
