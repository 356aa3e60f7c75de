"""Log lines written to be hard for a template miner: the corpus behind the miner's cost bound.

Each family targets one way a miner's work per line can blow up: alignment or glob matching that
backtracks (numeric tuple lists one tuple apart: an Android camera line of this shape once took
about an hour), regexes that backtrack on near-miss tokens (long hex-and-letter runs), sheer size
(10,000-token lines), deep nesting, and many near-identical lines of different lengths that all
land in the miner's tree. `tests/test_templates_cost.py` bounds the miner's counted work on it;
`bench/templates.py` reports the worst time per line on it.
"""

from __future__ import annotations

import random

PREFIX = "03-14 09:26:53.589 4242 4242 E CamTuning: buildZones: "


def tuple_list(n: int, offset: int) -> str:
    """A comma-joined list of `n` five-integer tuples, as a camera driver logs zones."""
    return ",".join(
        f"({offset - 300 + 150 * i},{-offset - 300 - 50 * i},{offset + 37 * i},{i - offset},1)"
        for i in range(n)
    )


def tuple_pairs() -> list[tuple[str, str]]:
    """Two lines with the same prefix, the second one tuple shorter (the hang's shape)."""
    return [(PREFIX + tuple_list(n, 0), PREFIX + tuple_list(n - 1, 700)) for n in (8, 10, 20, 40)]


def pathological_corpus(seed: int = 0) -> list[str]:
    """Every family, in an order that lets later lines meet the templates of earlier ones."""
    rnd = random.Random(seed)
    lines: list[str] = []
    for first, second in tuple_pairs():
        lines += [first, second]
    # 10,000 tokens, words and numbers mixed, twice with different values.
    for k in range(2):
        words = (f"w{i % 97}x{k}" if i % 3 else str(i * (k + 1)) for i in range(10_000))
        lines.append(" ".join(words))
    # Near-miss tokens for the masking regexes (hex-and-letter runs ending in a non-hex char).
    for base in ("1a", "a1", "1.", "1-", "f1", "1:", "a.", "1,", "1_"):
        for end in ("x", "!", ":", ""):
            lines.append(f"token {base * 2000}{end} end")
    # Deep brackets, balanced and not.
    lines.append("nested " + "(" * 3000 + "x" + ")" * 3000)
    lines.append("unclosed [" + "a b: " * 800)
    lines.append("[" * 4000)
    # Many near-identical lines of different lengths, with shared and shifting wildcards.
    for n in range(1, 200):
        values = ",".join(str(rnd.randrange(1000)) for _ in range(n % 23 + 1))
        words = " ".join(f"part{j}" for j in range(n % 17))
        lines.append(f"job {n % 5} stage ({values}) {words} done in {rnd.randrange(999)}ms")
    # Random punctuation soup: every delimiter the masker and matcher split on.
    alphabet = "0123456789abcdefx.,:;=()[]{}/_-<*>\"' "
    for _ in range(50):
        lines.append("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(100, 4000))))
    return lines
