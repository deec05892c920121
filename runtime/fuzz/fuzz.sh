#!/usr/bin/env bash
# Fuzzes the C runtime (runtime/src) with AddressSanitizer + UndefinedBehaviorSanitizer: `make fuzz` runs this.
#
#   1. Builds runtime/fuzz/fuzz_tflrt.c with every runtime source except module.c (no Python) into $FUZZ_DIR
#      (default build/fuzz); the normal runtime/_tflrt*.so is never touched. With clang (installed with apt-get when
#      missing and this runs as root) the harness is a coverage-guided libFuzzer binary; otherwise a standalone driver
#      built with $CC (no coverage feedback, same mutator).
#   2. Writes the seed corpus, small real models that both ai_edge_litert and our runtime run (float32, int8, int16x8,
#      float16, dynamic range, dynamic shapes, IF/WHILE, two signatures, fused LSTM, and a Flex model), with
#      `tests/test_runtime_fuzz.py --write-seeds` (needs the venv from `make setup`: TensorFlow).
#   3. Runs FUZZ_RUNS mutated inputs (create -> allocate -> invoke with zero- then one-filled inputs; per-input
#      timeout, WHILE bound and 4 MiB tensor bound; see the header of fuzz_tflrt.c for the mutations) and prints
#      inputs, wall time, inputs/s, edge coverage and crashes. A crash's input is saved under $FUZZ_DIR/crashes/.
#      A crash does not end the run (libFuzzer's fork mode; the standalone driver restarts, up to FUZZ_MAX_CRASHES).
#
# Environment: FUZZ_UBSAN_FATAL (1: a UBSan report is a crash), FUZZ_RUNS (1000000), FUZZ_SECONDS (0 = no limit; stops earlier when reached), FUZZ_TIMEOUT (10 s per
# input), FUZZ_SEED (1), FUZZ_ENGINE (auto | libfuzzer | standalone), FUZZ_DIR (build/fuzz), FUZZ_FRESH=1 (start from
# the seeds only; otherwise libFuzzer keeps growing $FUZZ_DIR/corpus across runs), FUZZ_MAX_CRASHES (20),
# TFLRT_FUZZ_THREADS (interpreter threads, 1), PY (.venv/bin/python), CC (cc, standalone only).
# Exit status: 0 when no input crashed.
#
# Other uses:   runtime/fuzz/fuzz.sh repro FILE...   run saved inputs through the instrumented build
#               runtime/fuzz/fuzz.sh minimize FILE   shrink a crashing input (libFuzzer build only)
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PY:-.venv/bin/python}
OUT=${FUZZ_DIR:-build/fuzz}
RUNS=${FUZZ_RUNS:-1000000}
MAX_SECONDS=${FUZZ_SECONDS:-0}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RNG=${FUZZ_SEED:-1}
ENGINE=${FUZZ_ENGINE:-auto}
MAX_CRASHES=${FUZZ_MAX_CRASHES:-20}
mkdir -p "$OUT/crashes"

FUZZ_UBSAN_FATAL=${FUZZ_UBSAN_FATAL:-1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:handle_abort=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=${FUZZ_UBSAN_FATAL:-0}:abort_on_error=1}

# ---- 1. engine and build ----
have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  local t
  t=$(mktemp -d)
  printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$t/t.c"
  clang -fsanitize=fuzzer,address,undefined "$t/t.c" -o "$t/t" >/dev/null 2>&1
  local rc=$?
  rm -rf "$t"
  return $rc
}

if [ "$ENGINE" = auto ] || [ "$ENGINE" = libfuzzer ]; then
  if ! have_libfuzzer && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "fuzz: installing clang (Debian package) for libFuzzer"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang; } >"$OUT/apt.log" 2>&1 || true
  fi
  if have_libfuzzer; then
    ENGINE=libfuzzer
  elif [ "$ENGINE" = libfuzzer ]; then
    echo "fuzz: clang with libFuzzer is not available" >&2
    exit 2
  else
    echo "fuzz: no clang with libFuzzer; falling back to the standalone driver (no coverage guidance)"
    ENGINE=standalone
  fi
fi

