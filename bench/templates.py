"""Accuracy and speed of rlog's template miner against drain3 on Loghub-2k (corrected).

Why this bench exists: the miner must be at least as accurate as drain3 with drain3's own
recommended masking (its example `drain3.ini`), and much faster, because it runs on every line the
TUI tails. Both parsers see the same input in the same process, one after the other.

* Accuracy: each of the 16 systems' `Content` column is mined (headers are already removed there,
  so rlog's header stripping is off) and scored against `EventTemplate` with GA, PA and FGA as
  `rlog_train.metrics` defines them (the evaluator's too). Every line is scored with the *final*
  template of its group, as the Loghub benchmarks do. drain3's `<:NUM:>`-style masks are rewritten
  to `<*>` before PA, so it is not penalised for its mask names.
* Speed: lines/s over the 16 x 2k `Content` lines, and over a 1M-line file of the raw Loghub lines
  (headers included, rlog with its default header stripping) replicated to 1M.
* Worst case: the slowest single line of `bench/pathological_lines.py` (tuple lists one tuple
  apart, 10,000-token lines, near-miss tokens for the masking regexes, deep brackets, near-identical
  lines of many lengths), fed twice, and the two lines of the Android camera hang (8/7 and 20/19
  tuples). A miner whose cost per line is bounded keeps these in milliseconds.

Run: `python bench/templates.py [--data DIR] [--lines N]`.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/pathological_lines.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlog_train.metrics import (
    f1_grouping_accuracy,
    grouping_accuracy,
    parsing_accuracy,
)
from rlog_tui.engine.cpu_features import cpu_model

SYSTEMS = (
    "Android",
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "HealthApp",
    "Linux",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Proxifier",
    "Spark",
    "Thunderbird",
    "Windows",
    "Zookeeper",
)

# drain3's recommended masking, as its example drain3.ini lists it.
DRAIN3_MASKING = (
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
)

_DRAIN3_MASK = re.compile(r"<:[A-Z0-9_]+:>")

# -- parsers ---------------------------------------------------------------------------------


def run_rlog(lines: Sequence[str], strip_headers: bool) -> tuple[list[int], list[str]]:
    """Mine `lines`; return each line's template id and final template text."""
    from rlog_tui.templates import MinerConfig, TemplateMiner

    miner = TemplateMiner(MinerConfig(strip_headers=strip_headers))
    ids = [miner.add(line).template_id for line in lines]
    text = {t.id: t.text for t in miner.templates()}
    return ids, [text.get(i, "") for i in ids]


def make_drain3(extra_delimiters: Sequence[str] = ("_",)) -> object:
    """A drain3 TemplateMiner configured as drain3.ini recommends (profiling off).

    drain3.ini's extra delimiter ``_`` is written back into templates as a space
    (``mod_jk`` → ``mod jk``), which alone fails PA on every such line; the bench also reports a
    variant without it so drain3's PA is not judged on that artefact only.
    """
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.masking_instructions = [MaskingInstruction(p, m) for p, m in DRAIN3_MASKING]
    config.mask_prefix, config.mask_suffix = "<:", ":>"
    config.drain_sim_th = 0.4
    config.drain_depth = 4
    config.drain_max_children = 100
    config.drain_max_clusters = 1024
    config.drain_extra_delimiters = list(extra_delimiters)
    config.profiling_enabled = False
    return TemplateMiner(config=config)


def run_drain3(
    lines: Sequence[str], extra_delimiters: Sequence[str] = ("_",)
) -> tuple[list[int], list[str]]:
    """Mine `lines` with drain3; return cluster ids and final templates (masks as `<*>`)."""
    miner = make_drain3(extra_delimiters)
    ids = [miner.add_log_message(line)["cluster_id"] for line in lines]
    text = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    return ids, [_DRAIN3_MASK.sub("<*>", text.get(i, "")) for i in ids]


# -- data ------------------------------------------------------------------------------------


def load_system(data: Path, system: str) -> tuple[list[str], list[str]]:
    """(Content, EventTemplate) columns of one corrected Loghub-2k system."""
    path = data / "loghub_corrected" / system / f"{system}_2k.log_structured_corrected.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


def build_big_file(data: Path, n_lines: int, path: Path) -> None:
    """Write `n_lines` raw Loghub lines (all 16 systems, in turn, repeated) to `path`."""
    raw: list[str] = []
    for system in SYSTEMS:
        log = data / "loghub" / system / f"{system}_2k.log"
        raw.extend(log.read_text(encoding="utf-8", errors="replace").splitlines())
    with path.open("w", encoding="utf-8") as f:
        for i in range(n_lines):
            f.write(raw[i % len(raw)])
            f.write("\n")


