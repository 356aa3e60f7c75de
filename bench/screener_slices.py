"""The screener through the product path: `rlog-tui analyze FILE --all --json` on labelled slices.

Why: A.D. figures from the evaluator score one prompt per test item; on call the screener mines a
file into templates, scores one line per template and flags every line of a flagged template. This
bench writes real log slices to files, runs the installed command on each (a fresh verdict cache
per run), maps every line to its template by mining the file again with the same miner (same ids,
deterministic), and reports line-level precision, recall and F1 of the flags, and the share of
lines flagged, beside the level-keyword baseline (ERROR or worse = abnormal,
`rlog_tui.source.formats.levels`) on the same lines.

Slices (none is training data):
* `BGL 2k, LineId > 200`: Loghub-2k BGL raw lines (headers included) after the 200 that log
  parsing trains on; Loghub's line labels (`-` = normal).
* `A.D. test BGL` / `A.D. test Spirit`: the LogPrompt test templates of each system (labels fixed
  by anomaly_patch.json), one line each, as the evaluator sees them.
* `HDFS 2k, LineId > 200`: unlabelled, almost all routine: the share flagged is the false alarms.

Run: `.venv/bin/python bench/screener_slices.py [--adapter X.gguf] [--slices NAME,…]`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def loghub_slice(data: Path, system: str) -> tuple[list[str], list[str] | None]:
    """Raw lines with LineId > 200, and their labels when Loghub has them."""
    raw = (data / "loghub" / system / f"{system}_2k.log").read_text(encoding="utf-8").splitlines()
    with (data / "loghub" / system / f"{system}_2k.log_structured.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keep = [i for i, row in enumerate(rows) if int(row["LineId"]) > 200]
    labels = None
    if "Label" in rows[0]:
        labels = ["normal" if rows[i]["Label"] == "-" else "abnormal" for i in keep]
    return [raw[i] for i in keep], labels


def anomaly_test_slice(system: str) -> tuple[list[str], list[str]]:
    from rlog_train.data import load_split
    from rlog_tui.protocol import Task

    examples = [e for e in load_split(Task.ANOMALY, "test") if e.system == system]
    return [e.input for e in examples], [e.label for e in examples]


def analyze_report(log: Path, model_args: Sequence[str]) -> dict:
    """``rlog-tui analyze LOG --all --json`` (one thread) with a fresh verdict cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache, OMP_NUM_THREADS="1")
        rlog = [str(Path(sys.executable).parent / "rlog-tui"), "analyze", str(log), "--all"]
        done = subprocess.run(
            [*rlog, "--json", "--threads", "1", *model_args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    if done.returncode not in (0, 3):
        raise SystemExit(f"analyze failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def screen(lines: Sequence[str], model_args: Sequence[str]) -> tuple[list[str], dict]:
    """Each line's verdict from `rlog-tui analyze --all --json` (fresh cache), and the report."""
    from rlog_tui.templates import TemplateMiner

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "slice.log"
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        report = analyze_report(log, model_args)
    verdict = {row["template_id"]: row["verdict"] for row in report["templates"]}
    miner = TemplateMiner()
    return [verdict.get(miner.add(line).template_id, "unscreened") for line in lines], report


def figures(flags: Sequence[bool], labels: Sequence[str] | None) -> dict[str, float | int]:
    result: dict[str, float | int] = {"lines": len(flags), "flagged": sum(flags)}
    result["flagged_share"] = sum(flags) / len(flags) if flags else 0.0
    if labels is None:
        return result
    truth = [label == "abnormal" for label in labels]
    tp = sum(f and t for f, t in zip(flags, truth, strict=True))
    precision = tp / sum(flags) if sum(flags) else 0.0
    recall = tp / sum(truth) if sum(truth) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    result.update(abnormal=sum(truth), precision=precision, recall=recall, f1=f1)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    from templates import machine

    from rlog_tui.source.formats.levels import Level, detect_level

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--adapter", help="GGUF adapter (default: the shipped one; 'none': bare)")
    parser.add_argument("--slices", default="bgl,ad-bgl,ad-spirit,hdfs")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    model_args = ["--adapter", args.adapter] if args.adapter else []
    slices = {
        "bgl": ("BGL 2k, LineId > 200", lambda: loghub_slice(args.data, "BGL")),
        "ad-bgl": ("A.D. test BGL", lambda: anomaly_test_slice("BGL")),
        "ad-spirit": ("A.D. test Spirit", lambda: anomaly_test_slice("Spirit")),
        "hdfs": ("HDFS 2k, LineId > 200", lambda: loghub_slice(args.data, "HDFS")),
    }
    print(f"machine: {machine()}; adapter: {args.adapter or 'shipped'}")
    print(
        "| slice | lines | abnormal | templates | model calls | screener P / R / F1 | flagged | "
        "keywords P / R / F1 | keywords flagged |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    results = {}
    for key in args.slices.split(","):
        name, load = slices[key]
        lines, labels = load()
        verdicts, report = screen(lines, model_args)
        model = figures([v == "abnormal" for v in verdicts], labels)
        keywords = figures([detect_level(line) >= Level.ERROR for line in lines], labels)
        results[key] = {"model": model, "keywords": keywords, "thresholds": report["thresholds"]}

        def prf(f: dict) -> str:
            return f"{f['precision']:.3f} / {f['recall']:.3f} / {f['f1']:.3f}" if "f1" in f else "–"

        print(
            f"| {name} | {len(lines)} | {model.get('abnormal', '–')} | {len(report['templates'])} "
            f"| {report['model_calls']} | {prf(model)} | {model['flagged_share']:.1%} "
            f"| {prf(keywords)} | {keywords['flagged_share']:.1%} |"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
