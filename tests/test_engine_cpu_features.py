"""The AMX decision (CPU flags and llama.cpp build in, model parameters out), on any machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlog_tui.engine.cpu_features import (
    build_features,
    cpu_model,
    decide_model_params,
    read_cpu_flags,
)
from rlog_tui.engine.llama_open import model_params_here, open_llama, system_info


def flags(line: str) -> frozenset[str]:
    """A /proc/cpuinfo flags line as `read_cpu_flags` returns it."""
    return frozenset(line.split())


# The flags of the Intel Xeon (Sapphire Rapids) on which every generation segfaulted.
XEON_AMX_FLAGS = flags(
    "fpu sse sse2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512_vnni avx512_bf16 "
    "amx_bf16 amx_tile amx_int8"
)
EPYC_FLAGS = flags("fpu sse sse2 avx avx2 fma f16c bmi2 avx512f avx512bw")
NATIVE_BUILD = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 | "
PORTABLE_BUILD = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | REPACK = 1 | "


def test_amx_cpu_with_an_amx_build_turns_extra_buffer_types_off() -> None:
    params = decide_model_params(XEON_AMX_FLAGS, build_features(NATIVE_BUILD))
    assert params.use_extra_bufts is False
    assert "amx_int8" in params.reason and "AMX_INT8" in params.reason


def test_amx_cpu_with_an_unknown_build_turns_them_off_to_be_safe() -> None:
    assert (
        decide_model_params(XEON_AMX_FLAGS, build_features("no pairs here")).use_extra_bufts
        is False
    )


def test_amx_cpu_with_the_portable_build_keeps_weight_repacking() -> None:
    assert decide_model_params(XEON_AMX_FLAGS, build_features(PORTABLE_BUILD)).use_extra_bufts


@pytest.mark.parametrize("build", [NATIVE_BUILD, PORTABLE_BUILD, "unknown"])
def test_cpu_without_amx_keeps_extra_buffer_types(build: str) -> None:
    assert decide_model_params(EPYC_FLAGS, build_features(build)).use_extra_bufts


def test_build_features_reads_only_the_features_set_to_one() -> None:
    assert build_features(NATIVE_BUILD) == {"SSE3", "AVX", "AVX2", "AVX512", "AMX_INT8", "REPACK"}


def test_cpu_flags_come_from_the_flags_line(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu avx2 amx_tile\n\n")
    assert read_cpu_flags(cpuinfo) == {"fpu", "avx2", "amx_tile"}
    assert read_cpu_flags(tmp_path / "missing") == frozenset()


def test_this_machine_and_build_are_decided_and_never_crash_on_amx() -> None:
    params = model_params_here()
    built = build_features(system_info())
    assert built is not None and "AVX2" in built  # the portable build of scripts/setup-venv
    assert not any(name.startswith("AMX") for name in built), "the wheel must be built without AMX"
    assert params == decide_model_params(read_cpu_flags(), built)


def test_open_llama_hands_the_decision_to_llama_cpp(embedded_model: Path) -> None:
    from rlog_tui.engine.cpu_features import ModelParams

    for wanted in (False, True):
        llm = open_llama(
            ModelParams(wanted, "test"),
            model_path=str(embedded_model),
            n_ctx=64,
            n_threads=1,
            vocab_only=True,
            verbose=False,
        )
        try:
            assert llm.model_params.use_extra_bufts is wanted
        finally:
            llm.close()
    import llama_cpp.llama_cpp as lib

    assert lib.llama_model_default_params().use_extra_bufts is True  # the wrapper is gone


def test_cpu_model_is_the_model_name_line_else_what_platform_knows(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: sse2\n")
    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"
    assert cpu_model(tmp_path / "missing")  # not Linux: platform's name, never empty
