"""How much a candidate (quantized, merged) model keeps of its reference, and its speed gain.

Both models answer the same fixed sample of prompts, built with ``rlog_tui.protocol.build_prompt``
from windows of lines of the sample logs, in one run (so machine load hits both alike):

- **speed** through the product's own engine backend (``LlamaBackend``): decode tokens/s, time to
  first token, and time to answer (until ``</answer>`` is written);
- **agreement**: the reference's greedy continuation is replayed through the candidate
  (teacher-forced) and each position scores whether the candidate's top token is the reference's;
  plus the share of prompts whose greedy output is identical;
- **efficacy retention** (task metrics, candidate / reference) through ``rlog_train``'s evaluator
  when it is installed: see ``efficacy_hook``.

Greedy decoding with no repeat penalty is used throughout, so agreement measures the weights alone.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quantize.errors import InputNotFound, QuantizeFailed
from quantize.gguf_files import require_file

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
DEFAULT_TASKS = ("anomaly", "parse")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model to measure: a GGUF, optionally with a GGUF LoRA adapter on top."""

    path: Path
    adapter: Path | None = None

    @property
    def label(self) -> str:
        return self.path.name + (f" + {self.adapter.name}" if self.adapter else "")

    @property
    def file_bytes(self) -> int:
        return self.path.stat().st_size + (self.adapter.stat().st_size if self.adapter else 0)


@dataclass(frozen=True, slots=True)
class Case:
    """One prompt of the fixed sample."""

    task: str
    source: str
    text: str


@dataclass(slots=True)
class ModelFigures:
    """Speed and form figures for one model over the sample (medians over prompts)."""

    label: str
    file_bytes: int
    decode_tok_s: float = 0.0
    ttft_s: float = 0.0
    time_to_answer_s: float = 0.0
    time_to_answer_p90_s: float = 0.0
    format_ok: float = 0.0
    efficacy: float | None = None
    outputs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class VerifyReport:
    """Reference and candidate side by side, with the candidate's agreement with the reference."""

    ref: ModelFigures
    cand: ModelFigures
    n_prompts: int
    top1_agreement: float
    identical_outputs: float
    efficacy_retention: float | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for side in ("ref", "cand"):
            data[side].pop("outputs")
        return data


def build_cases(
    tasks: Sequence[str], limit: int, logs: Sequence[Path] = (), window: int = 8
) -> list[Case]:
    """``limit`` prompts: windows of ``window`` lines from each log, cycling tasks and files."""
    from rlog_tui.protocol import task_from_name

    files = sorted(
        path
        for item in (logs or [SAMPLES_DIR])
        for path in (sorted(Path(item).glob("*.log")) if Path(item).is_dir() else [Path(item)])
    )
    if not files:
        raise InputNotFound(f"no .log files to build prompts from in {', '.join(map(str, logs))}")
    windows: list[tuple[str, list[str]]] = []
    per_file = {}
    for path in files:
        require_file(path, "log file")
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
        per_file[path.name] = [lines[i : i + window] for i in range(0, len(lines), window)]
    # Interleave files so a small limit still covers every log.
    for index in range(max(len(chunks) for chunks in per_file.values())):
        for name, chunks in per_file.items():
            if index < len(chunks):
                windows.append((name, chunks[index]))
    parsed = [task_from_name(name) for name in tasks]
    cases = []
    for index in range(limit):
        source, lines = windows[index % len(windows)]
        cases.append(Case(str(parsed[index % len(parsed)]), source, "\n".join(lines)))
    return cases


