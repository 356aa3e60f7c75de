"""Evaluate a GGUF model through ``rlog_tui``'s engine: the code path the TUI itself runs.

Each example becomes the same ``Request`` the TUI would send (task, log lines, output order, the
example's own instruction, greedy sampling, fast mode's stop at ``</answer>``); the engine renders
the prompt through the protocol, trims it to the context exactly as for a user, streams, parses and
times the response. Nothing here builds a prompt, so a figure measures what a user gets.

The run can stop early and still report: Ctrl-C (or a ``KeyboardInterrupt`` from the progress
callback) and an engine failure both end the loop, mark the result partial and keep every record
finished so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from rlog_train.evaluate.provenance import file_identity, machine_info, now_iso
from rlog_train.evaluate.records import EvalResult, ExampleRecord, Generation, make_record
from rlog_train.evaluate.suite import EvalOptions, EvalSet, build_sets
from rlog_tui.config import Settings
from rlog_tui.engine import Done, Engine, Failed, Request, SamplingParams, Started
from rlog_tui.engine.adapter_metadata import recorded_order
from rlog_tui.models import ModelChoice, choose_model

OnRecord = Callable[[ExampleRecord, int, int], None]
"""Called after each example with ``(record, examples done, examples in the run)``."""


class _Stop(Exception):
    """The engine reported a failure: the run stops, keeping what it has."""


def open_engine(choice: ModelChoice, *, threads: int = 0, n_ctx: int = 4096) -> Engine:
    """Start the engine the TUI would start for ``choice`` and wait for the model to load."""
    from rlog_tui.engine.factory import start_loaded_engine

    return start_loaded_engine(Settings(threads=threads, n_ctx=n_ctx), choice)


def request_for(example: Any, options: EvalOptions) -> Request:
    """The TUI's request for one example (greedy; fast mode stops at ``</answer>``)."""
    return Request(
        task=example.task,
        lines=example.lines,
        order=options.order,
        instruction=example.instruction,
        sampling=SamplingParams(
            max_tokens=options.max_tokens,
            template_rule=options.template_rule,
            guard_repeats=options.guard_repeats,
        ),
        stop_after_answer=options.fast,
    )


def generate_one(engine: Engine, request: Request) -> Generation:
    """Stream one request through the engine and collect what was sent and what came back."""
    started: Started | None = None
    events = engine.stream(request)
    try:
        for event in events:
            if isinstance(event, Started):
                started = event
            elif isinstance(event, Failed):
                raise _Stop(event.message)
            elif isinstance(event, Done):
                if started is None:  # pragma: no cover - the engine always starts first
                    raise _Stop("the engine finished a job it never started")
                stats = event.stats
                return Generation(
                    prompt=started.prompt,
                    prompt_tokens=started.prompt_tokens,
                    raw_text=event.raw_text,
                    completion_tokens=stats.completion_tokens,
                    time_to_first_token=stats.time_to_first_token,
                    time_to_answer=stats.time_to_answer,
                    total_time=stats.total_time,
                    finish_reason=stats.finish_reason,
                )
    finally:
        events.close()  # cancels the job if we leave early (Ctrl-C)
    raise _Stop("the engine stopped without an answer")


def collect(
    result: EvalResult,
    generations: Iterator[tuple[EvalSet, Any, Generation]],
    on_record: OnRecord | None,
) -> EvalResult:
    """Score generations as they come; an interruption or engine failure ends the run partial."""
    total = sum(len(eval_set.examples) for eval_set in result.sets)
    started = time.perf_counter()
    try:
        for eval_set, example, generation in generations:
            record = make_record(eval_set.name, example, generation)
            result.records.append(record)
            if on_record is not None:
                on_record(record, len(result.records), total)
    except KeyboardInterrupt:
        result.partial, result.stopped_reason = True, "interrupted"
    except _Stop as stop:
        result.partial, result.stopped_reason = True, str(stop)
    finally:
        close = getattr(generations, "close", None)
        if close is not None:
            close()
        result.wall_time += time.perf_counter() - started
    if len(result.records) < total and not result.partial:
        result.partial, result.stopped_reason = True, "stopped early"
    return result


def base_config(options: EvalOptions, sets: list[EvalSet]) -> dict[str, Any]:
    """The part of ``eval.json``'s config every runner shares."""
    return {
        "tasks": [task.value for task in options.tasks],
        "fast": options.fast,
        "order": options.order.value,
        "seed": options.seed,
        "limit": options.limit,
        "per_unseen_system": options.per_unseen_system,
        "max_tokens": options.max_tokens,
        "drop_leaked": options.drop_leaked,
        "template_rule": options.template_rule,
        "repeat_guard": options.guard_repeats,
        "data_dir": str(options.data_dir) if options.data_dir else None,
        "sets": {
            eval_set.name: {
                "n": len(eval_set.examples),
                "available": eval_set.available,
                "dropped_leaked": eval_set.dropped_leaked,
            }
            for eval_set in sets
        },
    }


def evaluate(
    engine: Engine,
    options: EvalOptions,
    *,
    sets: list[EvalSet] | None = None,
    on_record: OnRecord | None = None,
    model_info: dict[str, Any] | None = None,
) -> EvalResult:
    """Run the test sets through a ready engine; returns the scored records (maybe partial).

    ``model_info`` is merged into the config (``evaluate_gguf`` passes the files' identities).
    """
    sets = build_sets(options) if sets is None else sets
    sampling = SamplingParams(max_tokens=options.max_tokens)
    config = {
        "runner": "llama.cpp (rlog_tui engine)",
        "model_description": engine.description,
        "sampling": {
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "repeat_penalty": sampling.repeat_penalty,
            "max_tokens": sampling.max_tokens,
            "seed": sampling.seed,
        },
        **(model_info or {}),
        **base_config(options, sets),
    }
    result = EvalResult(config=config, machine=machine_info(), sets=sets, started_at=now_iso())

    def generations() -> Iterator[tuple[EvalSet, Any, Generation]]:
        for eval_set in sets:
            for example in eval_set.examples:
                yield eval_set, example, generate_one(engine, request_for(example, options))

    return collect(result, generations(), on_record)


def evaluate_gguf(
    options: EvalOptions,
    model: str | Path | None = None,
    adapter: str | Path | None = None,
    *,
    threads: int = 0,
    n_ctx: int = 4096,
    sets: list[EvalSet] | None = None,
    on_record: OnRecord | None = None,
) -> EvalResult:
    """Load a GGUF (default: the embedded model) with an optional adapter and evaluate it."""
    sets = build_sets(options) if sets is None else sets
    choice = choose_model(model, adapter)
    if options.recorded_order is None:  # ask the model in the order its adapter records
        options = replace(options, recorded_order=recorded_order(choice.recorded_by))
    engine = open_engine(choice, threads=threads, n_ctx=n_ctx)
    try:
        model_info = {
            "model": file_identity(choice.model_path),
            "model_origin": choice.model_origin,
            "adapter": file_identity(choice.adapter_path),
            "adapter_origin": choice.adapter_origin,
            "threads": Settings(threads=threads).effective_threads,
            "n_ctx": n_ctx,
        }
        return evaluate(engine, options, sets=sets, on_record=on_record, model_info=model_info)
    finally:
        engine.close()
