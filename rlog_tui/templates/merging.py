"""Token-level generalisation: how a template token absorbs a differing line token.

Replacing a whole differing token by `<*>` loses constant text the ground truth (and a reader)
keeps: `rhost=10.0.0.1` and `rhost=example.org` should give `rhost=<*>`, `()` and `(host)` give
`(<*>)`. So a merge keeps the common prefix up to a delimiter and the common suffix from a
delimiter, and a template token that holds `<*>` matches a line token when the line fits it.
"""

from __future__ import annotations

from functools import lru_cache

from rlog_tui.templates.masking import WILDCARD

# A kept prefix must end with one of these, a kept suffix must start with one: cutting a word in
# two (`ssh1`/`ssh2` → `ssh<*>`) would invent structure that is not there.
_PREFIX_END = frozenset("=:([{/@#\"'|")
_SUFFIX_START = frozenset(")]}\"',;:|.")


@lru_cache(maxsize=4096)
def _parts(template_token: str) -> tuple[str, ...]:
    return tuple(template_token.split(WILDCARD))


def token_matches(template_token: str, token: str) -> bool:
    """Whether `token` is an instance of `template_token` (which may hold `<*>`).

    `<*>` matches any text, so the parts between wildcards are found leftmost-first, each after
    the one before: a glob of wildcards only needs no backtracking, and the cost is linear in the
    token (a regex of `.*?` groups backtracked exponentially in their number on a near miss).
    """
    if template_token in (token, WILDCARD):
        return True
    if WILDCARD not in template_token:
        return False
    parts = _parts(template_token)
    first, last = parts[0], parts[-1]
    end = len(token) - len(last)
    if end < len(first) or not token.startswith(first) or not token.endswith(last):
        return False
    pos = len(first)
    for part in parts[1:-1]:
        if part:
            found = token.find(part, pos, end)
            if found < 0:
                return False
            pos = found + len(part)
    return True


def wildcard_values(template_token: str, token: str) -> list[str] | None:
    """What each `<*>` of `template_token` stands for in `token` (None: not an instance).

    The same leftmost scan as `token_matches`, so it is linear in the token too.
    """
    parts = _parts(template_token)
    first, last = parts[0], parts[-1]
    end = len(token) - len(last)
    if len(parts) == 1:
        return [] if token == template_token else None
    if end < len(first) or not token.startswith(first) or not token.endswith(last):
        return None
    values, pos = [], len(first)
    for part in parts[1:-1]:
        found = token.find(part, pos, end)
        if found < 0:
            return None
        values.append(token[pos:found])
        pos = found + len(part)
    values.append(token[pos:end])
    return values


def merge_token(template_token: str, token: str) -> str:
    """The most specific token that both `template_token` and `token` are instances of."""
    if token_matches(template_token, token):
        return template_token
    limit = min(len(template_token), len(token))
    p = 0
    while p < limit and template_token[p] == token[p]:
        p += 1
    while p > 0 and template_token[p - 1] not in _PREFIX_END:
        p -= 1
    s = 0
    limit -= p
    while s < limit and template_token[-1 - s] == token[-1 - s]:
        s += 1
    while s > 0 and template_token[-s] not in _SUFFIX_START:
        s -= 1
    if p == 0 and s == 0:
        return WILDCARD
    merged = template_token[:p] + WILDCARD + (template_token[-s:] if s else "")
    return merged.replace("<*><*>", WILDCARD)
