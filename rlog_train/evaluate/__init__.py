"""Evaluation: a model over the fixed test splits, scored as rewarded, reported beside LogLM.

Two runners share one judge (``records.make_record``) and one report:

- ``evaluate`` / ``evaluate_gguf`` run a GGUF (plus LoRA adapter) through ``rlog_tui``'s engine,
  the code path of the TUI, one example at a time with real latencies;
- ``evaluate_hf`` runs a Hugging Face model with batched greedy generation (GPU if present) on the
  same prompt text.

``write_report(result, out_dir)`` writes ``eval.json`` and ``eval.md``. Nothing here imports torch
at module level; ``hf_runner`` imports it when called.
"""

from rlog_train.evaluate.records import EvalResult, ExampleRecord, Generation, make_record
from rlog_train.evaluate.report import (
    LOGLM,
    all_figures,
    figures_table,
    headline_score,
    render_markdown,
    speed_table,
    to_json,
    write_report,
)
from rlog_train.evaluate.runner import evaluate, evaluate_gguf, open_engine
from rlog_train.evaluate.suite import EvalError, EvalOptions, EvalSet, build_sets


def evaluate_hf(*args, **kwargs) -> EvalResult:
    """Evaluate a Hugging Face model with batched generation (see ``hf_runner.evaluate_hf``)."""
    from rlog_train.evaluate.hf_runner import evaluate_hf as run

    return run(*args, **kwargs)


__all__ = [
    "LOGLM",
    "EvalError",
    "EvalOptions",
    "EvalResult",
    "EvalSet",
    "ExampleRecord",
    "Generation",
    "all_figures",
    "build_sets",
    "evaluate",
    "evaluate_gguf",
    "evaluate_hf",
    "figures_table",
    "headline_score",
    "make_record",
    "open_engine",
    "render_markdown",
    "speed_table",
    "to_json",
    "write_report",
]
