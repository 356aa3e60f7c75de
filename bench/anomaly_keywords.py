"""What the anomaly splits teach about error words: labels of the items a grep would flag.

Run by hand: ``.venv/bin/python bench/anomaly_keywords.py``. For each split of the anomaly task
(train, validation, test) and each system, the items are counted by label and by whether the
level-keyword baseline flags them (``rlog_tui.source.formats.levels.detect_level`` at ERROR or
worse, the baseline every A.D. figure is reported beside). A model can only learn that an
error-worded line may be routine from error-worded lines labelled normal in what it trains on;
this shows how many there are where, and whether validation could see the difference.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_train.data.splits import load_split
from rlog_tui.protocol import Task
from rlog_tui.source.formats.levels import Level, detect_level

TROUBLE = re.compile(
    r"error|fail|fatal|panic|abort|exception|cannot|can't|unable|denied|refused|lost|timed? ?out"
    r"|invalid|not found|no such|unreachable|warning|corrupt|disconnect",
    re.IGNORECASE,
)
"""Words of trouble beyond the levels a grep reads (this bench's own list, not the product's)."""


def main() -> None:
    print(
        "| split | system | abnormal, flagged by keywords | abnormal, not flagged | "
        "normal, flagged by keywords | normal, not flagged | flagged that are normal |"
    )
    print("|---|---|---|---|---|---|---|")
    trouble: dict[str, Counter[tuple[str, str, bool]]] = {}
    for split in ("train", "validation", "test"):
        examples = load_split(Task.ANOMALY, split)
        counts = Counter(
            (example.system or "?", example.label, detect_level(example.input) >= Level.ERROR)
            for example in examples
        )
        for system in sorted({system for system, _, _ in counts}):
            row = [
                counts[(system, label, flagged)]
                for label in ("abnormal", "normal")
                for flagged in (True, False)
            ]
            flagged_total = row[0] + row[2]
            share = f"{row[2] / flagged_total:.0%}" if flagged_total else "–"
            print(f"| {split} | {system} | " + " | ".join(map(str, row)) + f" | {share} |")
        trouble[split] = Counter(
            (example.system or "?", example.label, bool(TROUBLE.search(example.input)))
            for example in examples
        )
    print()
    print("| split | system | abnormal with trouble words | normal with trouble words |")
    print("|---|---|---|---|")
    for split, counts in trouble.items():
        for system in sorted({system for system, _, _ in counts}):
            cells = []
            for label in ("abnormal", "normal"):
                worded = counts[(system, label, True)]
                total = worded + counts[(system, label, False)]
                cells.append(f"{worded} of {total} ({worded / total:.0%})")
            print(f"| {split} | {system} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
