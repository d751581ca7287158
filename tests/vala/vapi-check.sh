#!/bin/sh
# vapi-check.sh VALAC VAPIDIR INCLUDEDIR... -- SOURCE [KNOWN_BUG]
#
# Compiles and runs SOURCE, a Vala program, against caller-glib-1.vapi: a
# check of the vapi itself. While KNOWN_BUG (a description of the library
# bug that makes it fail) is given, a failure is reported as a skip (exit
# status 77) unless CG_TEST_KNOWN_BUGS=1.
set -u

valac=$1 vapidir=$2
shift 2
cflags=""
while [ "$1" != "--" ]; do
  cflags="$cflags -X -I$1"
  shift
done
shift
source=$1
known_bug=${2:-}

out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT

# shellcheck disable=SC2086
if "$valac" --directory "$out" --vapidir "$vapidir" --pkg caller-glib-1 --pkg gio-2.0 \
     $cflags -X "-L$vapidir" -X -lcaller-glib-1 -X -w \
     -o "$out/check" "$source" >"$out/log" 2>&1 &&
   "$out/check"; then
  exit 0
fi

cat "$out/log"
if [ -n "$known_bug" ] && [ "${CG_TEST_KNOWN_BUGS:-0}" != 1 ]; then
  echo "SKIP: known library bug: $known_bug (CG_TEST_KNOWN_BUGS=1 makes it a failure)"
  exit 77
fi
exit 1
