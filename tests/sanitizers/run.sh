#!/usr/bin/env bash
# tests/sanitizers/run.sh: the C tests under sanitizers, valgrind and a
# short fuzzing run. Called by run-tests.sh in CI; run it alone from
# anywhere:
#
#   tests/sanitizers/run.sh            everything (a few minutes)
#   tests/sanitizers/run.sh asan tsan  only these stages
#
# Stages:
#   asan      build-asan/ (clang, ASan + UBSan, -fno-sanitize-recover,
#             LeakSanitizer with lsan.supp): meson test --suite c and
#             --suite stress
#   tsan      build-tsan/ (clang, TSan, tsan.supp, halt_on_error; the
#             GLib lock annotations of tsan-glib.c preloaded): the same
#   valgrind  memcheck (--leak-check=full, definite leaks are errors,
#             valgrind.supp) on C test programs, every test in-process
#             (CG_TEST_IN_PROCESS=1 brings in the few that otherwise run
#             in a subprocess of their own), from the plain build/ of
#             run-tests.sh (or build-valgrind/ when there is none)
#   fuzz      tests/fuzz/run.sh for CG_FUZZ_SECONDS (30) seconds, with
#             the fuzzer of build-asan/
#
# Environment: CG_SANITIZER_BUILD_ROOT (default: the source tree) is where
# build-asan/, build-tsan/ and build-valgrind/ go; CG_VALGRIND_BUILDDIR
# (default: build/) a plain build for valgrind; CG_FUZZ_SECONDS.
# Only the C parts are built (-Dintrospection=disabled -Dvapi=disabled).
# Exits non-zero when a build fails, a test fails, or a tool reports
# anything. Needs clang, libclang-rt-14-dev and valgrind
# (tools/install-deps.sh).
set -euo pipefail

src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
root=${CG_SANITIZER_BUILD_ROOT:-$src}
here=$src/tests/sanitizers
stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=(asan tsan valgrind fuzz)

# Two cores are shared: build and test with two jobs.
export MESON_TESTTHREADS=${MESON_TESTTHREADS:-2}
jobs=${CG_BUILD_JOBS:-2}

log () { printf '\n=== sanitizers: %s\n' "$*" >&2; }

# timed <name> <command...>: runs it, says how long it took, keeps its
# status.
timed () {
  local name=$1 start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  log "$name took $((SECONDS - start)) s"
  return $rc
}

common_options=(
  -Dintrospection=disabled
  -Dvapi=disabled
  -Ddocs=false
  -Db_lundef=false
)

# configure <dir> <meson options...>: sets up <dir> once, with clang.
configure () {
  local dir=$1
  shift
  if [[ ! -f $dir/meson-private/coredata.dat ]]; then
    CC=clang meson setup "$dir" "$src" "${common_options[@]}" "$@" >/dev/null || return 1
  fi
}

# --- ASan + UBSan -----------------------------------------------------------

asan_env () {
  # fast_unwind_on_malloc=0: GLib has no frame pointers, and lsan.supp
  # matches frames above g_malloc().
  export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
  export LSAN_OPTIONS=suppressions=$here/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}

stage_asan () {
  log "ASan + UBSan build ($root/build-asan)"
  configure "$root/build-asan" \
    -Db_sanitize=address,undefined \
    -Dc_args=-fno-sanitize-recover=all \
    -Dc_link_args=-fno-sanitize-recover=all \
    -Dfuzzing=true || return 1
  ninja -C "$root/build-asan" -j "$jobs" >/dev/null || return 1
  log "ASan + UBSan: meson test --suite c --suite stress"
  (asan_env; meson test -C "$root/build-asan" --suite c --suite stress --print-errorlogs \
     --no-rebuild)
}

# --- TSan ------------------------------------------------------------------

