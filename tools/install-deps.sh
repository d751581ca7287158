#!/usr/bin/env bash
# Installs the Debian 12 packages that build, test and document caller-glib.
# Does nothing (and needs no root, no network) when all of them are installed
# already; otherwise runs apt-get update and apt-get install for the missing
# ones, as root or through sudo.
set -euo pipefail

packages=(
  meson ninja-build pkg-config libglib2.0-dev
  gobject-introspection libgirepository1.0-dev gjs valac
  gtk-doc-tools gettext python3-gi python3-pytest valgrind clang
)

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

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: these packages are missing: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or install sudo) to install them" >&2
    exit 1
  fi
  sudo=(sudo)
fi

"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
