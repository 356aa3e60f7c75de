"""Live anomaly screening: the model scores each *template* once, not each line.

Lines go to a ``TemplateMiner``; every new template is queued and its representative line (its
first, header included: levels and components matter) is sent to the engine as a ``ScoreRequest``
in the background (``Priority.BACKGROUND``: a user's request pre-empts it between chunks of its
one forward pass), one job in flight at a time. The score is the model's probability of
``abnormal`` against ``normal`` at the answer position (``protocol.scores``), and the thresholds
(calibrated per model, ``models.thresholds_for``) turn it into ``abnormal``, ``normal`` or
``inconclusive``; ``unknown`` when the model could not score it. A template whose every line was
logged at INFO or below (the level its format's header declares) is not flagged whatever its
score: it is ``inconclusive`` at most, shown with its score (``routine_level``). The verdict of
a template flags every line of it, past and future, so the model's cost grows with the number of
distinct messages, not with the number of lines, and ``ranked()`` lists templates most suspicious
first.

Scores are stored under the template's text as it was when it appeared, per model identity, in a
``VerdictCache`` on disk: opening the same log again costs no model calls. The cache keeps the
score, not the label, so a new calibration relabels cached templates without asking again.

Single-threaded by design: engine events are queued by the engine thread and applied by ``pump()``
on the owner's thread (the TUI's timer, the CLI's loop), so no state is shared across threads.
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from rlog_tui.engine import (
    Engine,
    EngineEvent,
    EngineState,
    Failed,
    Job,
    Priority,
    Scored,
    ScoreRequest,
)
from rlog_tui.models import ModelChoice
from rlog_tui.protocol import DEFAULT_THRESHOLDS, Thresholds, scoring_fingerprint
from rlog_tui.screening.verdict_cache import CachedScore, VerdictCache
from rlog_tui.source.entries import Entry
from rlog_tui.source.formats.levels import Level
from rlog_tui.templates import Template, TemplateMiner

logger = logging.getLogger(__name__)

EXAMPLE_CHARS = 500
"""Characters kept of each example line: 3 examples × 10k templates stay under 15 MB."""
SAVE_INTERVAL_S = 2.0
"""The verdict file is rewritten at most this often while screening (and always when idle)."""

ROUTINE_LEVEL = Level.INFO
"""A template logged at this level or below (INFO, DEBUG) and never above is not flagged.

Why: the program that wrote the line called it routine, and the model reads only the message (its
training items carry no level). Stage 6 scores BGL's `instruction cache parity error corrected`
(INFO, labelled normal) 0.940, above its flag threshold, and the lines a log writes at INFO are
the bulk of it: flagged, they bury the real incident. The score stays the model's and is shown;
only the flag needs the level to agree."""

State = Literal["queued", "screening", "done", "skipped"]
VerdictLabel = Literal["normal", "abnormal", "inconclusive", "unknown"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A template's verdict: its score and the label the thresholds give it.

    ``unknown`` (score None) when the model could not score it; ``detail`` then says why.
    """

    label: VerdictLabel
    score: float | None = None
    detail: str = ""
    from_cache: bool = False

    @classmethod
    def of_score(
        cls,
        score: float,
        thresholds: Thresholds,
        *,
        level: Level | None = None,
        from_cache: bool = False,
    ) -> Verdict:
        """The thresholds' label for ``score``; ``abnormal`` becomes ``inconclusive`` for a
        template logged at ``ROUTINE_LEVEL`` or below (``level``: the most severe seen)."""
        label = thresholds.label(score)
        if label == "abnormal" and routine_level(level):
            return cls("inconclusive", score, f"logged at {level.name}", from_cache)
        return cls(label, score, from_cache=from_cache)


def routine_level(level: Level | None) -> bool:
    """True for a known level that is INFO or below (``Level.UNKNOWN`` is not known)."""
    return level is not None and Level.UNKNOWN < level <= ROUTINE_LEVEL


