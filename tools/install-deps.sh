#!/usr/bin/env bash
# Installs the Debian 12 packages that build, test and document caller-glib,
# and generates the de_DE.UTF-8 locale that the translation test runs in.
# Does nothing (and needs no root, no network) when all of them are there
# already; otherwise runs apt-get update and apt-get install for the missing
# packages, and localedef for the missing locale, as root or through sudo.
set -euo pipefail

packages=(
  meson ninja-build pkg-config libglib2.0-dev
  gobject-introspection libgirepository1.0-dev gjs valac
  gtk-doc-tools libglib2.0-doc gettext locales
  python3-gi python3-pytest valgrind clang
  # the compiled part of the Python override (cg-python-jobs.c)
  python3-dev python-gi-dev
  libgtk-4-dev gir1.2-gtk-4.0 xvfb xauth
  # clang's sanitizer runtimes (ASan, UBSan, TSan, libFuzzer) for
  # tests/sanitizers/run.sh; clang and valgrind are listed above
  libclang-rt-14-dev
)

# The locale of tests/i18n (German messages). libglib2.0-doc gives the
# reference manual its links to GLib, GObject and GIO.
test_locale=de_DE.UTF-8

has_locale () {
  # `locale -a` spells it de_DE.utf8
  local locales
  locales=$(locale -a 2>/dev/null) || true
  grep -qix 'de_DE\.utf-\?8' <<<"$locales"
}

installed () {
  local status
  status=$(dpkg -s "$1" 2>/dev/null) || return 1
  [[ $status == *"Status: install ok installed"* ]]
}

missing=()
for package in "${packages[@]}"; do
  if ! installed "$package"; then
    missing+=("$package")
  fi
done

need_locale=false
if ! has_locale; then
  need_locale=true
fi

if [[ ${#missing[@]} -eq 0 ]] && ! $need_locale; then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    if [[ ${#missing[@]} -gt 0 ]]; then
      echo "install-deps: these packages are missing: ${missing[*]}" >&2
      echo "install-deps: run this script as root (or install sudo) to install them" >&2
      exit 1
    fi
    # Only the locale is missing: the translation test skips without it.
    echo "install-deps: the $test_locale locale is missing; run this script as root" \
      "to generate it (the translation test is skipped until then)" >&2
    exit 0
  fi
  sudo=(sudo)
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if ! has_locale; then
  echo "install-deps: generating the $test_locale locale" >&2
  if ! "${sudo[@]}" localedef -i de_DE -f UTF-8 "$test_locale"; then
    echo "install-deps: could not generate $test_locale;" \
      "the translation test will be skipped" >&2
  fi
fi
