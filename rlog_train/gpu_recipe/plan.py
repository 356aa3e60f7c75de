"""The plan of device calls, and how the training call's seconds are shared between its stages.

Why one plan: the machine gives 15 minutes in all, machine starts and idle waits included, and
there is no second chance. The first call is a short smoke test (wheels install, every import of
the run path, the GPU, its parts' checksums, how long it all took) that also carries the first
slice of the inputs; every later call carries the next slice, and the last one trains. Each call
re-installs the wheels, so only the slices depend on the machine staying warm, and the training
call checks every slice's sha256 before joining (``carry``), naming the call to repeat.

Inside the training call the run gets a deadline (``time_guard``): SFT may use ``SFT_SHARE`` of
what is left when it starts; its adapter and evaluation go to ``$OUT``; GRPO gets what is left
but the time the final evaluation needs (the SFT evaluation's, times ``EVAL_SLACK``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rlog_train.gpu_recipe.machine import CALL_SECONDS, SESSION_SECONDS, WARM_SECONDS


@dataclass(frozen=True, slots=True)
class Stage:
    """One line of the training call's time budget."""

    name: str
    seconds: float
    note: str


CARRY_ROOT = ".cache/gpu"
WHEELS = f"{CARRY_ROOT}/whl"
INPUTS_THERE = "/tmp/rlog_in"
SFT_SHARE = 0.45
EVAL_SLACK = 1.25
SAVE_SECONDS = 20
"""Saving an adapter and copying it to ``$OUT``, per stage."""
EXIT_MARGIN = 30
"""The run's deadline is this much before the call's limit: output flushed, files listed."""
MIN_GRPO_SECONDS = 45
START_SECONDS = 120
"""A machine start, as budgeted (it takes "minutes"; seen 1-2)."""
SMOKE_SECONDS = 120
SETUP_SECONDS = 45
"""Wheels, join and the base's load before the run's first step (the rehearsal measures it)."""


def training_budget(limit: int = CALL_SECONDS, eval_seconds: float = 40.0) -> list[Stage]:
    """The training call's stages at ``limit`` seconds, with ``eval_seconds`` per evaluation."""
    run = limit - EXIT_MARGIN - SETUP_SECONDS
    sft = SFT_SHARE * run
    grpo = run - sft - 2 * (eval_seconds * EVAL_SLACK + SAVE_SECONDS)
    return [
        Stage("setup", SETUP_SECONDS, "wheels, sha256 check + join, base load"),
        Stage("sft", sft, f"{SFT_SHARE:.0%} of the run; the guard stops it at its share"),
        Stage("sft eval + copy", eval_seconds * EVAL_SLACK + SAVE_SECONDS, "$OUT/sft/ before GRPO"),
        Stage("grpo", grpo, "until the final evaluation's time is all that is left"),
        Stage("grpo eval + copy", eval_seconds * EVAL_SLACK + SAVE_SECONDS, "$OUT/grpo/"),
        Stage("margin", EXIT_MARGIN, "deadline = call start + timeout_s - margin"),
    ]


def session_seconds(carry_calls: int, limit: int = CALL_SECONDS) -> int:
    """Device time the whole plan takes at worst: one start, every call at its limit, an idle
    gap before each call after the first, and ``give_back`` at once after the last."""
    calls = max(2, carry_calls)
    middle = (calls - 2) * 60
    return START_SECONDS + SMOKE_SECONDS + middle + (calls - 1) * WARM_SECONDS + limit


def _install(wheels: str = WHEELS) -> str:
    return (
        "python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade "
        f"--target /tmp/site {wheels}/*.whl && export PYTHONPATH=/tmp/site:$PWD"
    )


def render_calls(carry_calls: int, limit: int = CALL_SECONDS) -> str:
    """The calls to make, in order, with what each carries, its limit and its command."""
    total = session_seconds(carry_calls, limit)
    lines = [
        f"# {carry_calls + (carry_calls == 1)} device calls, back to back; worst case "
        f"{total} s of the {SESSION_SECONDS} s a session has. Ask `status` first: "
        f"budget_left_s >= {total}.",
        "# Each call's files stay on the machine only while it is warm "
        f"({WARM_SECONDS} s after a call returns): make the next call at once.",
    ]
    smoke_carry = [WHEELS] + ([f"{CARRY_ROOT}/call1"] if carry_calls > 1 else [])
    lines += [
        "",
        f"# call 1: smoke test ({SMOKE_SECONDS} s at most; starts the machine)",
        f"carry: {smoke_carry!r}   timeout_s: {SMOKE_SECONDS}",
        f"set -o pipefail; {_install()} && PYTHONUNBUFFERED=1 python3 scripts/gpu_recipe.py smoke "
        f"{CARRY_ROOT} --calls {1 if carry_calls > 1 else 0} 2>&1 | tee $OUT/smoke.log",
        "# go on only if it ends with SMOKE OK",
    ]
    for call in range(2, carry_calls):
        lines += [
            "",
            f"# call {call}: carry slice {call} and check slices 1..{call} (60 s)",
            f"carry: {[f'{CARRY_ROOT}/call{call}']!r}   timeout_s: 60",
            f"python3 scripts/gpu_recipe.py check {CARRY_ROOT} --calls 1-{call}",
        ]
    last = max(2, carry_calls)
    deadline = f"$(( $(date +%s) + {limit} - {EXIT_MARGIN} ))"
    lines += [
        "",
        f"# call {last}: train ({limit} s; timeout_s = min({limit}, budget_left_s - 60), and the "
        "same number in the command)",
        f"carry: {[WHEELS, f'{CARRY_ROOT}/call{carry_calls}']!r}   timeout_s: {limit}",
        f"D={deadline}; set -o pipefail; {{ {_install()} && python3 scripts/gpu_recipe.py join "
        f"{CARRY_ROOT} {INPUTS_THERE} && PYTHONUNBUFFERED=1 python3 scripts/gpu_recipe.py run "
        f"{INPUTS_THERE} --out $OUT --deadline $D; }} 2>&1 | tee $OUT/log",
        "",
        f"# If call {last} says a part of an earlier call is missing, the machine went cold: "
        f"repeat from call 1 (one more start, ~{START_SECONDS} s), if status still shows "
        "budget_left_s for it; with less, lower the training call's timeout_s (the guard "
        "shares whatever it gets).",
        "# Then give_back at once; back here: scripts/gpu_recipe.sh import FILES_AT (what came "
        "back).",
        "",
        f"# training call at {limit} s, per stage (evaluation estimated at 40 s):",
    ]
    lines += [f"#   {s.name:<17} {s.seconds:6.0f} s  {s.note}" for s in training_budget(limit)]
    return "\n".join(lines)
