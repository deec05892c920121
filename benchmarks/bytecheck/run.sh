#!/usr/bin/env bash
# Byte-identity check of a refactoring: every FlatBuffer the test suite exports, and every lit input that converts,
# at BASE_REF and at the work tree, compared file by file (differences only in min_runtime_version are listed apart).
# usage: benchmarks/bytecheck/run.sh BASE_REF [OUT_DIR]     (two full test runs: ~15 min on 2 cores)
# Compare full runs only: Keras names layers from global counters, so a partial run shifts names and seeds.
set -euo pipefail
base_ref=$1
out=${2:-/tmp/tflc-bytecheck}
here=$(git rev-parse --show-toplevel)
py=$here/.venv/bin/python
mkdir -p "$out"
git -C "$here" worktree add -f --detach "$out/base-tree" "$base_ref" >/dev/null
trap 'git -C "$here" worktree remove --force "$out/base-tree"' EXIT
for side in base new; do
  tree=$here; [ "$side" = base ] && tree=$out/base-tree
  (cd "$tree" && "$py" setup.py -q build_ext --inplace >/dev/null 2>&1)
  rm -rf "${out:?}/$side"; mkdir -p "$out/$side"
  (cd "$tree" && PYTHONPATH=$here/benchmarks/bytecheck:$tree BYTECHECK_DIR=$out/$side \
     "$py" -m pytest -q -p no:cacheprovider -p plugin_bytecheck tests >"$out/$side/pytest.log" 2>&1 || true)
  (cd "$tree" && PYTHONPATH=$tree "$py" "$here/benchmarks/bytecheck/lit_export.py" "$out/$side/lit.json")
done
"$py" "$here/benchmarks/bytecheck/compare.py" "$out/base" "$out/new"
