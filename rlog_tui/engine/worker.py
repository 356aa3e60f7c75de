"""The engine: one worker thread that owns the model and runs generation jobs from a queue.

llama.cpp's ``Llama`` is not thread-safe, so exactly one thread creates it, uses it and closes it.
Jobs carry a priority: a user's request is served before any background screening job, and a
background job that is running when a user asks is stopped within one token and put back in the
queue to run again later. Every job can be cancelled (also within one token).

A ``ScoreRequest`` asks for an anomaly score instead of text (``protocol.scores``): one forward
pass over the answer-first anomaly prompt, no sampling. It runs on the same thread, in the same
queue, with the same priorities; pre-empted or cancelled between chunks of its prefill.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum

from rlog_tui.engine.backend import Backend, SamplingParams
from rlog_tui.engine.errors import EngineError
from rlog_tui.engine.events import (
    Done,
    EngineEvent,
    Failed,
    GenerationStats,
    Scored,
    Started,
    Tokens,
)
from rlog_tui.protocol import (
    LABEL_LEAD,
    SCORE_ORDER,
    OutputOrder,
    Prompt,
    StreamParser,
    Task,
    build_prompt,
    check_answer,
    response_lead,
    template_line,
)
from rlog_tui.protocol.compression import fit_prompt
from rlog_tui.protocol.decoding import served_repeat_guard

logger = logging.getLogger(__name__)


class Priority(IntEnum):
    """Lower runs first."""

    USER = 0
    BACKGROUND = 10


@dataclass(frozen=True, slots=True)
class Request:
    """One question for the model: a task over some log lines, in one output order."""

    task: Task
    lines: Sequence[str]
    order: OutputOrder = OutputOrder.REASON_FIRST
    instruction: str | None = None
    sampling: SamplingParams = field(default_factory=SamplingParams)
    stop_after_answer: bool = False
    """Fast mode: stop generating as soon as ``</answer>`` closes the answer block."""
    compress: bool = False
    """Lines that do not fit the context are sent as templates with counts (``compression``)."""


@dataclass(frozen=True, slots=True)
class ScoreRequest:
    """Ask for the anomaly score of some log lines (answer-first prompt, one forward pass)."""

    lines: Sequence[str]
    instruction: str | None = None


SCORE_HEADROOM = 16
"""Context tokens a score keeps free after the prompt: the label lead and one position."""


@dataclass(eq=False)
class Job:
    """A submitted request; ``cancel()`` stops it within one token."""

    id: int
    request: Request | ScoreRequest
    priority: Priority
    on_event: Callable[[EngineEvent], None]
    _cancelled: threading.Event = field(default_factory=threading.Event)
    _preempted: threading.Event = field(default_factory=threading.Event)
    _completed: threading.Event = field(default_factory=threading.Event)
    """Its last event was sent: a pre-emption that arrives now must not run it again."""
    finished: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class EngineState:
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"
    CLOSED = "closed"


class Engine:
    """Owns a backend on its own thread; thread-safe to call from anywhere."""

    def __init__(self, make_backend: Callable[[], Backend]) -> None:
        self._make_backend = make_backend
        self._backend: Backend | None = None
        self._queue: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._ids = itertools.count(1)
        self._wakeup = threading.Condition()
        self._running: Job | None = None
        self._closing = False
        self.state = EngineState.LOADING
        self.load_error: str | None = None
        self.description = "loading…"
        self.ready = threading.Event()
        self.calls = 0
        """Generations and scores started (for the status bar: model calls vs lines seen)."""
        self._thread = threading.Thread(target=self._run, name="rlog-engine", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Engine:
        self._thread.start()
        return self

    @property
    def can_score(self) -> bool:
        """The loaded backend can answer a ``ScoreRequest`` (False while loading or failed)."""
        backend = self._backend
        return self.state == EngineState.READY and bool(getattr(backend, "can_score", False))

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until the model is loaded; raise its load error if loading failed."""
        if not self.ready.wait(timeout):
            raise EngineError("the model did not finish loading in time")
        if self.state == EngineState.FAILED:
            raise EngineError(self.load_error or "the model failed to load")

    def close(self) -> None:
        with self._wakeup:
            self._closing = True
            for _, _, job in self._queue:
                job.cancel()
            if self._running is not None:
                self._running.cancel()
            self._wakeup.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- jobs --------------------------------------------------------------------------------
    def submit(
        self,
        request: Request | ScoreRequest,
        on_event: Callable[[EngineEvent], None],
        priority: Priority = Priority.USER,
    ) -> Job:
        """Queue ``request``; ``on_event`` is called from the engine thread for each event."""
        job = Job(next(self._ids), request, priority, on_event)
        with self._wakeup:
            if self._closing:
                raise EngineError("the engine is closed")
            heapq.heappush(self._queue, (priority, next(self._order), job))
            running = self._running
            if running is not None and running.priority > priority:
                running._preempted.set()
            self._wakeup.notify_all()
        return job

    def stream(
        self, request: Request | ScoreRequest, priority: Priority = Priority.USER
    ) -> Iterator[EngineEvent]:
        """Submit and iterate over the job's events in the caller's thread (CLI, evaluator)."""
        events: queue.Queue[EngineEvent] = queue.Queue()
        job = self.submit(request, events.put, priority)
        try:
            while True:
                event = events.get()
                yield event
                if isinstance(event, Done | Scored | Failed):
                    return
        finally:
            job.cancel()

    @property
    def pending(self) -> int:
        with self._wakeup:
            return len(self._queue)

    # -- the worker thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._backend = self._make_backend()
            self.description = self._backend.description
            self.state = EngineState.READY
        except EngineError as error:
            self._fail_load(str(error))
        except Exception as error:  # a loader bug must still reach the user as one line
            logger.exception("model load failed")
            self._fail_load(f"model load failed: {error}")
        finally:
            self.ready.set()
        while True:
            with self._wakeup:
                while not self._queue and not self._closing:
                    self._wakeup.wait()
                if self._closing:
                    break
                _, _, job = heapq.heappop(self._queue)
                self._running = job
            try:
                self._execute(job)
            finally:
                with self._wakeup:
                    self._running = None
                    requeue = job._preempted.is_set() and not job._completed.is_set()
                    if requeue and not job.cancelled and not self._closing:
                        job._preempted.clear()
                        heapq.heappush(self._queue, (job.priority, next(self._order), job))
                    else:
                        job.finished.set()
        if self._backend is not None:
            self._backend.close()
        self.state = EngineState.CLOSED

    def _fail_load(self, message: str) -> None:
        self.state = EngineState.FAILED
        self.load_error = message
        self.description = "no model"
        with self._wakeup:
            pending = [job for _, _, job in self._queue]
            self._queue.clear()
        for job in pending:
            job.on_event(Failed(job.id, message))
            job.finished.set()

    def _execute(self, job: Job) -> None:
        if job.cancelled:
            return
        if self._backend is None:
            job.on_event(Failed(job.id, self.load_error or "no model loaded"))
            return
        try:
            if isinstance(job.request, ScoreRequest):
                self._score(job, job.request, self._backend)
            else:
                self._generate(job, self._backend)
        except EngineError as error:
            self._finish(job, Failed(job.id, str(error)))
        except Exception as error:
            logger.exception("generation failed")
            self._finish(job, Failed(job.id, f"generation failed: {error}"))

    @staticmethod
    def _finish(job: Job, event: EngineEvent) -> None:
        """Send a job's last event; from here a pre-emption no longer re-runs it."""
        job._completed.set()
        job.on_event(event)

    def _prompt_for(self, request: Request, backend: Backend) -> Prompt:
        budget = backend.n_ctx - request.sampling.max_tokens
        if budget < 64:
            raise EngineError(
                f"context of {backend.n_ctx} tokens leaves no room for a prompt with "
                f"max_tokens={request.sampling.max_tokens}"
            )
        build = fit_prompt if request.compress else build_prompt
        return build(
            request.task,
            request.lines,
            request.order,
            backend.prompt_format,
            instruction=request.instruction,
            token_budget=budget,
            count_tokens=backend.count_tokens,
        )

    def _generate(self, job: Job, backend: Backend) -> None:
        request = job.request
        prompt = self._prompt_for(request, backend)
        sampling = served_sampling(request, prompt.sent)
        prompt_tokens = backend.count_tokens(prompt.text)
        job.on_event(Started(job.id, prompt, prompt_tokens))
        self.calls += 1
        parser = StreamParser(request.order)
        pieces: list[str] = []
        started = time.perf_counter()
        first_token_at: float | None = None
        answer_at: float | None = None
        n_chunks = 0
        finish_reason = "stop"

        def should_stop() -> bool:
            return job.cancelled or job._preempted.is_set()

        lead = response_lead(request.order)
        pieces.append(lead)
        lead_segments = parser.feed(lead)
        if lead_segments:
            job.on_event(Tokens(job.id, tuple(lead_segments)))
        for chunk in backend.generate(prompt.text, sampling, should_stop, lead):
            if chunk.text:
                n_chunks += 1
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                pieces.append(chunk.text)
                segments = parser.feed(chunk.text)
                if segments:
                    job.on_event(Tokens(job.id, tuple(segments)))
                if parser.answer_closed and answer_at is None:
                    answer_at = time.perf_counter() - started
            if chunk.finish_reason:
                finish_reason = chunk.finish_reason
            if request.stop_after_answer and parser.answer_closed:
                finish_reason = "answer"
                break
            if should_stop():
                finish_reason = "cancelled"
                break
        if job._preempted.is_set() and not job.cancelled:
            return  # put back in the queue by the worker loop; no events for this attempt
        if job.cancelled:
            finish_reason = "cancelled"
        parsed = parser.close(stopped_after_answer=finish_reason == "answer")
        total = time.perf_counter() - started
        stats = GenerationStats(
            prompt_tokens=prompt_tokens,
            completion_tokens=n_chunks,
            time_to_first_token=(first_token_at - started) if first_token_at else total,
            time_to_answer=answer_at,
            total_time=total,
            finish_reason=finish_reason,
        )
        answer = check_answer(request.task, parsed.answer)
        self._finish(job, Done(job.id, "".join(pieces), parsed, answer, stats))

    def _score(self, job: Job, request: ScoreRequest, backend: Backend) -> None:
        """One forward pass over the answer-first anomaly prompt plus the label lead."""
        lead_tokens = backend.count_tokens(LABEL_LEAD)
        prompt = build_prompt(
            Task.ANOMALY,
            request.lines,
            SCORE_ORDER,
            backend.prompt_format,
            instruction=request.instruction,
            token_budget=backend.n_ctx - lead_tokens - SCORE_HEADROOM,
            count_tokens=backend.count_tokens,
        )
        prompt_tokens = backend.count_tokens(prompt.text)
        job.on_event(Started(job.id, prompt, prompt_tokens))
        self.calls += 1
        started = time.perf_counter()

        def should_stop() -> bool:
            return job.cancelled or job._preempted.is_set()

        score = backend.score(prompt.text, should_stop)
        if score is None and job._preempted.is_set() and not job.cancelled:
            return  # put back in the queue by the worker loop; no events for this attempt
        if job.cancelled:
            score = None
        seconds = time.perf_counter() - started
        self._finish(job, Scored(job.id, prompt, prompt_tokens, score, seconds))


def served_sampling(request: Request, sent: Sequence[str]) -> SamplingParams:
    """``request``'s sampling, with the rules served answers decode under where they apply: the
    line a parsing answer must be a template of (``protocol.template_of_line``: answer-first
    parsing of one line, as sent) and a free-text answer's repeat guard
    (``protocol.decoding.served_repeat_guard``)."""
    sampling = request.sampling
    if sampling.guard_repeats and sampling.repeat_guard is None:
        guard = served_repeat_guard(request.task)
        sampling = sampling if guard is None else replace(sampling, repeat_guard=guard)
    if not sampling.template_rule or sampling.grammar or sampling.template_of is not None:
        return sampling
    line = template_line(request.task, sent, request.order)
    return sampling if line is None else replace(sampling, template_of=line)