SRCS=$(ls runtime/src/*.c runtime/src/kernels/*.c | grep -v '/module\.c$')
# By default (FUZZ_UBSAN_FATAL=1) a UBSan report is a crash: its input is saved and counted like any other. In
# libFuzzer's fork mode the output of a child that did not crash is discarded, so non-fatal reports would be lost.
# FUZZ_UBSAN_FATAL=0 prints them and goes on (the standalone driver lists them at the end).
if [ "${FUZZ_UBSAN_FATAL:-0}" = 1 ]; then recover=-fno-sanitize-recover=undefined; else recover=-fsanitize-recover=undefined; fi
CFLAGS=(-std=c11 -O2 -g -fno-omit-frame-pointer -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Iruntime/src
  -fsanitize=address,undefined "$recover")
if [ "$ENGINE" = libfuzzer ]; then
  BIN=$OUT/fuzz_tflrt
  CMD=(clang "${CFLAGS[@]}" -fsanitize=fuzzer)
else
  BIN=$OUT/fuzz_tflrt_standalone
  CMD=("${CC:-cc}" "${CFLAGS[@]}" -DTFLRT_FUZZ_STANDALONE)
fi
# Rebuild when any runtime source or header is newer than the binary.
[ "${FUZZ_UBSAN_FATAL:-0}" = 1 ] && BIN=${BIN}_ubfatal
if [ ! -x "$BIN" ] || [ -n "$(find runtime/src runtime/fuzz -newer "$BIN" \( -name '*.c' -o -name '*.h' \) | head -1)" ]; then
  echo "fuzz: building $BIN ($ENGINE, ASan+UBSan)"
  # shellcheck disable=SC2086
  "${CMD[@]}" runtime/fuzz/fuzz_tflrt.c $SRCS -o "$BIN" -pthread -lm
fi

case "${1:-}" in
  repro)
    shift
    if [ "$ENGINE" = libfuzzer ]; then
      exec "$BIN" -runs=1 "$@"
    fi
    exec "$BIN" --repro "$@"
    ;;
  minimize)
    [ "$ENGINE" = libfuzzer ] || { echo "fuzz: minimize needs the libFuzzer build" >&2; exit 2; }
    exec "$BIN" -minimize_crash=1 -runs=20000 -timeout="$TIMEOUT" -exact_artifact_path="$2.min" "$2"
    ;;
esac

# ---- 2. seeds ----
if ! ls "$OUT"/seeds/*.tflite >/dev/null 2>&1; then
  echo "fuzz: writing seed models to $OUT/seeds"
  [ -x "$PY" ] || { echo "fuzz: $PY not found: run 'make setup' first" >&2; exit 2; }
  "$PY" tests/test_runtime_fuzz.py --write-seeds "$OUT/seeds"
fi
MAXLEN=$(($(wc -c "$OUT"/seeds/*.tflite | sort -n | tail -2 | head -1 | awk '{print $1}') * 2))

# ---- 3. run ----
[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$OUT/corpus"
mkdir -p "$OUT/corpus"
LOG=$OUT/fuzz.log
: >"$LOG"
crashes_before=$(ls "$OUT/crashes" | wc -l)
done_runs=0
ncrash=0
parsed=0 allocated=0 invoked=0
cov=""
start=$(date +%s.%N)
echo "fuzz: $ENGINE, $RUNS inputs$([ "$MAX_SECONDS" != 0 ] && echo " or $MAX_SECONDS s"), seeds: $(ls "$OUT"/seeds/*.tflite | wc -l) models, log: $LOG"
while [ "$done_runs" -lt "$RUNS" ]; do
  left=$((RUNS - done_runs))
  elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%d", e-s}')
  if [ "$MAX_SECONDS" != 0 ] && [ "$elapsed" -ge "$MAX_SECONDS" ]; then break; fi
  part=$OUT/part.log
  set +e
  if [ "$ENGINE" = libfuzzer ]; then
    # Fork mode: inputs run in child processes, and a crash, timeout or OOM is saved and counted, not the end of the run.
    timeflag=()
    [ "$MAX_SECONDS" != 0 ] && timeflag=(-max_total_time=$((MAX_SECONDS - elapsed)))
    "$BIN" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -runs="$left" "${timeflag[@]}" \
      -seed="$RNG" -max_len="$MAXLEN" -len_control=0 -mutate_depth=2 -timeout="$TIMEOUT" -rss_limit_mb=2048 \
      -reload=0 -artifact_prefix="$OUT/crashes/" "$OUT/corpus" "$OUT/seeds" >"$part" 2>&1
    rc=$?
    last=$(grep -a -E '^#[0-9]+: cov:' "$part" | tail -1)
    n=$(echo "$last" | sed -E 's/^#([0-9]+):.*/\1/')
    cov=$(echo "$last" | grep -o 'cov: [0-9]* ft: [0-9]*' || true)
    oomtc=$(echo "$last" | grep -o 'oom/timeout/crash: [0-9/]*' | awk '{print $2}')
    IFS=/ read -r nooms ntimeouts ncrashes <<<"${oomtc:-0/0/0}"
    edges=$(grep -a -o 'Loaded 1 modules *([0-9]* inline 8-bit counters' "$part" | grep -o '([0-9]*' | tr -d '(' || true)
    cat "$part" >>"$LOG"
    done_runs=${n:-0}
    echo "$last"
    ncrash=$((ncrashes + nooms))
    break
  else
    "$BIN" "$left" "$OUT/seeds" "$OUT/crashes" "$((RNG + ncrash))" "$TIMEOUT" >"$part" 2>&1
    rc=$?
    n=$(grep -a -o '^#[0-9]*' "$part" | tail -1 | tr -d '#')
    grep -q '^Done' "$part" && n=$left
  fi
  set -e
  cat "$part" >>"$LOG"
  n=${n:-0}
  done_runs=$((done_runs + n))
  read -r p a i < <(grep -a '^fuzz-stats:' "$part" | tail -1 | awk '{print $4, $6, $9}') || true
  parsed=$((parsed + ${p:-0})) allocated=$((allocated + ${a:-0})) invoked=$((invoked + ${i:-0}))
  grep -a -E 'pulse|DONE|inputs in' "$part" | tail -2 || true
  if [ "$rc" != 0 ]; then
    ncrash=$((ncrash + 1))
    echo "fuzz: CRASH (exit $rc) after $done_runs inputs:"
    grep -a -E '^==[0-9]+==ERROR|runtime error|SUMMARY|Test unit written|reproducer saved|ALARM|timeout|fuzz:' "$part" | head -8 || true
    [ "$ncrash" -ge "$MAX_CRASHES" ] && break
    [ "$n" = 0 ] && [ "$ncrash" -ge 3 ] && break  # crashes at startup
  fi
done
end=$(date +%s.%N)
wall=$(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.1f", e-s}')
rate=$(awk -v n="$done_runs" -v w="$wall" 'BEGIN{printf "%.0f", (w > 0 ? n / w : 0)}')
new_crash=$(($(ls "$OUT/crashes" | wc -l) - crashes_before))
[ -n "${ntimeouts:-}" ] && [ "$ntimeouts" != 0 ] && echo "fuzz: $ntimeouts inputs ran longer than $TIMEOUT s (saved as $OUT/crashes/timeout-*)"
echo "fuzz: $ENGINE (ASan+UBSan): $done_runs inputs in $wall s ($rate inputs/s), $ncrash crashes," \
  "$new_crash new files in $OUT/crashes$([ -n "$cov" ] && echo ", coverage $cov of ${edges:-?} edges")," \
  "corpus $(ls "$OUT/corpus" | wc -l) files"
ub=$(grep -a ': runtime error: ' "$LOG" | awk -F': runtime error: ' '{n[$1]++; if (!($1 in m)) m[$1] = $2}
  END {for (k in n) printf "%7d %s: %s\n", n[k], k, m[k]}' | sort -rn || true)
if [ -n "$ub" ]; then
  echo "fuzz: UBSan reports (not fatal; count = processes that reported the location):"
  echo "$ub"
fi
[ "$ENGINE" = standalone ] &&
  echo "fuzz: inputs that parsed: $parsed; subgraphs allocated: $allocated; invokes completed: $invoked (runs that crashed not counted)"
[ "$ncrash" = 0 ]
