#!/usr/bin/env bash
# CPU-side preparation of the one-GPU recipe (scripts/gpu_recipe.py), and the device calls to make.
#
# The GPU machine has no network and takes at most 64 MiB per call (working tree + carried paths).
# What travels, in two calls back to back (a warm machine keeps call 1's files for call 2):
#   .gpu/part0/        the first half of the compact base's quantized body.gguf   (call 1)
#   .gpu/rest/in/      the rest of the compact base, train.json, eval.json         (call 2)
#   .gpu/rest/whl/     wheels missing there: trl, datasets (+dill, multiprocess), gguf
# .gpu/ is ignored by git (.git/info/exclude) so it travels only when carried.
#
#   scripts/gpu_recipe.sh prepare   # build .gpu/in, split the body, fetch the wheels
#   scripts/gpu_recipe.sh calls     # print the two device commands to run back to back
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PART=${PART:-40m}

prepare() {
  mkdir -p .gpu
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 "$PY" scripts/gpu_recipe.py prepare .gpu/rest/in --body gguf
  # Split the quantized body so each call stays under 64 MiB; the device command joins it.
  (cd .gpu/rest/in/base && split -b "$PART" -d body.gguf body.gguf.part && rm body.gguf)
  mkdir -p .gpu/part0 && mv .gpu/rest/in/base/body.gguf.part00 .gpu/part0/
  python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .gpu/rest/whl \
    trl==1.16.0 datasets==5.2.0 "dill<0.4.2" "multiprocess<0.70.20" gguf==0.19.0
  du -sh .gpu/part0 .gpu/rest
}

calls() {
  cat <<'CALLS'
# call 1 (starts the machine; its files stay while it is warm, 30 s):
carry: [".gpu/part0"]   command: ls -la .gpu/part0
# call 2, at once:
carry: [".gpu/rest"]    timeout_s: 600   command:
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .gpu/rest/whl/*.whl \
 && export PYTHONPATH=/tmp/site:$PWD \
 && cat .gpu/part0/body.gguf.part00 .gpu/rest/in/base/body.gguf.part01 > .gpu/rest/in/base/body.gguf \
 && PYTHONUNBUFFERED=1 python3 scripts/gpu_recipe.py run .gpu/rest/in --out "$OUT" 2>&1 | tee "$OUT/log"
CALLS
}

"${1:-prepare}"
