"""Online template miner: one stable template id per log line, learnt as lines arrive.

Why this shape (Drain-class, with a few changes that matter for speed and for the templates'
quality):

* The header is stripped and obvious variables are masked token by token (`masking`), so most
  lines of a template are byte-identical after masking. A dict from the masked line to its template
  answers those lines with one lookup, which is what makes the miner fast; only lines never seen in
  masked form go to the tree.
* The tree is one level: templates are grouped by (token count, first token). Inside a group the
  newest templates (up to `group_scan_limit`) are compared to the line; similarity counts only
  the template's constant tokens, so lines that share nothing but masked values do not merge.
* A match that differs at some positions generalises the template there to `<*>` in place: the id
  never changes. Ids are handed out in increasing order and never reused.
* At most `max_templates` live at once; the least recently used is evicted (ids of the others stay).

Lines are cut to `max_line_chars` characters and `max_tokens` tokens before mining, so a 10 MB line
costs the same as a long ordinary one. Every step after that is linear in the line (masking, token
matching and merging) and a new line is compared with at most `group_scan_limit` templates, so the
work per line is bounded by `group_scan_limit` times the line's size, whatever the line holds.
`TemplateMiner.work` counts that work, so tests can bound it without a clock.

Empty and whitespace-only lines all map to one template whose text is the empty string, so every
line still gets an id.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from rlog_tui.templates.headers import (
    DEFAULT_AFTER_LEVEL_PATTERNS,
    DEFAULT_COMPONENT_PATTERN,
    DEFAULT_FOLLOW_PATTERNS,
    DEFAULT_LEAD_PATTERNS,
    DEFAULT_LEVEL_PATTERN,
    HeaderStripper,
)
from rlog_tui.templates.masking import WILDCARD, Masker
from rlog_tui.templates.merging import merge_token, token_matches

Change = Literal["new", "generalised", "none"]


@dataclass(frozen=True, slots=True)
class MinerConfig:
    """Knobs of the miner; the defaults suit mixed application and system logs.

    `similarity` is the fraction of a template's constant tokens a line must share to join it.
    `strip_headers=False` mines whole lines (use it when lines are already messages).
    `cache_size` bounds each of the two line caches (message → template, masked line → template);
    keys longer than `cache_key_chars` are not cached, so memory stays bounded on huge lines.
    `group_scan_limit` bounds the templates one new line is compared with.
    """

    similarity: float = 0.7
    max_templates: int = 10_000
    max_line_chars: int = 4_096
    max_tokens: int = 256
    group_scan_limit: int = 64
    cache_size: int = 50_000
    cache_key_chars: int = 512
    token_cache_size: int = 100_000
    strip_headers: bool = True
    lead_patterns: Sequence[str] = field(default=DEFAULT_LEAD_PATTERNS)
    follow_patterns: Sequence[str] = field(default=DEFAULT_FOLLOW_PATTERNS)
    level_pattern: str = DEFAULT_LEVEL_PATTERN
    after_level_patterns: Sequence[str] = field(default=DEFAULT_AFTER_LEVEL_PATTERNS)
    component_pattern: str | None = DEFAULT_COMPONENT_PATTERN


class Template:
    """A learnt template and its bookkeeping. `text` is the tokens joined by single spaces."""

    __slots__ = (
        "_group",
        "_key",
        "alive",
        "count",
        "first_line",
        "first_seen",
        "id",
        "last_line",
        "last_seen",
        "n_const",
        "text",
        "tokens",
    )

    def __init__(
        self,
        template_id: int,
        tokens: list[str],
        key: tuple[int, str],
        group: dict[int, Template],
    ) -> None:
        self.id = template_id
        self.tokens = tokens
        self.text = " ".join(tokens)
        self.n_const = sum(1 for t in tokens if t != WILDCARD)
        self.count = 0
        self.first_line: int | None = None
        self.last_line: int | None = None
        self.first_seen: float | None = None
        self.last_seen: float | None = None
        self.alive = True
        self._key = key
        self._group = group

    def __repr__(self) -> str:
        return f"Template(id={self.id}, count={self.count}, text={self.text!r})"


class MatchResult(NamedTuple):
    """What `TemplateMiner.add` learnt from one line (a tuple: cheap to make per line)."""

    template_id: int
    template: str
    change: Change


@dataclass(frozen=True, slots=True)
class TemplateEvent:
    """Sent to listeners when a template is created or generalised (not on plain matches)."""

    change: Literal["new", "generalised"]
    template_id: int
    template: str
    line_no: int | None


class TemplateMiner:
    """Incremental template miner; deterministic for the same sequence of lines."""

    __slots__ = (
        "_by_id",
        "_cache_key_chars",
        "_cache_size",
        "_config",
        "_empty",
        "_exact",
        "_groups",
        "_listeners",
        "_mask",
        "_max_chars",
        "_max_tokens",
        "_messages",
        "_next_id",
        "_strip",
        "work",
    )

    def __init__(self, config: MinerConfig | None = None) -> None:
        self._config = config = config or MinerConfig()
        headers = (
            HeaderStripper(
                config.lead_patterns,
                config.follow_patterns,
                config.level_pattern,
                config.after_level_patterns,
                config.component_pattern,
            )
            if config.strip_headers
            else None
        )
        self._strip = headers.strip if headers is not None else None
        self._mask = Masker(config.token_cache_size).mask
        self._max_chars = config.max_line_chars
        self._max_tokens = config.max_tokens
        self._cache_size = config.cache_size
        self._cache_key_chars = config.cache_key_chars
        self._messages: dict[str, Template] = {}
        self._by_id: OrderedDict[int, Template] = OrderedDict()
        self._groups: dict[tuple[int, str], dict[int, Template]] = {}
        self._exact: dict[str, Template] = {}
        self._listeners: list[Callable[[TemplateEvent], None]] = []
        self._next_id = 1
        self._empty: Template | None = None
        # Units of work done so far: characters masked, token pairs compared, and characters
        # scanned by token matching and merging (each of those is linear in its input).
        self.work = 0

    # -- public API -------------------------------------------------------------------------

    def on_event(self, callback: Callable[[TemplateEvent], None]) -> None:
        """Call `callback` for every new or generalised template, in order, synchronously."""
        self._listeners.append(callback)

    def add(
        self,
        line: str,
        line_no: int | None = None,
        timestamp: float | None = None,
        *,
        is_message: bool = False,
    ) -> MatchResult:
        """Learn from `line` and return its template id, text and what changed.

        `is_message`: `line` is already a message (a format parsed its header): not stripped.
        """
        if len(line) > self._max_chars:
            line = line[: self._max_chars]
        if self._strip is not None and not is_message:
            line = self._strip(line)
        change: Change = "none"
        tpl = self._messages.get(line)
        if tpl is None or not tpl.alive:
            tokens = self._tokens(line)
            key = " ".join(tokens)
            tpl = self._exact.get(key)
            if tpl is None or not tpl.alive:
                tpl, change = self._learn(tokens)
                self._remember(self._exact, key, tpl)
            self._remember(self._messages, line, tpl)
        self._by_id.move_to_end(tpl.id)
        if tpl.count == 0:
            tpl.first_line, tpl.first_seen = line_no, timestamp
        tpl.count += 1
        if line_no is not None:
            tpl.last_line = line_no
        if timestamp is not None:
            tpl.last_seen = timestamp
            if tpl.first_seen is None:
                tpl.first_seen = timestamp
        if change != "none" and self._listeners:
            event = TemplateEvent(change, tpl.id, tpl.text, line_no)
            for callback in self._listeners:
                callback(event)
        return MatchResult(tpl.id, tpl.text, change)

    def match(self, line: str) -> Template | None:
        """The template `line` would join, without learning or touching anything."""
        line = line[: self._max_chars]
        if self._strip is not None:
            line = self._strip(line)
        tokens = self._tokens(line)
        if not tokens:
            return self._empty if self._empty is not None and self._empty.alive else None
        tpl = self._exact.get(" ".join(tokens))
        if tpl is not None and tpl.alive:
            return tpl
        best = self._best(tokens)
        if best is None or not all(
            t == tok or token_matches(t, tok) for t, tok in zip(best.tokens, tokens, strict=True)
        ):
            return None
        return best

    def get(self, template_id: int) -> Template | None:
        """The live template with this id, or None if it never existed or was evicted."""
        return self._by_id.get(template_id)

    def templates(self) -> list[Template]:
        """Live templates, by id."""
        return sorted(self._by_id.values(), key=lambda t: t.id)

    def __len__(self) -> int:
        return len(self._by_id)

    # -- internals ----------------------------------------------------------------------------

    def _tokens(self, message: str) -> list[str]:
        self.work += len(message)
        tokens = message.split(None, self._max_tokens)
        if len(tokens) > self._max_tokens:
            # The remainder is one opaque variable: long tails must not make lines unique.
            tokens[self._max_tokens] = WILDCARD
        return self._mask(tokens)

    def _remember(self, cache: dict[str, Template], key: str, tpl: Template) -> None:
        if len(key) > self._cache_key_chars:
            return
        if len(cache) >= self._cache_size:
            cache.clear()
        cache[key] = tpl

    def _group_key(self, tokens: list[str]) -> tuple[int, str]:
        first = tokens[0]
        if "<*>" in first or any(c.isdigit() for c in first):
            first = WILDCARD
        return (len(tokens), first)

    def _best(self, tokens: list[str]) -> Template | None:
        group = self._groups.get(self._group_key(tokens))
        if not group:
            return None
        threshold = self._config.similarity
        limit = self._config.group_scan_limit
        best: Template | None = None
        best_score = -1.0
        work = 0
        for scanned, tpl in enumerate(reversed(group.values()), 1):
            work += len(tokens)
            n_const = tpl.n_const
            if n_const == 0:
                score = 1.0
            else:
                same = 0
                for t, tok in zip(tpl.tokens, tokens):  # noqa: B905 (same length by group)
                    if t == tok:
                        if t != WILDCARD:
                            same += 1
                    elif "<*>" in t and t != WILDCARD:
                        work += len(t) + len(tok)
                        if token_matches(t, tok):
                            same += 1
                score = same / n_const
            if score > best_score:
                best, best_score = tpl, score
            if scanned >= limit:
                break
        self.work += work
        if best is None or best_score < threshold:
            return None
        return best

    def _learn(self, tokens: list[str]) -> tuple[Template, Change]:
        if not tokens:
            if self._empty is None or not self._empty.alive:
                self._empty = self._create(tokens)
                return self._empty, "new"
            return self._empty, "none"
        tpl = self._best(tokens)
        if tpl is None:
            return self._create(tokens), "new"
        new_tokens = [merge_token(t, tok) for t, tok in zip(tpl.tokens, tokens)]  # noqa: B905
        self.work += len(tpl.text) + sum(map(len, tokens))
        if new_tokens == tpl.tokens:
            return tpl, "none"
        tpl.tokens = new_tokens
        tpl.text = " ".join(new_tokens)
        tpl.n_const = sum(1 for t in new_tokens if t != WILDCARD)
        return tpl, "generalised"

    def _create(self, tokens: list[str]) -> Template:
        key = self._group_key(tokens) if tokens else (0, "")
        group = self._groups.setdefault(key, {})
        tpl = Template(self._next_id, list(tokens), key, group)
        self._next_id += 1
        group[tpl.id] = tpl
        self._by_id[tpl.id] = tpl
        while len(self._by_id) > self._config.max_templates:
            self._evict()
        return tpl

    def _evict(self) -> None:
        _, victim = self._by_id.popitem(last=False)
        victim.alive = False
        group = victim._group
        del group[victim.id]
        if not group:
            del self._groups[victim._key]
