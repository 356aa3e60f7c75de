"""Prompt-lookup speculative decoding on log parsing: with and without, same process, one thread.

Run by hand: ``.venv/bin/python bench/draft_bench.py [--model GGUF] [--adapter A|none]
[--limit 4] [--windows 4] [--window-lines 12] [--max-tokens 128] [--draft-tokens 2] [--stock]
[--reason-first]``.

Every prompt goes through ``rlog_tui``'s engine exactly as the TUI sends it (fast mode by default:
answer first, stop at ``</answer>``), once per variant, the variants alternating prompt by prompt
(rotated order) so the load of this shared machine falls on all of them alike:

- ``off``: no draft (the default);
- ``prompt-lookup``: ``--draft prompt-lookup`` as rlog runs it (outputs only where sampling reads);
- ``prompt-lookup, logits_all`` (``--stock``): llama-cpp-python's own route, logits over the whole
  vocabulary at every prompt position (what 0.3.36 needs to not crash on prompts over 512 tokens).

Prompts: log parsing test examples (``--limit`` per set, seed 0: one line each, ~300 tokens) and
``--windows`` windows of ``--window-lines`` consecutive lines of ``samples/*.log`` (what a user
selects in the TUI; 600-1,000 tokens). Figures per variant: median time to first token, decode
tok/s (tokens after the first over the time after it), time to answer (to ``</answer>``, else the
whole generation), tokens per decode step (1.0 = no draft accepted) and outputs identical to
``off`` (greedy: they must be).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import llama_cpp  # noqa: E402
import numpy as np  # noqa: E402

from rlog_train.evaluate import EvalOptions, build_sets, choose_model, open_engine  # noqa: E402
from rlog_train.evaluate.runner import generate_one  # noqa: E402
from rlog_tui.engine import Request, SamplingParams  # noqa: E402
from rlog_tui.engine.llama_backend import _outputs_for_drafts  # noqa: E402
from rlog_tui.protocol import OutputOrder, Task  # noqa: E402


class EvalCounter:
    """Counts ``Llama.eval`` calls (one decode step each) and their sizes, per variant."""

    def __init__(self) -> None:
        self.current = ""
        self.calls: list[int] = []
        self.instances: list[llama_cpp.Llama] = []
        real_eval, real_init = llama_cpp.Llama.eval, llama_cpp.Llama.__init__
        counter = self

        def counting_eval(llama, tokens):
            counter.calls.append(len(tokens))
            return real_eval(llama, tokens)

        def remembering_init(llama, *args, **kwargs):
            real_init(llama, *args, **kwargs)
            counter.instances.append(llama)

        llama_cpp.Llama.eval = counting_eval
        llama_cpp.Llama.__init__ = remembering_init


def set_draft_tokens(llama: llama_cpp.Llama, tokens: int) -> None:
    """Draft ``tokens`` per step instead of 2 (the window of outputs follows)."""
    del llama._batch.set_batch
    llama.draft_model.num_pred_tokens = tokens
    _outputs_for_drafts(llama, 1 + tokens)


def make_stock(llama: llama_cpp.Llama) -> None:
    """Undo rlog's output trimming: llama-cpp-python 0.3.36's draft route with logits_all=True."""
    del llama._batch.set_batch  # the instance override; the class method comes back
    llama._logits_all = True
    llama.scores = np.ndarray((llama.n_ctx(), llama.n_vocab()), dtype=np.single)


@dataclass
class Sample:
    ttft: float
    decode_tps: float
    answer: float
    tokens: int
    steps: int
    text: str


def per_step(samples: list[Sample]) -> float:
    """Tokens after the first (which comes from the prompt's eval) per decode step."""
    return sum(s.tokens - 1 for s in samples) / max(1, sum(s.steps for s in samples))


def prompts(args) -> list[tuple[str, Request]]:
    order = OutputOrder.REASON_FIRST if args.reason_first else OutputOrder.ANSWER_FIRST
    sampling = SamplingParams(max_tokens=args.max_tokens)
    fast = not args.reason_first
    out: list[tuple[str, Request]] = []
    if args.limit:
        options = EvalOptions(tasks=(Task.PARSE,), limit=args.limit, fast=fast)
        for eval_set in build_sets(options):
            for example in eval_set.examples:
                request = Request(
                    task=Task.PARSE,
                    lines=example.lines,
                    order=order,
                    instruction=example.instruction,
                    sampling=sampling,
                    stop_after_answer=fast,
                )
                out.append((eval_set.name, request))
    logs = sorted((ROOT / "samples").glob("*.log"))
    for index in range(args.windows):
        lines = logs[index % len(logs)].read_text(encoding="utf-8").splitlines()
        start = (index // len(logs)) * args.window_lines
        window = lines[start : start + args.window_lines]
        request = Request(
            task=Task.PARSE, lines=window, order=order, sampling=sampling, stop_after_answer=fast
        )
        out.append((f"window {logs[index % len(logs)].stem}", request))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="base GGUF (default: embedded)")
    parser.add_argument("--adapter", default=None, help="GGUF LoRA adapter, or 'none'")
    parser.add_argument("--limit", type=int, default=4, help="parse test examples per set")
    parser.add_argument("--windows", type=int, default=4, help="multi-line sample windows")
    parser.add_argument("--window-lines", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--draft-tokens", type=int, default=2)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--stock", action="store_true", help="also llama-cpp's logits_all route")
    parser.add_argument("--reason-first", action="store_true", help="full mode, not fast mode")
    args = parser.parse_args()

    counter = EvalCounter()
    choice = choose_model(args.model, args.adapter)
    variants = ["off", "prompt-lookup"] + (["prompt-lookup, logits_all"] if args.stock else [])
    engines = {}
    for name in variants:
        draft = None if name == "off" else "prompt-lookup"
        engines[name] = open_engine(choice, threads=1, n_ctx=args.n_ctx, draft=draft)
        if draft and args.draft_tokens != 2:  # rlog's default is 2; retune the loaded one
            set_draft_tokens(counter.instances[-1], args.draft_tokens)
        if name == "prompt-lookup, logits_all":
            make_stock(counter.instances[-1])
    work = prompts(args)
    results: dict[str, list[Sample]] = defaultdict(list)
    prompt_tokens: list[int] = []
    try:
        for index, (label, request) in enumerate(work):
            rotation = variants[index % len(variants) :] + variants[: index % len(variants)]
            for name in rotation:
                counter.current, counter.calls = name, []
                gen = generate_one(engines[name], request)
                decode = gen.total_time - (gen.time_to_first_token or 0.0)
                tps = (gen.completion_tokens - 1) / decode if gen.completion_tokens > 1 else 0.0
                results[name].append(
                    Sample(
                        ttft=gen.time_to_first_token or 0.0,
                        decode_tps=tps,
                        answer=gen.time_to_answer or gen.total_time,
                        tokens=gen.completion_tokens,
                        steps=len(counter.calls) - 1,  # minus the prompt's eval
                        text=gen.raw_text,
                    )
                )
            prompt_tokens.append(gen.prompt_tokens)
            last = {name: results[name][-1] for name in variants}
            print(
                f"[{index + 1}/{len(work)}] {label}: {gen.prompt_tokens} prompt tokens; "
                + "; ".join(
                    f"{name}: ttft {s.ttft:.2f}s, {s.decode_tps:.1f} tok/s, "
                    f"answer {s.answer:.2f}s, {per_step([s]):.2f} tok/step"
                    for name, s in last.items()
                ),
                flush=True,
            )
    finally:
        for engine in engines.values():
            engine.close()

    n = len(results["off"])
    print()
    print(
        f"{n} parse prompts ({'reason-first' if args.reason_first else 'fast mode'}), "
        f"prompt tokens median {statistics.median(prompt_tokens):.0f} "
        f"(min {min(prompt_tokens)}, max {max(prompt_tokens)}); max_tokens {args.max_tokens}; "
        f"draft tokens {args.draft_tokens}; 1 thread; {platform.processor() or platform.machine()}"
        f", {os.cpu_count()} CPUs; model {choice.model_path.name}"
        + (f" + {choice.adapter_path.name}" if choice.adapter_path else "")
    )
    print(
        "| variant | time to first token (median) | decode tok/s (median) | time to answer "
        "(median) | p90 | tokens per decode step | output identical to off |"
    )
    print("|---|---|---|---|---|---|---|")
    base = results["off"]
    for name in variants:
        rows = results[name]
        answers = [s.answer for s in rows]
        p90 = statistics.quantiles(answers, n=10)[-1] if len(answers) > 1 else answers[0]
        same = sum(a.text == b.text for a, b in zip(rows, base, strict=True))
        ratio = statistics.median(answers) / statistics.median([s.answer for s in base])
        print(
            f"| {name} | {statistics.median(s.ttft for s in rows):.2f} s | "
            f"{statistics.median(s.decode_tps for s in rows):.1f} | "
            f"{statistics.median(answers):.2f} s ({ratio:.2f}x off) | {p90:.2f} s | "
            f"{per_step(rows):.2f} | {same}/{n} |"
        )


if __name__ == "__main__":
    main()