@dataclass(slots=True)
class TemplateInfo:
    """What the screener keeps per template besides the miner's own bookkeeping."""

    template_id: int
    key: str
    """The template text the verdict is cached under (its text when it appeared)."""
    created: float
    """``time.monotonic()`` when it appeared (the TUI highlights new templates)."""
    message: str = ""
    """What the model is asked about: its first entry's message and fields, without the header."""
    examples: list[str] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    level: Level | None = None
    """The most severe level its entries were logged at; None while none declared one."""
    last_seen: int = 0
    """Sequence number of its latest line (``Screener.lines_seen`` then): recency order."""
    state: State = "queued"
    verdict: Verdict | None = None


def model_identity(choice: ModelChoice | None, description: str) -> str:
    """A stable name for the weights that judge: file names and sizes, else the description."""
    if choice is None:
        return description
    parts = []
    for path in (choice.model_path, choice.adapter_path):
        if path is not None:
            try:
                size = path.stat().st_size
            except OSError:
                size = -1
            parts.append(f"{path.name}:{size}")
    return "+".join(parts)


class Screener:
    """Mines lines into templates and scores each new template with the model once.

    ``engine=None`` mines only (no model calls, no verdicts): the TUI without screening.
    ``thresholds`` turn scores into labels (the model's calibration, else 0.5 with no band).
    ``max_pending`` bounds the queue of templates waiting for the model (a flood of junk lines
    must not queue hours of work); the oldest waiting ones are skipped and counted in ``skipped``.
    """

    def __init__(
        self,
        engine: Engine | None,
        *,
        cache: VerdictCache | None = None,
        model_id: str | None = None,
        miner: TemplateMiner | None = None,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        max_pending: int | None = 1_000,
        max_examples: int = 3,
        max_line_numbers: int = 10,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.miner = miner if miner is not None else TemplateMiner()
        self.thresholds = thresholds
        self.max_pending = max_pending
        self.max_examples = max_examples
        self.max_line_numbers = max_line_numbers
        self._model_id = model_id
        self._prompt_key = scoring_fingerprint()
        """Scores cached under another prompt (or the generated labels of old rlogs) miss."""
        self._info: dict[int, TemplateInfo] = {}
        self._queue: deque[int] = deque()
        self._events: queue.SimpleQueue[EngineEvent] = queue.SimpleQueue()
        self.on_event: Callable[[], object] | None = None
        """Called from the engine's thread when a scoring event is queued (the TUI posts a
        message, then calls ``pump`` on its own thread); None: the caller pumps when it likes."""
        self._job: Job | None = None
        self._job_template: int | None = None
        self._closed = False
        self._cannot_score_warned = False
        self._unsaved = False
        self._saved_at = 0.0
        self.lines_seen = 0
        self.entries_seen = 0
        self.calls = 0
        """Templates the model scored (a pre-empted job that re-ran counts once)."""
        self.cache_hits = 0
        self.skipped = 0

    # -- feeding lines -----------------------------------------------------------------------
    def feed(self, line: str, line_no: int | None = None) -> int:
        """Mine one raw line (the miner strips its header); returns its template id."""
        return self._feed(line, line, line, line_no, is_message=False)

    def feed_entry(self, entry: Entry, first_line: str) -> int:
        """Mine one entry's message (``first_line``: its raw first line, kept as an example)."""
        self.entries_seen += 1
        self.lines_seen += entry.line_count - 1
        template_id = self._feed(
            entry.template_text, first_line, entry.model_text, entry.first_line, is_message=True
        )
        self._note_level(self._info[template_id], None if entry.level_guessed else entry.level)
        return template_id

    def _note_level(self, info: TemplateInfo, level: Level | None) -> None:
        """Keep the template's most severe level; a line above routine lifts the gate."""
        if level is None or (info.level is not None and level <= info.level):
            return
        info.level = level
        verdict = info.verdict
        if verdict is not None and verdict.score is not None:
            info.verdict = Verdict.of_score(
                verdict.score, self.thresholds, level=level, from_cache=verdict.from_cache
            )

    def _feed(
        self, mined: str, line: str, message: str, line_no: int | None, *, is_message: bool
    ) -> int:
        """Mine ``mined``; queue its template for screening if it is new. Returns its id."""
        self.lines_seen += 1
        template_id, text, change = self.miner.add(mined, line_no, is_message=is_message)
        info = self._info.get(template_id)
        if info is None or change == "new":
            info = TemplateInfo(template_id, text, time.monotonic(), message[:EXAMPLE_CHARS])
            self._info[template_id] = info
            self._prune()
            if self.engine is not None:
                self._consider(info)
        info.last_seen = self.lines_seen
        if len(info.examples) < self.max_examples:
            info.examples.append(line[:EXAMPLE_CHARS])
        if line_no is not None and len(info.line_numbers) < self.max_line_numbers:
            info.line_numbers.append(line_no)
        return template_id

    def _consider(self, info: TemplateInfo) -> None:
        if self._from_cache(info):
            return
        info.state = "queued"
        self._queue.append(info.template_id)
        if self.max_pending is not None:
            while len(self._queue) > self.max_pending:
                dropped = self._info.get(self._queue.popleft())
                if dropped is not None and dropped.state == "queued":
                    dropped.state = "skipped"
                    self.skipped += 1

    def _from_cache(self, info: TemplateInfo) -> bool:
        key = self.cache_key
        if key is None or self.cache is None:
            return False
        cached = self.cache.get(key, info.key)
        if cached is None:
            return False
        info.verdict = Verdict.of_score(
            cached.score, self.thresholds, level=info.level, from_cache=True
        )
        info.state = "done"
        self.cache_hits += 1
        return True

    def _prune(self) -> None:
        """Forget templates the miner evicted (its memory cap bounds ours)."""
        if len(self._info) <= 2 * len(self.miner) + 1_024:
            return
        for template_id in [t for t in self._info if self.miner.get(t) is None]:
            del self._info[template_id]

    # -- the model ---------------------------------------------------------------------------
    @property
    def cache_key(self) -> str | None:
        """Model identity plus how it was asked; None until the model has loaded."""
        if self._model_id is None:
            engine = self.engine
            if engine is None or engine.state != EngineState.READY:
                return None
            self._model_id = engine.description
        return f"{self._model_id}|anomaly|score-message|{self._prompt_key}"

    @property
    def usable(self) -> bool:
        """False without an engine, when its model failed to load, or when it cannot score."""
        engine = self.engine
        if engine is None or engine.state == EngineState.FAILED:
            return False
        if engine.state == EngineState.READY and not engine.can_score:
            if not self._cannot_score_warned:
                self._cannot_score_warned = True
                logger.warning(
                    "screening is off: %s cannot score anomalies (needs --backend llama)",
                    engine.description,
                )
            return False
        return True

    def pump(self) -> bool:
        """Apply finished verdicts and start the next job; True when any verdict changed."""
        changed = False
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            changed |= self._handle(event)
        if self._job is None and not self._closed:
            changed |= self._submit_next()
        if changed or self._unsaved:
            self._save(at_most_every=SAVE_INTERVAL_S)
        return changed

    def _save(self, at_most_every: float = 0.0) -> None:
        """Write the cache, but not more often than ``at_most_every`` seconds (UI thread)."""
        self._unsaved = True
        now = time.monotonic()
        if self.cache is None or now - self._saved_at < at_most_every:
            return
        self.cache.save()
        self._unsaved, self._saved_at = False, now

    def _handle(self, event: EngineEvent) -> bool:
        job = self._job
        if job is None or event.job_id != job.id or not isinstance(event, Scored | Failed):
            return False  # Started (it may repeat when a user pre-empts the job)
        info = self._info.get(self._job_template or -1)
        self._job = self._job_template = None
        if info is None:
            return False
        if isinstance(event, Failed):
            logger.warning("screening template %d failed: %s", info.template_id, event.message)
            info.verdict, info.state = Verdict("unknown", detail=event.message), "done"
            return True
        if event.score is None:  # cancelled
            info.state = "queued"
            if not self._closed:
                self._queue.appendleft(info.template_id)
            return False
        self.calls += 1
        score = event.score.abnormal
        info.verdict = Verdict.of_score(score, self.thresholds, level=info.level)
        info.state = "done"
        key = self.cache_key
        if self.cache is not None and key is not None:
            self.cache.put(key, info.key, CachedScore(score))
        return True

    def _submit_next(self) -> bool:
        """Submit the next template the cache cannot answer; True if the cache answered any."""
        engine = self.engine
        if engine is None or not self._queue or self.cache_key is None or not self.usable:
            return False
        answered = False
        while self._queue:
            info = self._info.get(self._queue.popleft())
            if info is None or info.state != "queued":
                continue
            if self._from_cache(info):
                answered = True
                continue
            request = ScoreRequest(lines=[info.message or info.key])
            info.state = "screening"
            self._job_template = info.template_id
            self._job = engine.submit(request, self._queue_event, Priority.BACKGROUND)
            break
        return answered

    def _queue_event(self, event: EngineEvent) -> None:
        """The engine's callback (its thread): queue the event for ``pump``, and say so."""
        self._events.put(event)
        if self.on_event is not None:
            self.on_event()

    @property
    def busy(self) -> bool:
        """Templates are waiting for, or being judged by, a usable model."""
        if self._closed or not self.usable:
            return False
        return self._job is not None or bool(self._queue)

    @property
    def waiting(self) -> int:
        """Templates queued or being judged now."""
        return len(self._queue) + (self._job is not None)

    def wait_idle(self, timeout: float | None = None) -> None:
        """Block until every queued template is judged (CLI, tests); TimeoutError past timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.pump()
            if not self.busy:
                self._save()
                return
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"screening still has {self.waiting} template(s) to judge")
            if self._job is None:  # the model is still loading
                time.sleep(min(0.05, remaining) if remaining is not None else 0.05)
                continue
            try:
                event = self._events.get(timeout=min(0.5, remaining) if remaining else 0.5)
            except queue.Empty:
                continue
            if self._handle(event):
                self._save(at_most_every=SAVE_INTERVAL_S)

    def close(self) -> None:
        """Stop screening: cancel the running job, drop the queue, save the cache."""
        self._closed = True
        if self._job is not None:
            self._job.cancel()
        self._queue.clear()
        self._save()

    # -- what the UI and reports read --------------------------------------------------------
    def info(self, template_id: int) -> TemplateInfo | None:
        return self._info.get(template_id)

    def verdict(self, template_id: int) -> Verdict | None:
        info = self._info.get(template_id)
        return None if info is None else info.verdict

    def is_abnormal(self, template_id: int) -> bool:
        """True when this template's verdict is ``abnormal``: its lines are flagged."""
        info = self._info.get(template_id)
        return info is not None and info.verdict is not None and info.verdict.label == "abnormal"

    def templates(self) -> Iterator[tuple[Template, TemplateInfo]]:
        """Live templates with the screener's info, by id."""
        for template in self.miner.templates():
            info = self._info.get(template.id)
            if info is not None:
                yield template, info

    def ranked(self) -> list[tuple[Template, TemplateInfo]]:
        """Live templates, highest score first; unscored ones last, by count."""
        return sorted(self.templates(), key=ranking_key)


def score_of(info: TemplateInfo) -> float | None:
    """A template's score, None until it has one."""
    return None if info.verdict is None else info.verdict.score


def ranking_key(item: tuple[Template, TemplateInfo]) -> tuple[bool, float, int, int]:
    """Sort key of ``Screener.ranked``: scored before unscored, then score, count, id."""
    template, info = item
    score = score_of(info)
    return (score is None, -(score or 0.0), -template.count, template.id)