def verify(
    ref: ModelSpec,
    cand: ModelSpec,
    tasks: Sequence[str] = DEFAULT_TASKS,
    limit: int = 10,
    *,
    logs: Sequence[Path] = (),
    order: str = "reason-first",
    max_tokens: int = 64,
    n_ctx: int = 2048,
    n_threads: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
    efficacy: Callable[[ModelSpec, Sequence[str], int, str, int], float | None] | None = None,
    efficacy_max_tokens: int = 256,
) -> VerifyReport:
    """Measure ``cand`` against ``ref`` on the same ``limit`` prompts (see the module doc).

    ``efficacy`` (e.g. ``efficacy_hook``) scores each model on ``limit`` examples of each task's
    test sets in ``order``, at most ``efficacy_max_tokens`` new tokens each; without it the report
    has agreement and speed only (the evaluator's sample takes much longer than the prompts).
    """
    for spec in (ref, cand):
        require_file(spec.path, "model")
        if spec.adapter:
            require_file(spec.adapter, "adapter")
    cases = build_cases(tasks, limit, logs)
    results = {}
    ref_ids: list[list[int]] = []
    agreement: list[float] = []
    for side, spec in (("ref", ref), ("cand", cand)):
        figures, prompts = _run_engine(spec, cases, order, max_tokens, n_ctx, n_threads, progress)
        with _Scorer(spec, n_ctx, n_threads) as scorer:
            for number, prompt in enumerate(prompts, start=1):
                if side == "ref":
                    ref_ids.append(scorer.greedy(prompt, max_tokens))
                else:
                    agreement.append(scorer.agreement(prompt, ref_ids[number - 1]))
                if progress:
                    progress(f"agreement {side}", number, len(prompts))
        figures.efficacy = (
            efficacy(spec, tasks, limit, order, efficacy_max_tokens) if efficacy else None
        )
        results[side] = figures
    identical = [
        a == b for a, b in zip(results["ref"].outputs, results["cand"].outputs, strict=True)
    ]
    retention = None
    if results["ref"].efficacy and results["cand"].efficacy is not None:
        retention = results["cand"].efficacy / results["ref"].efficacy
    return VerifyReport(
        ref=results["ref"],
        cand=results["cand"],
        n_prompts=len(cases),
        top1_agreement=statistics.fmean(agreement) if agreement else 0.0,
        identical_outputs=sum(identical) / len(identical),
        efficacy_retention=retention,
    )


def efficacy_options(tasks: Sequence[str], limit: int, order: str, max_tokens: int):
    """The evaluator's options for one verify run: the order asked for decides full or fast mode.

    A lighter fast-mode variant has to keep fast mode's efficacy, so it is scored answer-first
    (R-Log-fast) when verify compares answer-first outputs, reason-first otherwise.
    """
    from rlog_train.evaluate import EvalOptions
    from rlog_tui.protocol import OutputOrder, parse_task_list

    return EvalOptions(
        tasks=parse_task_list(list(tasks)),
        limit=limit,
        fast=OutputOrder(order) is OutputOrder.ANSWER_FIRST,
        max_tokens=max_tokens,
    )


def efficacy_hook(
    spec: ModelSpec, tasks: Sequence[str], limit: int, order: str, max_tokens: int
) -> float | None:
    """One efficacy score per model from ``rlog_train``'s evaluator (higher is better).

    Runs ``rlog_train.evaluate.evaluate_gguf`` on the fixed, seeded test splits (``limit``
    examples per set, the same sample for ref and cand) and reduces its figures with
    ``headline_score`` (the mean of each set's primary metric: PA / F1 / ROUGE-L ...). Returns
    None without the ``train`` extra, so verification still reports agreement and speed.
    """
    try:
        from rlog_train.evaluate import all_figures, evaluate_gguf, headline_score
    except ImportError:
        return None
    options = efficacy_options(tasks, limit, order, max_tokens)
    result = evaluate_gguf(options, spec.path, spec.adapter, threads=1)
    return float(headline_score(all_figures(result)))


