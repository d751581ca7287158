#!/bin/sh
# native-helper.sh: builds examples/gjs-native-helper (docs/gjs.md, "Work on
# a worker thread") against this build tree, as its how-to says, and runs
# its JavaScript: the count it prints must be right, and a missing file must
# fail with the library's error.
#
# Arguments: the source root, the build root, a scratch directory.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -eu
src=$1
build=$2
scratch=$3

rm -rf "$scratch"
mkdir -p "$scratch"
PKG_CONFIG_PATH="$build/meson-uninstalled" meson setup "$scratch/build" \
  "$src/examples/gjs-native-helper" > "$scratch/setup.log" 2>&1 || {
  cat "$scratch/setup.log"; exit 1; }
ninja -C "$scratch/build" > "$scratch/build.log" 2>&1 || { cat "$scratch/build.log"; exit 1; }

printf 'one two  three\nfour\n' > "$scratch/input.txt"
export GI_TYPELIB_PATH="$scratch/build:$build/caller-glib"
export LD_LIBRARY_PATH="$scratch/build:$build/caller-glib"
out=$(cd "$src/examples/gjs-native-helper" && gjs -m main.js "$scratch/input.txt")
echo "$out"
[ "$out" = "$scratch/input.txt: 4 words" ]

if (cd "$src/examples/gjs-native-helper" && gjs -m main.js "$scratch/missing.txt" 2> "$scratch/err.txt"); then
  echo "a missing file did not fail"; exit 1
fi
grep -q "missing.txt" "$scratch/err.txt"
echo "native helper: built against the build tree, counted, failed as it should"
