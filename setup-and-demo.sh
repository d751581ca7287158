#!/usr/bin/env bash
# Installs what caller-glib needs (when missing), configures and builds it in
# ./build, then runs the demo program. Arguments go to the demo, e.g.
# ./setup-and-demo.sh --jobs 10
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

./tools/install-deps.sh

if [[ -f build/meson-private/coredata.dat ]]; then
  meson setup --reconfigure build
else
  meson setup build
fi
ninja -C build
./build/examples/cg-demo "$@"