stage_tsan () {
  local shim=$root/build-tsan/libtsan-glib.so

  log "TSan build ($root/build-tsan)"
  configure "$root/build-tsan" -Db_sanitize=thread || return 1
  ninja -C "$root/build-tsan" -j "$jobs" >/dev/null || return 1
  # Built without TSan; see tsan-glib.c. -fno-optimize-sibling-calls keeps
  # its frames (tsan.supp ignores what libglib calls through them).
  clang -O2 -fno-optimize-sibling-calls -fPIC -shared -Wall -Wextra -o "$shim" \
    "$here/tsan-glib.c" $(pkg-config --cflags --libs gio-2.0) -ldl || return 1
  log "TSan: meson test --suite c --suite stress"
  TSAN_OPTIONS="suppressions=$here/tsan.supp:halt_on_error=1:second_deadlock_stack=1" \
    meson test -C "$root/build-tsan" --suite c --suite stress --print-errorlogs --no-rebuild \
      --wrapper "env LD_PRELOAD=$shim"
}

# --- valgrind ----------------------------------------------------------------

# The C test programs that run under memcheck, in-process; each takes a
# few seconds there. stress runs a short load.
valgrind_programs=(
  tests/c/test-future
  tests/c/test-caller
  tests/c/test-pool
  tests/c/test-as-completed
  tests/c/test-inbox
  tests/c/test-timers
  tests/c/test-context
  tests/c/test-exec-queue
  tests/c/test-lock
  tests/c/test-hosted-context
  tests/c/test-thread
  tests/stress/faults
  tests/stress/bad-input
  tests/stress/stress
)

stage_valgrind () {
  local build=${CG_VALGRIND_BUILDDIR:-$src/build} failed=0

  if [[ ! -f $build/meson-private/coredata.dat ]]; then
    build=$root/build-valgrind
    if [[ ! -f $build/meson-private/coredata.dat ]]; then
      meson setup "$build" "$src" "${common_options[@]}" >/dev/null || return 1
    fi
  fi
  log "valgrind memcheck ($build)"
  ninja -C "$build" -j "$jobs" >/dev/null || return 1
  for program in "${valgrind_programs[@]}"; do
    local start=$SECONDS out
    out=$(mktemp)
    if ! env CG_TEST_IN_PROCESS=1 CG_STRESS_JOBS=5000 G_SLICE=always-malloc G_DEBUG=gc-friendly \
         G_TEST_SRCDIR="$src/${program%/*}" G_TEST_BUILDDIR="$build/${program%/*}" \
         timeout 900 valgrind -q --error-exitcode=1 --leak-check=full \
           --errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=30 \
           --suppressions="$here/valgrind.supp" \
           "$build/$program" >"$out" 2>&1; then
      cat "$out"
      log "valgrind: $program FAILED"
      failed=1
    else
      printf '%-28s clean (%d s, %d tests passed)\n' "$program" $((SECONDS - start)) \
        "$(grep -c '^ok ' "$out" || true)"
    fi
    rm -f "$out"
  done
  return $failed
}

# --- fuzzing -----------------------------------------------------------------

stage_fuzz () {
  if [[ ! -x $root/build-asan/tests/fuzz/fuzz-api ]]; then
    configure "$root/build-asan" -Db_sanitize=address,undefined \
      -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all \
      -Dfuzzing=true || return 1
    ninja -C "$root/build-asan" -j "$jobs" tests/fuzz/fuzz-api >/dev/null || return 1
  fi
  (asan_env; "$src/tests/fuzz/run.sh" "${CG_FUZZ_SECONDS:-30}" "$root/build-asan")
}

status=0
for stage in "${stages[@]}"; do
  case $stage in
    asan|tsan|valgrind|fuzz)
      if ! timed "$stage" "stage_$stage"; then
        log "$stage FAILED"
        status=1
      fi
      ;;
    *)
      echo "sanitizers: unknown stage '$stage' (asan, tsan, valgrind, fuzz)" >&2
      exit 2
      ;;
  esac
done

if [[ $status -eq 0 ]]; then
  log "all clean: ${stages[*]}"
fi
exit $status