def _run_engine(
    spec: ModelSpec,
    cases: Sequence[Case],
    order_name: str,
    max_tokens: int,
    n_ctx: int,
    n_threads: int,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[ModelFigures, list[str]]:
    """Generate every case through the product's backend, timing each token as it streams."""
    from rlog_tui.engine import EngineError, SamplingParams
    from rlog_tui.engine.llama_backend import LlamaBackend, LlamaSettings
    from rlog_tui.protocol import (
        ANSWER_CLOSE,
        OutputOrder,
        build_prompt,
        parse_response,
        response_lead,
    )

    order = OutputOrder(order_name)
    settings = LlamaSettings(
        model_path=spec.path, adapter_path=spec.adapter, n_ctx=n_ctx, n_threads=n_threads
    )
    try:
        backend = LlamaBackend(settings)
    except EngineError as error:
        raise QuantizeFailed(str(error)) from None
    params = SamplingParams(max_tokens=max_tokens)  # protocol.decoding.SERVED: as served
    # Answer-first is fast mode's order: judged as fast mode is, up to ``</answer>`` (the
    # reasoning after it may run into the token cap).
    judge_up_to_answer = order is OutputOrder.ANSWER_FIRST
    figures = ModelFigures(spec.label, spec.file_bytes)
    speeds, ttfts, answers, well_formed, prompts = [], [], [], [], []
    try:
        for number, case in enumerate(cases, start=1):
            prompt = build_prompt(case.task, case.text.split("\n"), order, backend.prompt_format)
            prompts.append(prompt.text)
            lead = response_lead(order)  # given, as the engine gives it
            text, stamps, answered_at = lead, [], None
            start = time.perf_counter()
            for chunk in backend.generate(prompt.text, params, lambda: False, lead):
                if chunk.text:
                    stamps.append(time.perf_counter())
                    text += chunk.text
                    if answered_at is None and ANSWER_CLOSE in text:
                        answered_at = stamps[-1]
            end = time.perf_counter()
            generated = text[len(lead) :]
            n_tokens = max(backend.count_tokens(generated) - 1, len(stamps)) if generated else 0
            if len(stamps) >= 2 and n_tokens > 1:
                speeds.append((n_tokens - 1) / (stamps[-1] - stamps[0]))
            ttfts.append((stamps[0] if stamps else end) - start)
            answers.append((answered_at or end) - start)
            parsed = parse_response(text, order, stopped_after_answer=judge_up_to_answer)
            well_formed.append(parsed.format_ok)
            figures.outputs.append(text)
            if progress:
                progress(f"generate {spec.path.name}", number, len(cases))
    finally:
        backend.close()
    figures.decode_tok_s = statistics.median(speeds) if speeds else 0.0
    figures.ttft_s = statistics.median(ttfts)
    figures.time_to_answer_s = statistics.median(answers)
    figures.time_to_answer_p90_s = _percentile(answers, 0.9)
    figures.format_ok = sum(well_formed) / len(well_formed)
    return figures, prompts


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Scorer:
    """A plain ``Llama`` for greedy ids and teacher-forced top-token agreement (logits needed)."""

    def __init__(self, spec: ModelSpec, n_ctx: int, n_threads: int) -> None:
        from rlog_tui.engine.llama_log import python_stderr_to_logging, route_llama_logs
        from rlog_tui.engine.llama_open import open_llama

        route_llama_logs()
        with python_stderr_to_logging():  # a rejected adapter raises (open_llama)
            self._llama = open_llama(
                model_path=str(spec.path),
                lora_path=str(spec.adapter) if spec.adapter else None,
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                seed=0,
                verbose=True,
            )
        self._llama.verbose = False
        self._eos = self._llama.token_eos()

    def __enter__(self) -> _Scorer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._llama.close()

    def _start(self, prompt: str) -> None:
        tokens = self._llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        self._llama.reset()
        self._llama.eval(tokens)

    def _top(self) -> int:
        """Top token after the last ``eval`` (only the last position's logits are computed)."""
        import llama_cpp
        import numpy as np

        logits = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits(self._llama.ctx), shape=(self._llama.n_vocab(),)
        )
        return int(np.argmax(logits))

    def greedy(self, prompt: str, max_tokens: int) -> list[int]:
        """The greedy continuation of ``prompt`` (ids), up to ``max_tokens`` or end of sequence."""
        self._start(prompt)
        ids: list[int] = []
        for _ in range(max_tokens):
            token = self._top()
            ids.append(token)
            if token == self._eos or self._llama.n_tokens >= self._llama.n_ctx():
                break
            self._llama.eval([token])
        return ids

    def agreement(self, prompt: str, reference: Sequence[int]) -> float:
        """Share of ``reference`` positions where this model's top token is the reference's."""
        if not reference:
            return 1.0
        self._start(prompt)
        hits = 0
        for position, token in enumerate(reference):
            hits += self._top() == token
            if position + 1 < len(reference):
                self._llama.eval([token])
        return hits / len(reference)
