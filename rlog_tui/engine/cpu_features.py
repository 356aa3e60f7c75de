"""CPU features in, llama.cpp model parameters out: where the AMX crash is decided.

llama.cpp built with native flags on an Intel CPU with AMX compiles its AMX backend and, through
the model's "extra buffer types", routes matrix products to it; on gemma-3 that segfaults in
`ggml_backend_amx_mul_mat` (upstream llama.cpp issue 20824), so every generation exits 139.
`scripts/setup-venv` builds llama.cpp without AMX; a user who installs llama-cpp-python another way
may still have it. So the decision rests on both the CPU's flags and the build's features, and
lives in this one pure function that a test can drive with any CPU on any machine.

Turning extra buffer types off also turns off weight repacking, which speeds up the AVX2 kernels
(bench/llama_build.py measures both): so they stay on wherever the AMX backend cannot be used.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from pathlib import Path

AMX_CPU_FLAGS = frozenset({"amx_tile", "amx_int8", "amx_bf16"})


@dataclass(frozen=True, slots=True)
class ModelParams:
    """The llama.cpp model parameters rlog decides, and why (for `rlog-tui doctor`)."""

    use_extra_bufts: bool
    reason: str


def read_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none: not Linux/x86)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows: for reports."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build_features(system_info: str) -> frozenset[str] | None:
    """Features llama.cpp was compiled with, from `llama_print_system_info()`.

    `"CPU : SSE3 = 1 | AVX2 = 1 | AMX_INT8 = 1 | "` gives `{"SSE3", "AVX2", "AMX_INT8"}`; None
    when the text has no `NAME = 0/1` pairs at all (an unknown build).
    """
    pairs = re.findall(r"([A-Z][A-Z0-9_]*) = ([01])", system_info)
    if not pairs:
        return None
    return frozenset(name for name, on in pairs if on == "1")


def decide_model_params(cpu_flags: frozenset[str], built: frozenset[str] | None) -> ModelParams:
    """Whether llama.cpp may use extra buffer types on this CPU with this build."""
    cpu_amx = sorted(cpu_flags & AMX_CPU_FLAGS)
    if not cpu_amx:
        return ModelParams(True, "CPU has no AMX")
    if built is None:
        return ModelParams(
            False, f"CPU has {', '.join(cpu_amx)} and llama.cpp's build is unknown: AMX path off"
        )
    build_amx = sorted(name for name in built if name.startswith("AMX"))
    if build_amx:
        return ModelParams(
            False,
            f"CPU has {', '.join(cpu_amx)} and llama.cpp was built with {', '.join(build_amx)}: "
            "extra buffer types off (the AMX path crashes on gemma-3, llama.cpp issue 20824)",
        )
    return ModelParams(True, f"CPU has {', '.join(cpu_amx)} but llama.cpp was built without AMX")
