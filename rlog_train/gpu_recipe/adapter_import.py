"""Back to the product in one command: what the GPU run returned, as a shipped-adapter candidate.

``scripts/gpu_recipe.sh import OUT_DIR`` takes the run's last adapter (``grpo/``, else ``sft/``),
converts it to a GGUF LoRA for the embedded base with ``rlog-quantize adapter --order
answer-first`` (the order it was trained in, recorded in the GGUF), evaluates it and the shipped
adapter through llama.cpp with ``rlog-train eval`` on the same sample, prints the comparison
(the candidate's row is the README's), and decides.

Why the rule is strict: the shipped adapter is what every user runs. The candidate replaces it
only when its headline score (``rlog_train.evaluate.headline_score``: each set's main metric, the
mean) is higher on the README's own sample; a smaller sample (``--limit``, for a quick look) gives
a decision but never replaces. Replacing also recalibrates the screener's thresholds
(``rlog-train calibrate``), which belong to the adapter they were fitted on. The shipped
adapter's evaluation is cached under ``.cache/recipe-import`` by its sha256 and the sample.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rlog_train.evaluate.report import headline_score
from rlog_train.gpu_recipe.guarded_run import ADAPTER_FILES

README_SAMPLE = {"limit": 50, "per_unseen_system": 20}
"""The README table's sample (with ``--tasks all --max-tokens 256 --seed 0 --fast``)."""
CACHE = Path(".cache/recipe-import")


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether the candidate replaces the shipped adapter, and why."""

    replace: bool
    reason: str


def returned_adapter(out_dir: Path) -> Path:
    """The run's last adapter folder in what came back: GRPO's if it finished, else SFT's."""
    for stage in ("grpo", "sft"):
        folder = out_dir / stage
        if all((folder / name).is_file() for name in ADAPTER_FILES):
            return folder
    raise FileNotFoundError(f"{out_dir}: no grpo/ or sft/ folder with {', '.join(ADAPTER_FILES)}")


def decide(shipped: dict, candidate: dict, readme_sample: bool) -> Decision:
    """Replace only on a higher headline score on the README's sample."""
    old, new = headline_score(shipped["metrics"]), headline_score(candidate["metrics"])
    figures = f"headline {new:.3f} vs shipped {old:.3f}"
    if new <= old:
        return Decision(False, f"keeps the shipped adapter: {figures}")
    if not readme_sample:
        return Decision(False, f"better on this small sample ({figures}); rerun without --limit")
    return Decision(True, f"replaces the shipped adapter: {figures}")


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _eval(adapter: Path, out: Path, limit: int, per_unseen: int) -> dict:
    if not (out / "eval.json").is_file():
        subprocess.run(
            [_tool("rlog-train"), "eval", "--adapter", str(adapter), "--fast", "--tasks", "all",
             "--limit", str(limit), "--per-unseen-system", str(per_unseen), "--max-tokens", "256",
             "--seed", "0", "--threads", "1", "--out", str(out)],
            check=True,
        )  # fmt: skip
    return json.loads((out / "eval.json").read_text())


def _sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def import_run(out_dir: Path, limit: int, per_unseen: int, replace_allowed: bool) -> Decision:
    """Convert, evaluate beside the shipped adapter, print the rows, decide (and maybe replace)."""
    from rlog_tui.models import embedded_adapter_path, embedded_model_path

    adapter_dir = returned_adapter(out_dir)
    shipped = embedded_adapter_path()
    if shipped is None:
        raise FileNotFoundError("this build ships no adapter to compare with")
    sample = f"l{limit}-u{per_unseen}"
    work = CACHE / f"{out_dir.resolve().name}-{adapter_dir.name}"
    work.mkdir(parents=True, exist_ok=True)
    candidate_gguf = work / "candidate.gguf"
    subprocess.run(
        [_tool("rlog-quantize"), "adapter", str(adapter_dir), "--base", str(embedded_model_path()),
         "--order", "answer-first", "-o", str(candidate_gguf)],
        check=True,
    )  # fmt: skip
    shipped_eval = CACHE / f"shipped-{_sha12(shipped)}-{sample}"
    old = _eval(shipped, shipped_eval, limit, per_unseen)
    candidate_eval = work / f"eval-{_sha12(candidate_gguf)}-{sample}"
    new = _eval(candidate_gguf, candidate_eval, limit, per_unseen)
    name = f"GPU recipe ({adapter_dir.name}, answer-first), fast"
    table = subprocess.run(
        [_tool("rlog-train"), "compare", f"rlog-270m (shipped), fast={shipped_eval}",
         f"{name}={candidate_eval}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    print(table)
    readme = limit == README_SAMPLE["limit"] and per_unseen == README_SAMPLE["per_unseen_system"]
    decision = decide(old, new, readme)
    if decision.replace and replace_allowed:
        calibration = work / "candidate.calibration.json"
        subprocess.run(
            [_tool("rlog-train"), "calibrate", "--adapter", str(candidate_gguf),
             "--out", str(calibration), "--threads", "1"],
            check=True,
        )  # fmt: skip
        shutil.copy(candidate_gguf, shipped)
        shutil.copy(calibration, shipped.with_name(shipped.stem + ".calibration.json"))
        print(f"replaced {shipped} and its calibration; update the README row and MODEL_CARD.md")
    elif decision.replace:
        decision = Decision(False, decision.reason + " (--decide-only: nothing replaced)")
    print(decision.reason)
    return decision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import what the GPU run returned.")
    parser.add_argument("out_dir", type=Path, help="the files that came back from $OUT")
    parser.add_argument("--limit", type=int, default=README_SAMPLE["limit"])
    parser.add_argument("--per-unseen-system", type=int, default=README_SAMPLE["per_unseen_system"])
    parser.add_argument("--decide-only", action="store_true", help="never replace the adapter")
    args = parser.parse_args(argv)
    try:
        import_run(args.out_dir, args.limit, args.per_unseen_system, not args.decide_only)
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        print(f"gpu_recipe import: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
