"""One seeded sample served two ways, the two engines taking turns: what the A/B benches share.

Used by ``bench/serving_vocabulary.py``, ``bench/folded_adapter.py``, ``bench/repeat_guard.py``
(one engine asked two ways) and (``open_served``) ``bench/score_fidelity.py``. The engines are open
at once and answer each example in turn (the first to answer alternates), so other load on a shared
machine falls on all alike; requests are the product's (``rlog_train.evaluate``: greedy, fast mode,
one llama.cpp thread as the callers open them).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rlog_train.evaluate import EvalOptions, build_sets
from rlog_train.evaluate.records import ExampleRecord, make_record
from rlog_train.evaluate.runner import generate_one, request_for
from rlog_tui.engine import Engine, Request
from rlog_tui.engine.adapter_metadata import recorded_order
from rlog_tui.engine.factory import loaded
from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
from rlog_tui.models import choose_model, embedded_adapter_path
from rlog_tui.protocol import parse_task_list


def open_served(adapter: Path, fold: bool, model: Path | None = None) -> Engine:
    """The product's engine on ``model`` (default: the embedded base) + ``adapter``, one thread."""
    choice = choose_model(model, adapter)
    settings = LlamaSettings(
        model_path=choice.model_path, adapter_path=adapter, n_threads=1, fold_adapter=fold
    )
    return loaded(Engine(lambda: LlamaBackend(settings)).start())


def sample_arguments(
    description: str, tasks: str, *more: tuple[str, dict[str, Any]]
) -> argparse.Namespace:
    """``--adapter``, ``--tasks`` (default ``tasks``), ``--limit``, ``--max-tokens``, ``more``."""
    parser = argparse.ArgumentParser(description=description)
    for flag, options in more:
        parser.add_argument(flag, **options)
    parser.add_argument("--adapter", type=Path, default=None, help="default: the shipped adapter")
    parser.add_argument("--tasks", default=tasks)
    parser.add_argument("--limit", type=int, default=10, help="examples per test set")
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    args.adapter = args.adapter or embedded_adapter_path()
    return args


Asked = Callable[[Request], Request]
"""How one serving changes the product's request (the same engine may serve twice, asked two
ways)."""


def take_turns(
    engines: Sequence[Engine], args: argparse.Namespace, asked: Sequence[Asked] | None = None
) -> list[list[ExampleRecord]]:
    """Each serving's records over the sample ``args`` names, in the same order: ``engines[i]``
    answering the product's request as ``asked[i]`` changes it (default: unchanged). Closes the
    engines."""
    try:
        return _take_turns(engines, args, asked or [lambda request: request] * len(engines))
    finally:
        for engine in {id(engine): engine for engine in engines}.values():
            engine.close()


def _take_turns(
    engines: Sequence[Engine], args: argparse.Namespace, asked: Sequence[Asked]
) -> list[list[ExampleRecord]]:
    options = EvalOptions(
        tasks=parse_task_list(args.tasks),
        limit=args.limit,
        max_tokens=args.max_tokens,
        fast=True,
        recorded_order=recorded_order(args.adapter),
    )
    runs: list[list[ExampleRecord]] = [[] for _ in engines]
    turn = 0
    for eval_set in build_sets(options):
        for example in eval_set.examples:
            order = range(len(engines)) if turn % 2 == 0 else reversed(range(len(engines)))
            turn += 1
            for index in order:
                request = asked[index](request_for(example, options))
                generation = generate_one(engines[index], request)
                runs[index].append(make_record(eval_set.name, example, generation))
    return runs


def by_set(records: Sequence[ExampleRecord]) -> dict[str, list[ExampleRecord]]:
    groups: dict[str, list[ExampleRecord]] = {}
    for record in records:
        groups.setdefault(record.set, []).append(record)
    return groups


def per_token_ms(records: Sequence[ExampleRecord]) -> float:
    """Decode time per generated token after the first, over all records of a set."""
    spent = sum(r.total_time - r.time_to_first_token for r in records if r.completion_tokens > 1)
    tokens = sum(r.completion_tokens - 1 for r in records if r.completion_tokens > 1)
    return 1000 * spent / max(tokens, 1)


def median_seconds(records: Sequence[ExampleRecord], attribute: str) -> float:
    """The median of a timing attribute; a record that lacks it counts its whole time."""
    return statistics.median(
        value if (value := getattr(r, attribute)) is not None else r.total_time for r in records
    )


def figure(records: Sequence[ExampleRecord]) -> float:
    """The set's own figure: mean token-F1 (parsing), ROUGE-L (free text) or accuracy (A.D.)."""
    values = [r.metric.get(key) for r in records for key in ("token_f1", "rouge_l", "correct")]
    values = [float(v) for v in values if v is not None]
    return statistics.fmean(values) if values else float("nan")
