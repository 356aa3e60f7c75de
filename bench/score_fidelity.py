"""Which serving reproduces the trained model's anomaly scores: the adapter applied by llama.cpp
at every step (shipped) or folded into the cut copy (``engine.lora_fold``), against the trained
model itself in HF (the embedded GGUF dequantized by transformers + the PEFT adapter, fp32).

Run by hand: ``.venv/bin/python bench/score_fidelity.py --peft checkpoints/sft-sy9`` (the PEFT
folder the shipped GGUF adapter was converted from). The 66 validation items ``rlog-train
calibrate`` fits thresholds on, scored by the engine (``rlog_train.calibrate.score_examples``,
one llama.cpp thread) and by HF on the same prompt and label lead (``protocol``); each score is
compared as a logit, log(p / (1 - p)).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ab_serving as ab
import numpy as np
import torch

from rlog_train.calibrate import calibration_examples, score_examples
from rlog_train.evaluate.hf_runner import load_hf
from rlog_tui.engine.cpu_features import cpu_model
from rlog_tui.models import choose_model, embedded_adapter_path
from rlog_tui.protocol import SCORE_ORDER, build_prompt, label_tokens, select_format
from rlog_tui.protocol.tasks import Task


def logit(probability: float) -> float:
    probability = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(probability / (1 - probability))


def served_logits(examples: list, adapter: Path, fold: bool) -> np.ndarray:
    engine = ab.open_served(adapter, fold)
    try:
        return np.array([logit(p) for p in score_examples(engine, examples)])
    finally:
        engine.close()


def trained_logits(examples: list, base: Path, peft: Path) -> np.ndarray:
    torch.set_num_threads(1)
    network, tokenizer = load_hf(base, peft, "cpu")
    fmt = select_format({"general.architecture": "gemma3"})
    labels = label_tokens(lambda text: tokenizer(text, add_special_tokens=False)["input_ids"])
    values = []
    with torch.no_grad():
        for example in examples:
            prompt = build_prompt(
                Task.ANOMALY, example.lines, SCORE_ORDER, fmt, instruction=example.instruction
            )
            ids = tokenizer(prompt.text)["input_ids"] + list(labels.lead)
            row = network(torch.tensor([ids])).logits[0, -1].float()
            values.append(float(row[labels.abnormal] - row[labels.normal]))
    return np.array(values)


def ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peft", type=Path, required=True, help="the adapter's PEFT folder")
    parser.add_argument("--adapter", type=Path, default=None, help="default: the shipped GGUF")
    args = parser.parse_args()
    adapter = args.adapter or embedded_adapter_path()
    examples = calibration_examples()
    served = {
        "applied (shipped)": served_logits(examples, adapter, fold=False),
        "folded": served_logits(examples, adapter, fold=True),
    }
    trained = trained_logits(examples, choose_model(None, adapter).model_path, args.peft)
    print(f"machine: {cpu_model()}; {len(examples)} validation items; adapter {adapter.name}")
    print("| serving | logit off the trained model: median / mean / max | rank correlation |")
    print("|---|---|---|")
    for name, values in served.items():
        off = np.abs(values - trained)
        rho = np.corrcoef(ranks(values), ranks(trained))[0, 1]
        print(f"| {name} | {np.median(off):.3f} / {off.mean():.3f} / {off.max():.3f} | {rho:.4f} |")


if __name__ == "__main__":
    main()
