"""`rlog-tui doctor`: what this machine, this llama.cpp build and this model do, for a bug report.

Each check is one step with a result and, when it fails, what to do. The 8-token generation runs
in a child process: a crash inside llama.cpp (SIGSEGV on the AMX path, an illegal instruction from
a wheel built for another CPU) kills the process, and only a parent can still say which part
failed.
"""

from __future__ import annotations

import json
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rlog_tui import __version__


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the doctor's report: what was looked at, what was seen, what to do."""

    name: str
    ok: bool
    detail: str
    hint: str = ""
    """What the user can do about it; empty when the step is fine."""


INTERESTING_FLAGS = ("avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512_vnni", "avx512_bf16")
PROMPT = "Log: 081109 203615 148 INFO dfs.DataNode: PacketResponder 1 terminating\nThis line is"
GENERATE_TIMEOUT_S = 300


def check_cpu() -> Check:
    from rlog_tui.engine.cpu_features import AMX_CPU_FLAGS, cpu_model, read_cpu_flags

    flags = read_cpu_flags()
    seen = [f for f in (*INTERESTING_FLAGS, *sorted(AMX_CPU_FLAGS)) if f in flags]
    detail = f"{cpu_model()}; {platform.machine()}; features: {' '.join(seen) or 'none read'}"
    if flags and "avx2" not in flags and platform.machine() in ("x86_64", "AMD64"):
        return Check(
            "cpu", False, detail, "rlog's llama.cpp build needs AVX2 (x86-64 from 2013 on)"
        )
    return Check("cpu", True, detail)


def check_llama_cpp() -> Check:
    try:
        from rlog_tui.engine.llama_open import model_params_here, system_info
    except ImportError as error:  # pragma: no cover - the base install declares it
        return Check("llama.cpp", False, str(error), "run scripts/setup-venv")
    try:
        package = version("llama_cpp_python")
    except PackageNotFoundError:
        package = "unknown version"
    params = model_params_here()
    bufts = "on" if params.use_extra_bufts else "off"
    return Check(
        "llama.cpp",
        True,
        f"llama-cpp-python {package}; {system_info().strip()}\n"
        f"extra buffer types {bufts}: {params.reason}",
    )


def check_model(model: Path, adapter: Path | None) -> Check:
    from rlog_tui.engine.errors import EngineError
    from rlog_tui.engine.llama_backend import check_gguf

    try:
        check_gguf(model, "model")
        if adapter is not None:
            check_gguf(adapter, "adapter")
    except EngineError as error:
        return Check("model", False, str(error), "check --model/--adapter, RLOG_MODEL, the config")
    size = model.stat().st_size / 1e6
    detail = f"{model} ({size:.0f} MB)" + (f" + {adapter}" if adapter else " (no adapter)")
    return Check("model", True, detail)


def generate(model: Path, adapter: Path | None, n_tokens: int = 8) -> dict[str, object]:
    """Load the model and generate `n_tokens` greedily (run in the child process)."""
    from rlog_tui.engine.backend import SamplingParams
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings

    start = time.perf_counter()
    backend = LlamaBackend(
        LlamaSettings(model_path=model, adapter_path=adapter, n_ctx=512, n_threads=1)
    )
    loaded = time.perf_counter()
    text = "".join(
        chunk.text
        for chunk in backend.generate(PROMPT, SamplingParams(max_tokens=n_tokens), lambda: False)
    )
    done = time.perf_counter()
    backend.close()
    return {"text": text, "load_s": loaded - start, "generate_s": done - loaded}


def check_generation(model: Path, adapter: Path | None) -> Check:
    args = [sys.executable, "-m", "rlog_tui.doctor", str(model), str(adapter or "")]
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return Check("generation", False, f"no answer in {GENERATE_TIMEOUT_S} s", "try --threads 1")
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        hint = (
            "llama.cpp crashed: rebuild it for this CPU with scripts/setup-venv (a wheel built on "
            "another machine, or the AMX path of a native build); paste this report in an issue"
        )
        return Check("generation", False, f"killed by {name}", hint)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return Check("generation", False, last, "run with --debug for llama.cpp's log")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Check(
        "generation",
        True,
        f"8 tokens in {result['generate_s']:.2f} s (load {result['load_s']:.2f} s): "
        f"{result['text']!r}",
    )


def run_checks(model: Path, adapter: Path | None) -> Iterator[Check]:
    """Every check in order; generation only when the parts before it passed."""
    yield Check("rlog", True, f"rlog {__version__}, Python {platform.python_version()}")
    cpu = check_cpu()
    yield cpu
    llama = check_llama_cpp()
    yield llama
    found = check_model(model, adapter)
    yield found
    if cpu.ok and llama.ok and found.ok:
        yield check_generation(model, adapter)


if __name__ == "__main__":  # the child process of check_generation
    model_arg, adapter_arg = sys.argv[1], sys.argv[2]
    outcome = generate(Path(model_arg), Path(adapter_arg) if adapter_arg else None)
    print(json.dumps(outcome))
