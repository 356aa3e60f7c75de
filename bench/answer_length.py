"""How long a free-text answer can be and still arrive within a time budget, and what it scores.

Run by hand: ``.venv/bin/python bench/answer_length.py [--adapter A] [--limit 20]
[--words 10,15,20,25,30,40]``. The interpretation, root-cause and solution test items of the
README's sample (seed 0) go through ``rlog_tui``'s engine the way ``rlog-tui analyze --task T
--fast`` sends them: the task's own fixed instruction (so the system prompt and instruction stay in
llama.cpp's cache from one request to the next, as in the TUI), answer first, stop at
``</answer>``, one llama.cpp thread. The stream is timestamped as it arrives, so for each cut
length N the script reports, measured and not modelled, the median time from the request to the
N-th answer word, beside ROUGE-L (x100, ``rlog_train.metrics``) of the first N words against the
whole reference. Read: the shortest answer that keeps ROUGE-L at the issue's 15 and the time it
takes to arrive on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_train.evaluate import EvalOptions, build_sets
from rlog_train.metrics import overlap_scores
from rlog_tui.config import load_settings
from rlog_tui.engine import Done, Started, Tokens
from rlog_tui.engine.backend import SamplingParams
from rlog_tui.engine.factory import start_loaded_engine
from rlog_tui.engine.worker import Request
from rlog_tui.models import resolve_model
from rlog_tui.protocol import OutputOrder, Task

FREE_TEXT = (Task.INTERPRET, Task.ROOT_CAUSE, Task.SOLUTION)


def timed_answer(engine, request: Request) -> tuple[list[tuple[float, str]], float, int]:
    """The answer's text as it arrived (seconds since the request, text), the time to the first
    token of any kind, and the prompt's tokens."""
    start = time.perf_counter()
    arrived: list[tuple[float, str]] = []
    first = None
    for event in engine.stream(request):
        if isinstance(event, Tokens):
            now = time.perf_counter() - start
            first = now if first is None else first
            arrived += [(now, s.text) for s in event.segments if s.channel == "answer"]
        elif isinstance(event, Done):
            return arrived, first if first is not None else 0.0, event.stats.prompt_tokens
        elif not isinstance(event, Started):
            raise RuntimeError(f"the engine failed: {event}")
    raise RuntimeError("the engine stopped without an answer")


def word_times(arrived: list[tuple[float, str]]) -> tuple[list[str], list[float]]:
    """The answer's words and when each was complete: when the space after it arrived, or, for
    the last word, when the answer ended."""
    text = ""
    times: list[float] = []
    for moment, piece in arrived:
        text += piece
        complete = len(text.split()) - (0 if text[-1:].isspace() else 1)
        times += [moment] * (complete - len(times))
    words = text.split()
    times += [arrived[-1][0]] * (len(words) - len(times)) if arrived else []
    return words, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default=None, help="GGUF LoRA adapter (default: shipped)")
    parser.add_argument("--limit", type=int, default=20, help="examples per task")
    parser.add_argument("--words", default="10,15,20,25,30,40")
    args = parser.parse_args()
    cuts = [int(w) for w in args.words.split(",")]

    resolved = load_settings({"threads": 1, "adapter": args.adapter})
    choice = resolve_model(resolved.settings, resolved.origins, fast=True)
    engine = start_loaded_engine(resolved.settings, choice)
    sets = build_sets(EvalOptions(tasks=FREE_TEXT, limit=args.limit, fast=True))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"one llama.cpp thread; model: {engine.description}"
    )
    print(
        "| task | n | prompt tokens | first token | whole answer: words / time / ROUGE-L | "
        + " | ".join(f"{n} words: time / ROUGE-L" for n in cuts)
        + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(cuts))
    try:
        for eval_set in sets:
            rows = []
            for example in eval_set.examples:
                request = Request(
                    task=example.task,
                    lines=[example.input],
                    order=OutputOrder.ANSWER_FIRST,
                    sampling=SamplingParams(),
                    stop_after_answer=True,
                )
                arrived, first, prompt_tokens = timed_answer(engine, request)
                words, times = word_times(arrived)
                rows.append((example.label, words, times, first, prompt_tokens))
            cells = []
            for n in cuts:
                at = [times[min(n, len(times)) - 1] for _, _, times, _, _ in rows if times]
                rouge = [overlap_scores(label, " ".join(w[:n])).rouge_l for label, w, *_ in rows]
                cells.append(f"{statistics.median(at):.2f} s / {statistics.mean(rouge):.1f}")
            whole_time = statistics.median(t[-1] for _, _, t, _, _ in rows if t)
            whole_words = statistics.median(len(w) for _, w, *_ in rows)
            whole_rouge = statistics.mean(
                overlap_scores(label, " ".join(w)).rouge_l for label, w, *_ in rows
            )
            print(
                f"| {eval_set.task.value} | {len(rows)} | "
                f"{statistics.mean(r[4] for r in rows):.0f} | "
                f"{statistics.median(r[3] for r in rows):.2f} s | "
                f"{whole_words:.0f} / {whole_time:.2f} s / {whole_rouge:.1f} | "
                + " | ".join(cells)
                + " |"
            )
    finally:
        engine.close()


if __name__ == "__main__":
    main()
