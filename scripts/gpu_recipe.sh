#!/usr/bin/env bash
# The one-GPU recipe (scripts/gpu_recipe.py) from this machine: prepare, plan, rehearse, import.
#
# The GPU machine (one H200/H100, no network, 64 MiB per call, 10 minutes a call, about 15 in all)
# is lent rarely and briefly: the recipe must work on its first try there. So:
#
#   scripts/gpu_recipe.sh prepare         # compact base + examples, wheels it lacks, cut into
#                                         # checksummed slices, one folder per call (.cache/gpu/)
#   scripts/gpu_recipe.sh calls           # the plan: each call's carry, limit and command, and
#                                         # the training call's time per stage
#   scripts/gpu_recipe.sh rehearse        # that plan at tiny size on this CPU, in a side venv with
#                                         # the GPU machine's transformers/accelerate/peft
#   scripts/gpu_recipe.sh import OUT_DIR  # what came back → GGUF → llama.cpp eval beside the
#                                         # shipped adapter → README row; replaces it only if better
#
# .cache/ is ignored by git, so .cache/gpu/* travels only where a call's carry names it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
GPU=.cache/gpu
SIDE=.cache/rehearse-venv
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false

pins() {  # NAME==VERSION of a dict in rlog_train.gpu_recipe.machine
  "$PY" -c "from rlog_train.gpu_recipe import machine as m
print(' '.join(f'{k}=={v}' for k, v in m.$1.items()))"
}

quiet_pip() {  # this machine's pip warns about every package missing from its local indexes
  sed '/^WARNING: Location .* is ignored/d'
}

prepare() {
  rm -rf "$GPU" && mkdir -p "$GPU"
  nice -n 10 "$PY" scripts/gpu_recipe.py prepare "$GPU/in" --body gguf "$@"
  # shellcheck disable=SC2046
  python3 -m pip download -q --no-deps --only-binary=:all: \
    --python-version "$("$PY" -c 'from rlog_train.gpu_recipe.machine import PYTHON; print(PYTHON)')" \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$GPU/whl" $(pins CARRIED) 2>&1 | quiet_pip
  common=$(cat "$GPU"/whl/*.whl | wc -c)
  "$PY" scripts/gpu_recipe.py parts "$GPU/in" "$GPU" --common-bytes "$common"
  du -sh "$GPU"/call* "$GPU/whl"
}

calls() {
  [ -f "$GPU/call1/manifest.json" ] || { echo "no slices: run scripts/gpu_recipe.sh prepare" >&2; exit 1; }
  "$PY" scripts/gpu_recipe.py calls "$GPU"
}

side_venv() {  # the GPU machine's versions, the carried wheels, and nothing it lacks
  local stamp
  stamp="$(pins REHEARSED) $(pins CARRIED)"
  [ "$(cat "$SIDE/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  echo "rehearse: building $SIDE (PyPI; once)"
  rm -rf "$SIDE" && python3 -m venv "$SIDE"
  # shellcheck disable=SC2046
  nice -n 10 "$SIDE/bin/python" -m pip install -q $(pins REHEARSED) $(pins CARRIED) \
    2>&1 | quiet_pip
  "$SIDE/bin/python" -m pip uninstall -q -y $("$PY" -c "
import sys
from rlog_train.gpu_recipe.machine import available
print(' '.join(n for n in sys.argv[1:] if not available(n)))" \
    $("$SIDE/bin/python" -m pip list --format=freeze | cut -d= -f1)) 2>/dev/null || true
  echo "$stamp" > "$SIDE/.stamp"
}

rehearse() {
  side_venv
  [ -f "$GPU/call1/manifest.json" ] || prepare
  # A budget long enough for every stage to run once on a busy 2-core CPU: the rehearsal checks
  # paths; tests/test_gpu_recipe_time_guard.py checks the guard.
  local r=.cache/rehearsal dev out budget=${BUDGET_S:-1800}
  rm -rf "$r" && mkdir -p "$r/device/$GPU" "$r/OUT"
  dev="$r/device" out="$(pwd)/$r/OUT"
  # The device's copy of the working tree: tracked and untracked-not-ignored files.
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$dev" 2>/dev/null || true
  local side_py
  side_py="$(pwd)/$SIDE/bin/python"
  echo "== call 1: smoke (carry whl, call1)"
  cp -r "$GPU/whl" "$GPU/call1" "$dev/$GPU/"
  (cd "$dev" && "$side_py" scripts/gpu_recipe.py smoke "$GPU" --calls 1 --allow-cpu) | sed 's/^/   /'
  last=$(find "$GPU" -maxdepth 1 -name 'call*' | wc -l)
  cp -r "$GPU/call$last" "$dev/$GPU/"
  if [ "$last" -gt 1 ]; then
    echo "== the machine went cold before call $last: the join must refuse"
    mv "$dev/$GPU/call1" "$r/call1.away"
    if (cd "$dev" && "$side_py" scripts/gpu_recipe.py join "$GPU" /tmp/rlog_in_cold 2>&1); then
      echo "rehearse: FAILED: the join went on without call 1's slices" >&2; exit 1
    fi | sed 's/^/   /'
    mv "$r/call1.away" "$dev/$GPU/call1"
  fi
  echo "== call $last: join + guarded run, tiny sizes, deadline in ${budget} s"
  (
    cd "$dev"
    D=$(( $(date +%s) + budget - 30 )); set -o pipefail
    { "$side_py" scripts/gpu_recipe.py join "$GPU" /tmp/rlog_in_rehearsal \
      && PYTHONUNBUFFERED=1 nice -n 10 "$side_py" scripts/gpu_recipe.py run /tmp/rlog_in_rehearsal \
        --out "$out" --deadline "$D" --tiny; } 2>&1 | tee "$out/log" | grep -E '^\[recipe\]|^\||^seconds|joined|Error|error' | cut -c1-220
  )
  rm -rf /tmp/rlog_in_rehearsal
  "$PY" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
end = json.loads((out / "run.json").read_text())["stages"]["end"]
files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
print(f"== $OUT: {len(files)} files: {', '.join(files)}")
print(f"   imported but not on the GPU machine nor carried: {end['missing_on_machine'] or 'none'}")
print(f"   would not come back: {end['out_problems'] or 'nothing'}")
sys.exit(1 if end["missing_on_machine"] or end["out_problems"] else 0)
PY
  cat <<'NOTE'
rehearse: OK. Checked: every import, path, size and the join of the GPU command, under
transformers 5.17.0 / accelerate 1.15.0 / peft 0.21.2 and the carried wheels. Not checked here:
torch 2.11 + CUDA (torch is the local CPU 2.13.0: bf16, GPU kernels and memory), python 3.12
(local 3.11), the pip --target install line (the wheels are built for 3.12), the machine's peft
version (undocumented: the smoke call prints it), and the real sizes' speed (the time guard).
NOTE
}

import_run() {
  [ $# -ge 1 ] || { echo "usage: scripts/gpu_recipe.sh import OUT_DIR [--limit N --per-unseen-system N] [--decide-only]" >&2; exit 2; }
  nice -n 10 "$PY" -m rlog_train.gpu_recipe.adapter_import "$@"
}

case "${1:-}" in
  prepare|calls|rehearse) cmd=$1; shift; "$cmd" "$@" ;;
  import) shift; import_run "$@" ;;
  *) echo "usage: scripts/gpu_recipe.sh prepare|calls|rehearse|import OUT_DIR" >&2; exit 2 ;;
esac
