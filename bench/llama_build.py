"""What the portable llama.cpp build and the AMX decision cost: decode and prefill tokens/s.

Each configuration is a llama-cpp-python wheel (the portable one `scripts/setup-venv` builds, and
a native `-march=native` one for comparison) times `use_extra_bufts` on or off. Every measurement
runs in its own process (a crash on the AMX path is a result, not the end of the bench), with the
wheel unpacked first on `sys.path`, one llama.cpp thread, the embedded model and shipped adapter,
greedy decoding of `--tokens` tokens after a log prompt. Configurations take turns, `--reps`
rounds, and the median of each is reported as a ratio to the first configuration.

    .venv/bin/python bench/llama_build.py --wheel native=/tmp/wheel-native/llama_cpp_python-*.whl \
        --wheel portable=.cache/wheels/llama-cpp-python-0.3.36-*/llama_cpp_python-*.whl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def measure(extra_bufts: bool, n_tokens: int) -> dict[str, float | str]:
    """One load and one generation in this process: prefill and decode tokens/s."""
    from rlog_tui.engine.cpu_features import ModelParams
    from rlog_tui.engine.llama_open import open_llama, system_info
    from rlog_tui.models import embedded_adapter_path, embedded_model_path

    adapter = embedded_adapter_path()
    llm = open_llama(
        ModelParams(extra_bufts, "bench"),
        model_path=str(embedded_model_path()),
        lora_path=str(adapter) if adapter else None,
        n_ctx=1024,
        n_threads=1,
        n_threads_batch=1,
        verbose=False,
    )
    text = "\n".join((ROOT / "samples" / "hdfs-incident.log").read_text().splitlines()[:8])
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=True)
    start = time.perf_counter()
    stream = llm.generate(tokens, temp=0.0)
    next(stream)
    first = time.perf_counter()
    for _ in range(n_tokens - 1):
        next(stream)
    end = time.perf_counter()
    llm.close()
    return {
        "prefill_tps": len(tokens) / (first - start),
        "decode_tps": (n_tokens - 1) / (end - first),
        "system_info": system_info().strip(),
    }


def run_child(site: Path, extra_bufts: bool, n_tokens: int) -> dict[str, float | str]:
    env = dict(os.environ, PYTHONPATH=f"{site}{os.pathsep}{ROOT}", OMP_NUM_THREADS="1")
    args = [sys.executable, __file__, "--child", "on" if extra_bufts else "off"]
    done = subprocess.run(
        [*args, "--tokens", str(n_tokens)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return {
            "error": f"exit {done.returncode}" + (" (SIGSEGV)" if done.returncode == -11 else "")
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    from templates import machine as describe

    return describe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", action="append", default=[], help="NAME=PATH of a wheel")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--child", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child == "on", args.tokens)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        configs: list[tuple[str, Path, bool]] = []
        for spec in args.wheel:
            name, _, path = spec.partition("=")
            site = Path(tmp) / name
            with zipfile.ZipFile(path) as wheel:
                wheel.extractall(site)
            for lib in (site / "llama_cpp" / "lib").glob("*"):
                lib.chmod(0o755)
            configs += [(name, site, True), (name, site, False)]
        results: dict[tuple[str, bool], list[dict]] = {(n, e): [] for n, _, e in configs}
        for _ in range(args.reps):
            for name, site, extra in configs:
                results[(name, extra)].append(run_child(site, extra, args.tokens))
    print(f"machine: {machine()}; one llama.cpp thread; {args.tokens} tokens; {args.reps} rounds")
    print("| build | extra buffer types | decode tok/s | vs first | prefill tok/s | vs first |")
    print("|---|---|---|---|---|---|")
    base: tuple[float, float] | None = None
    for (name, extra), runs in results.items():
        ok = [r for r in runs if "error" not in r]
        if not ok:
            print(f"| {name} | {'on' if extra else 'off'} | {runs[0]['error']} | – | – | – |")
            continue
        decode = statistics.median(r["decode_tps"] for r in ok)
        prefill = statistics.median(r["prefill_tps"] for r in ok)
        base = base or (decode, prefill)
        print(
            f"| {name} | {'on' if extra else 'off'} | {decode:.1f} | {decode / base[0]:.2f}x "
            f"| {prefill:.1f} | {prefill / base[1]:.2f}x |"
        )
    for name in dict.fromkeys(n for n, _ in results):
        runs = results[(name, True)] + results[(name, False)]
        info = next((r["system_info"] for r in runs if "system_info" in r), "no run finished")
        print(f"{name}: {info}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
