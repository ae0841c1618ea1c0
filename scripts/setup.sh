#!/usr/bin/env bash
# Installs what building and testing the workbench needs on a Debian or
# Ubuntu machine: system packages and a Rust toolchain. Safe to run again:
# it installs only what is missing. Called by scripts/run.sh and scripts/test.sh.
set -euo pipefail

# The oldest Rust that builds the workspace (rust-version in Cargo.toml).
rust_min="1.89"

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# System packages: a C compiler for the bundled SQLite, and the sqlite3
# shell, which the tests use to tamper with engagement files.
packages=(build-essential pkg-config sqlite3 ca-certificates curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

version_ok() {
  # True when the cargo on PATH is at least $rust_min.
  local v
  v=$(cargo --version 2>/dev/null | awk '{print $2}') || return 1
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$rust_min" "$v" | sort -V | head -n 1)" = "$rust_min" ]
}

[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"
if ! version_ok; then
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: no Rust toolchain; trying the distribution's cargo"
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends cargo rustc rustfmt rust-clippy || true
  fi
  if ! version_ok; then
    echo "setup: Rust $rust_min or newer is needed (found: $(cargo --version 2>/dev/null || echo none)); installing it with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
version_ok || { echo "setup: could not get Rust $rust_min or newer" >&2; exit 1; }
