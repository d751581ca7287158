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
exec meson test -C build --print-errorlogs "$@"
