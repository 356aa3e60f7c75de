"""`rlog-tui doctor` as a user pastes it into a bug report: real process, model and failures."""

from __future__ import annotations

import signal
from pathlib import Path

from test_cli import rlog

from rlog_tui.doctor import check_generation, run_checks


def test_doctor_reports_every_part_and_generates_eight_tokens(embedded_model: Path) -> None:
    result = rlog("doctor", "--model", str(embedded_model))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for part in ("rlog", "cpu", "llama.cpp", "model", "generation"):
        assert any(line.startswith(f"[ok  ] {part}:") for line in lines), result.stdout
    assert "extra buffer types" in result.stdout  # the AMX decision and its reason
    assert "AVX2 = 1" in result.stdout  # llama.cpp's build features
    assert "8 tokens in" in result.stdout


def test_a_model_llama_cpp_cannot_load_fails_at_generation_with_what_to_do(tmp_path: Path) -> None:
    broken = tmp_path / "truncated.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)  # right magic, nothing after it
    result = rlog("doctor", "--model", str(broken), "--adapter", "none")
    assert result.returncode == 1
    assert "[ok  ] model:" in result.stdout
    assert "[FAIL] generation:" in result.stdout and "what to do:" in result.stdout


def test_a_missing_model_fails_at_the_model_step_and_skips_generation(tmp_path: Path) -> None:
    checks = list(run_checks(tmp_path / "absent.gguf", None))
    assert [c.name for c in checks] == ["rlog", "cpu", "llama.cpp", "model"]
    assert not checks[-1].ok and "not found" in checks[-1].detail and checks[-1].hint


def test_a_crash_inside_llama_cpp_is_named_by_its_signal(monkeypatch, embedded_model: Path) -> None:
    """A SIGSEGV kills the child, not the doctor: the parent names the signal and what to do."""
    import subprocess

    real_run = subprocess.run

    def crashing_run(args, **kwargs):
        # The same child, killed as the AMX path killed it.
        return real_run(
            ["sh", "-c", f"kill -{signal.SIGSEGV.value} $$"], **{**kwargs, "check": False}
        )

    monkeypatch.setattr(subprocess, "run", crashing_run)
    check = check_generation(embedded_model, None)
    assert not check.ok and check.detail == "killed by SIGSEGV"
    assert "scripts/setup-venv" in check.hint
