"""Does the screener flag each sample's incident, per log format, through the product path?

Why: issue 15's fixtures are one realistic incident log per format (``samples/``); recognising the
format and grouping entries (``bench/formats.py``) is only useful on call if the screener then
points at the incident. For each sample this runs ``rlog-tui analyze FILE --all --json`` (fresh
verdict cache, one thread) and reads, per template, its verdict and its first line in the file.
A template is an *incident template* when that raw line matches the sample's incident pattern
(what ``samples/README.md`` says happens in it). Reported per sample: templates, incident
templates flagged, other templates flagged (false alarms), and the level-keyword baseline
(``rlog_tui.source.formats.levels``: ERROR or worse on the same raw line) on the same templates.

Run: ``.venv/bin/python bench/format_flags.py [--adapter X.gguf]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from screener_slices import analyze_report  # noqa: E402

from rlog_tui.source.formats.levels import Level, detect_level  # noqa: E402

INCIDENTS = {
    "hdfs-incident.log": r"Got exception while serving",
    "apache-incident.log": r"error state",
    "bgl-incident.log": r"\bFATAL\b",
    "java-trace-incident.log": r"Checkout failed|sync failed",
    "payments-jsonl-incident.log": r"connection refused|exhausted|panic",
    "nginx-access-incident.log": r'" 50[234] ',
}
"""Each sample's incident, as a pattern on a template's first raw line (samples/README.md)."""


def main() -> int:
    from templates import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", help="GGUF adapter (default: the shipped one; 'none': bare)")
    args = parser.parse_args()
    model_args = ["--adapter", args.adapter] if args.adapter else []
    print(f"machine: {machine()}; adapter: {args.adapter or 'shipped'}")
    print(
        "| sample | format | templates | incident templates flagged | other templates flagged "
        "| keywords: incident / other flagged |"
    )
    print("|---|---|---|---|---|---|")
    for name, pattern in INCIDENTS.items():
        log = ROOT / "samples" / name
        raw = log.read_text(encoding="utf-8").splitlines()
        report = analyze_report(log, model_args)
        incident, other, kw_incident, kw_other = [0, 0], [0, 0], 0, 0
        for row in report["templates"]:
            first = raw[row["first_lines"][0] - 1]
            hit = re.search(pattern, first) is not None
            tally = incident if hit else other
            tally[1] += 1
            tally[0] += row["verdict"] == "abnormal"
            keyword = detect_level(first) >= Level.ERROR
            kw_incident += hit and keyword
            kw_other += not hit and keyword
        print(
            f"| {name} | {report['format']} | {len(report['templates'])} "
            f"| {incident[0]} of {incident[1]} | {other[0]} of {other[1]} "
            f"| {kw_incident} of {incident[1]} / {kw_other} of {other[1]} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