def lines_per_second(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


# -- worst case ------------------------------------------------------------------------------


def worst_line_seconds(lines: Sequence[str]) -> tuple[float, str]:
    """The longest time one `add` took, and the start of that line (default miner config)."""
    from rlog_tui.templates import TemplateMiner

    miner = TemplateMiner()
    worst, worst_line = 0.0, ""
    for line in lines:
        start = time.perf_counter()
        miner.add(line)
        took = time.perf_counter() - start
        if took > worst:
            worst, worst_line = took, line
    return worst, worst_line[:60]


def print_worst_case() -> None:
    from pathological_lines import pathological_corpus, tuple_pairs

    corpus = pathological_corpus()
    worst, line = worst_line_seconds(corpus + corpus[::-1])
    print(
        f"  worst line of {2 * len(corpus)} pathological lines: {worst * 1000:.2f} ms ({line!r}…)"
    )
    for first, second in tuple_pairs():
        n = first.count("(")
        took = worst_line_seconds([first, second])[0] * 1000
        print(f"  camera tuple lists {n}/{n - 1}: slowest of the two lines {took:.2f} ms")


# -- main ------------------------------------------------------------------------------------


def machine() -> str:
    return f"{os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default_data, help="shared data folder")
    parser.add_argument("--lines", type=int, default=1_000_000, help="size of the speed file")
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    header = f"{'system':<12} {'GA':>6} {'PA':>6} {'FGA':>6} | " + " ".join(
        f"{name:>6}" for name in ("d3 GA", "d3 PA", "d3 FGA")
    )
    print(header)
    print("-" * len(header))
    sums: Counter[str] = Counter()
    wins = 0
    all_content: list[str] = []
    for system in SYSTEMS:
        content, truth = load_system(args.data, system)
        all_content.extend(content)
        ids, texts = run_rlog(content, strip_headers=False)
        d_ids, d_texts = run_drain3(content)
        plain_ids, plain_texts = run_drain3(content, extra_delimiters=())
        row = {
            "p_ga": grouping_accuracy(truth, plain_ids),
            "p_pa": parsing_accuracy(truth, plain_texts),
            "p_fga": f1_grouping_accuracy(truth, plain_ids),
            "ga": grouping_accuracy(truth, ids),
            "pa": parsing_accuracy(truth, texts),
            "fga": f1_grouping_accuracy(truth, ids),
            "d_ga": grouping_accuracy(truth, d_ids),
            "d_pa": parsing_accuracy(truth, d_texts),
            "d_fga": f1_grouping_accuracy(truth, d_ids),
        }
        sums.update(row)
        wins += row["ga"] + row["pa"] > row["d_ga"] + row["d_pa"]
        print(
            f"{system:<12} {row['ga']:6.3f} {row['pa']:6.3f} {row['fga']:6.3f} | "
            f"{row['d_ga']:6.3f} {row['d_pa']:6.3f} {row['d_fga']:6.3f}"
        )
    n = len(SYSTEMS)
    print("-" * len(header))
    print(
        f"{'average':<12} {sums['ga'] / n:6.3f} {sums['pa'] / n:6.3f} {sums['fga'] / n:6.3f} | "
        f"{sums['d_ga'] / n:6.3f} {sums['d_pa'] / n:6.3f} {sums['d_fga'] / n:6.3f}"
    )
    print(
        f"{'drain3 without the _ delimiter, average':<12} GA {sums['p_ga'] / n:6.3f} "
        f"PA {sums['p_pa'] / n:6.3f} FGA {sums['p_fga'] / n:6.3f}"
    )
    print(f"rlog better (GA+PA) than drain3 on {wins}/{n} systems")

    print("\nspeed (lines/s, same process, one after the other)")
    total = len(all_content)
    r_lps = lines_per_second(lambda: run_rlog(all_content, strip_headers=False), total)
    d_lps = lines_per_second(lambda: run_drain3(all_content), total)
    print(
        f"  Content, 16 x 2k = {total} lines: rlog {r_lps:,.0f}  drain3 {d_lps:,.0f}  "
        f"ratio {r_lps / d_lps:.1f}x"
    )

    print_worst_case()

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.log"
        build_big_file(args.data, args.lines, big)
        lines = big.read_text(encoding="utf-8").splitlines()
    r_lps = lines_per_second(lambda: run_rlog(lines, strip_headers=True), len(lines))
    d_lps = lines_per_second(lambda: run_drain3(lines), len(lines))
    print(
        f"  raw lines, {len(lines):,} replicated: rlog {r_lps:,.0f}  drain3 {d_lps:,.0f}  "
        f"ratio {r_lps / d_lps:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
