"""Masking of obvious variables inside one whitespace token.

Masking runs before the tree so that values which are plainly variable (numbers, hex, IPs, paths,
ids) never reach the similarity test: two lines that differ only in such values land in the same
group on first sight, and templates come out in the style of the corrected Loghub ground truth
(`<*>` replaces the variable part of a token, constant punctuation around it is kept, e.g.
`uid=<*>`, `node-<*>`, `(<*>)`).

Tokens repeat a lot in logs, so results are memoised in a bounded dict; a token without a digit
and without a path or URL shape is returned untouched after one cheap scan.
"""

from __future__ import annotations

import re

WILDCARD = "<*>"

# Whole tokens (after peeling surrounding punctuation) that are one variable. Every repeat that
# could split the same text in more than one way is possessive (`*+`, `++`) or behind a lookahead,
# so a near miss fails in linear time: `[0-9a-f]*\d[0-9a-f]*` took 20 s on a 4,000-character token.
_WHOLE_VARIABLE = re.compile(
    r"""(?x)
    (?:
        /?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?                      # IPv4, optional /, optional port
      | \[?[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\]?(?::\d+)?   # IPv6
      | [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}  # UUID
      | (?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}                 # MAC
      | blk_-?\d+                                               # HDFS block id
      | [a-zA-Z][a-zA-Z0-9+.-]*://\S*                           # URL
      | (?:[a-zA-Z0-9-]++\.)+[a-zA-Z]{2,}:\d+                   # host:port
      | (?:~|\.{1,2})?/[^\s/]++(?:/[^\s/]*+)++                    # path with two or more parts
      | [a-zA-Z]:\\\S*                                          # Windows path
      | [-+]?\d+(?:[.,:]\d+)*[a-zA-Z%]{0,3}                     # number, time, size with unit
      | [-+]?0[xX][0-9a-fA-F]+                                  # hex literal
      | v?\d+(?:\.\d+)+[a-zA-Z]?                                # version
      | (?=[a-fA-F]*+\d)[0-9a-fA-F]++                           # hex run with a digit (see below)
    )
    """
)
_HEX_RUN = re.compile(r"[0-9a-fA-F]+")

# Separators inside a token: the text between them is judged on its own.
_SEGMENT = re.compile(r"[^=:,()\[\]{}@|/\\#\"'<>;~*!?&]+")
# Parts of a segment joined by `.`, `-` or `_`.
_PART_SPLIT = re.compile(r"([._-]+)")
# A number with a short unit, a hex literal, or a hex run with a letter after its first digit.
_PART_VARIABLE = re.compile(
    r"[-+]?\d+[a-zA-Z%]{0,3}|0[xX][0-9a-fA-F]+|(?=[a-fA-F]*+\d[0-9]*+[a-fA-F])[0-9a-fA-F]++"
)
_COLLAPSE = re.compile(r"<\*>(?:[._-]+<\*>)+")
_LEAD_PUNCT = "([{<\"'`"
_TRAIL_PUNCT = ")]}>\"'`,;.:"
_DIGITS = frozenset("0123456789")
# Only tokens with a digit, a slash or a backslash can hold a variable the rules recognise.
_MAYBE_VARIABLE = re.compile(r"[\d/\\]").search


def _is_variable_whole(core: str) -> bool:
    """Whether `core` (a token without surrounding punctuation) is a variable as a whole."""
    if not core or core == WILDCARD:
        return core == WILDCARD
    if _WHOLE_VARIABLE.fullmatch(core) is None:
        return False
    if _HEX_RUN.fullmatch(core) is not None and not core.isdigit():
        # A bare hex run is only an id when it is long enough not to be a word like "add1".
        return len(core) >= 6
    return True


def _mask_part(part: str) -> str:
    if _PART_VARIABLE.fullmatch(part) is None:
        return part
    if part[0] not in _DIGITS and part[0] not in "+-" and len(part) < 6:
        return part
    return WILDCARD


def _mask_segment(segment: str) -> str:
    """Mask one delimiter-free segment: all of it, some of its `.`/`-`/`_` parts, or none."""
    if _is_variable_whole(segment):
        return WILDCARD
    if not (_DIGITS & set(segment)):
        return segment
    pieces = _PART_SPLIT.split(segment)
    if "_" in segment:
        # snake_case ids with numeric parts (job_1445_0020, root22_local) are one value.
        for piece in pieces[::2]:
            if piece and _mask_part(piece) == WILDCARD:
                return WILDCARD
    masked = "".join(p if i % 2 else _mask_part(p) for i, p in enumerate(pieces))
    return _COLLAPSE.sub(WILDCARD, masked)


def mask_token(token: str) -> str:
    """Return `token` with its variable parts replaced by `<*>`."""
    if _MAYBE_VARIABLE(token) is None:
        return token
    if token.isdigit():
        return WILDCARD
    head = token.lstrip(_LEAD_PUNCT)
    core = head.rstrip(_TRAIL_PUNCT)
    if _is_variable_whole(core):
        start = len(token) - len(head)
        return token[:start] + WILDCARD + head[len(core) :]
    masked = _SEGMENT.sub(lambda m: _mask_segment(m.group()), token)
    return _COLLAPSE.sub(WILDCARD, masked)


class Masker:
    """Memoised `mask_token` over whole lines of tokens.

    The memo is cleared when it reaches `cache_size` entries, which bounds memory on streams of
    unique tokens while keeping the common case (repeated tokens) at one dict lookup.
    """

    __slots__ = ("_cache", "_cache_size")

    def __init__(self, cache_size: int = 200_000) -> None:
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def mask(self, tokens: list[str]) -> list[str]:
        """Mask every token of a line, in order."""
        get = self._cache.get
        miss = self._miss
        return [get(tok) or miss(tok) for tok in tokens]

    def _miss(self, token: str) -> str:
        cache = self._cache
        if len(cache) >= self._cache_size:
            cache.clear()
        masked = cache[token] = mask_token(token)
        return masked
