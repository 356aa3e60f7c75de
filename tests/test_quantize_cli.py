"""rlog-quantize: every command end to end on the tiny model, failures as one line and exit 1."""

from __future__ import annotations

import json

import pytest
from cli_run import invoke

from quantize.cli import app


def run(*args: str):
    return invoke(app, "rlog-quantize", *args)


def test_adapter_merge_quantize_verify(tiny_assets, tmp_path):
    adapter = tmp_path / "a.gguf"
    result = run(
        "adapter", str(tiny_assets.lora_dir), "--base", str(tiny_assets.f16), "-o", str(adapter)
    )
    assert result.exit_code == 0, result.output
    assert "14 LoRA pairs, rank 8, alpha 16" in result.output

    merged = tmp_path / "m.gguf"
    result = run(
        "merge", "--base", str(tiny_assets.f16), "--adapter", str(adapter), "-o", str(merged)
    )
    assert result.exit_code == 0, result.output
    assert "14 tensors merged as F16" in result.output

    q8 = tmp_path / "m.q8.gguf"
    result = run("quantize", str(merged), "-o", str(q8), "--type", "q8_0", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert "Q8_0" in result.output

    report = tmp_path / "report.json"
    result = run(
        "verify", "--ref", str(merged), "--cand", str(q8), "--limit", "2",
        "--max-tokens", "8", "--json", "-o", str(report),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(report.read_text())
    assert json.loads(report.read_text())["n_prompts"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["merge", "--base", "/no/base.gguf", "--adapter", "/no/a.gguf", "-o", "x.gguf"],
         "rlog-quantize: base model not found: /no/base.gguf"),
        (["quantize", "/no/m.gguf", "-o", "x.gguf", "--type", "Q4_K_M"],
         "rlog-quantize: model not found: /no/m.gguf"),
        (["adapter", "/no/lora", "--base", "/no/b.gguf", "-o", "x.gguf"],
         "rlog-quantize: adapter directory not found: /no/lora"),
    ],
)  # fmt: skip
def test_missing_files_are_one_line_errors(args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message


def test_requantize_refusal_is_one_line(tiny_assets, tmp_path):
    q8 = tmp_path / "q8.gguf"
    assert run("quantize", str(tiny_assets.f16), "-o", str(q8), "--type", "Q8_0").exit_code == 0
    result = run("quantize", str(q8), "-o", str(tmp_path / "q4.gguf"), "--type", "Q4_0")
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "--allow-requantize" in result.output


def test_unsupported_type_is_one_line(tiny_assets, tmp_path):
    result = run("quantize", str(tiny_assets.f16), "-o", str(tmp_path / "x.gguf"), "--type", "Q9")
    assert result.exit_code == 1
    assert result.output.startswith("rlog-quantize: quantization type 'Q9' is not supported")
