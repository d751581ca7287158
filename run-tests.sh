#!/usr/bin/env bash
# Installs what caller-glib needs (when missing), configures ./build if it is
# not configured yet, builds, and runs every test suite (C, Python, GJS, Vala,
# examples). Exits non-zero when the build or a test fails. Arguments go to
# `meson test`, e.g. ./run-tests.sh --suite c
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

./tools/install-deps.sh

if [[ ! -f build/meson-private/coredata.dat ]]; then
  meson setup build -Dwerror=true -Ddocs=true
fi
ninja -C build
status=0
meson test -C build --print-errorlogs "$@" || status=$?

# Reliability (docs/reliability.md): the C tests under ASan+UBSan, TSan and
# valgrind, and a 30 s fuzzing run (tests/sanitizers/run.sh, a few
# minutes). In CI (CI set, or CG_SANITIZERS=1) and on a full run (no
# arguments); CG_SANITIZERS=0 skips it.
if [[ ${CG_SANITIZERS:-} != 0 ]] &&
   [[ -n ${CI:-} || ${CG_SANITIZERS:-} == 1 || $# -eq 0 ]]; then
  ./tests/sanitizers/run.sh || status=$?
fi
exit $status
