"""How long a run a text or token list writes twice: what the repeat guard's tests measure."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def longest_repeated_run(items: Sequence[Hashable]) -> int:
    """The most items in a row that ``items`` holds twice (0: none repeats)."""
    longest = 0
    for size in range(1, len(items) // 2 + 1):
        grams = [tuple(items[i : i + size]) for i in range(len(items) - size + 1)]
        if len(set(grams)) == len(grams):
            break
        longest = size
    return longest
