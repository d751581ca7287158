#!/usr/bin/env bash
# tests/fuzz/run.sh: runs the API-sequence fuzzer (fuzz-api.c) for a while.
#
#   tests/fuzz/run.sh [SECONDS [BUILDDIR]]
#
# SECONDS defaults to 30 (the CI run); BUILDDIR to build-asan/, configured
# with clang, -Db_sanitize=address,undefined and -Dfuzzing=true (as
# tests/sanitizers/run.sh does). The corpus grows in BUILDDIR/fuzz-corpus,
# seeded from tests/fuzz/corpus; a crash, a leak or a hang leaves its input
# in BUILDDIR/fuzz-artifacts and fails the run. For a long run:
#
#   tests/fuzz/run.sh 3600 build-asan     (an hour; see docs/reliability.md)
#
# Extra libFuzzer flags go in CG_FUZZ_FLAGS, e.g. CG_FUZZ_FLAGS=-jobs=2.
set -euo pipefail

src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
seconds=${1:-30}
build=${2:-$src/build-asan}
fuzzer=$build/tests/fuzz/fuzz-api

if [[ ! -x $fuzzer ]]; then
  echo "fuzz: $fuzzer is not built; configure $build with clang," \
       "-Db_sanitize=address,undefined and -Dfuzzing=true" >&2
  exit 1
fi

corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
cp -n "$src"/tests/fuzz/corpus/* "$corpus"/ 2>/dev/null || true

# Leak checks per input, with the suppressions of the other sanitizer
# runs (GLib's one-time allocations).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:fast_unwind_on_malloc=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

start=$SECONDS
log=$(mktemp)
# -max_len: an input is read as at most 64 operations of a few bytes.
# -timeout: one input may not take 20 s (every wait inside is bounded).
# shellcheck disable=SC2086
if ! "$fuzzer" -max_total_time="$seconds" -max_len=512 -timeout=20 -rss_limit_mb=4096 \
     -print_final_stats=1 -artifact_prefix="$artifacts/" ${CG_FUZZ_FLAGS:-} \
     "$corpus" >"$log" 2>&1; then
  tail -n 80 "$log"
  echo "fuzz: FAILED after $((SECONDS - start)) s; the input is in $artifacts" >&2
  rm -f "$log"
  exit 1
fi

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
echo "fuzz: clean run of $((SECONDS - start)) s, ${runs:-?} inputs, $cov," \
     "corpus $(ls "$corpus" | wc -l) inputs"
rm -f "$log"
