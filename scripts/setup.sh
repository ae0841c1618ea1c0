#!/usr/bin/env bash
# Installs what building, running and testing the workbench needs on a
# Debian or Ubuntu machine: system packages, Rust, Node.js, tauri-driver and
# the UI's npm packages. Safe to run again: it installs only what is
# missing. Sourced by scripts/run.sh and scripts/test.sh.
set -euo pipefail

# The oldest Rust that builds the workspace (rust-version in Cargo.toml), and
# the oldest Node.js that runs the UI's build tools (Vite 7).
rust_min="1.90"
node_min="20.19"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

at_least() { # at_least VERSION MINIMUM
  [ -n "$1" ] && [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

# System packages. The C toolchain builds the bundled SQLite (SQLCipher,
# which links OpenSSL's libcrypto from libssl-dev); the sqlite3
# shell lets tests tamper with files; WebKitGTK and the rest build and run
# the Tauri app; Xvfb and WebKitWebDriver run it headless in end-to-end
# tests; Noto CJK renders Japanese. Poppler (pdftotext, pdffonts, pdfsig),
# OpenSSL (throwaway test certificates), NSS's certutil (a trust store for
# pdfsig) and Python's venv (for pyHanko) check the signed report.
packages=(build-essential pkg-config file curl ca-certificates sqlite3
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver fonts-noto-cjk
  poppler-utils openssl libnss3-tools python3-venv)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  sudo_if_needed apt-get update -q
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Rust.
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"
rust_ok() { at_least "$(cargo --version 2>/dev/null | awk '{print $2}')" "$rust_min"; }
if ! rust_ok; then
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: no Rust toolchain; trying the distribution's"
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      cargo rustc rustfmt rust-clippy || true
  fi
  if ! rust_ok; then
    echo "setup: Rust $rust_min or newer is needed (found: $(cargo --version 2>/dev/null || echo none)); installing it with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
rust_ok || { echo "setup: could not get Rust $rust_min or newer" >&2; exit 1; }

# Node.js: the distribution's is often older than Vite needs; the npm
# registry's "node" package carries a newer one, kept inside the repository.
[ -x "$repo/.tools/node/node_modules/.bin/node" ] && export PATH="$repo/.tools/node/node_modules/.bin:$PATH"
node_ok() { at_least "$(node --version 2>/dev/null | tr -d v)" "$node_min"; }
if ! node_ok; then
  echo "setup: Node.js $node_min or newer is needed (found: $(node --version 2>/dev/null || echo none)); installing it from the npm registry"
  npm install --no-save --prefix "$repo/.tools/node" node@22 >/dev/null
  export PATH="$repo/.tools/node/node_modules/.bin:$PATH"
fi
node_ok || { echo "setup: could not get Node.js $node_min or newer" >&2; exit 1; }

# tauri-driver, the WebDriver bridge of the end-to-end tests.
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: installing tauri-driver"
  cargo install --locked --quiet tauri-driver --version "^2"
fi

# The UI's packages, exactly as locked.
if [ ! -d "$repo/ui/node_modules" ] || [ "$repo/ui/package-lock.json" -nt "$repo/ui/node_modules/.package-lock.json" ]; then
  echo "setup: installing the UI's npm packages"
  (cd "$repo/ui" && npm ci --no-audit --no-fund)
fi

# pyHanko, a second, independent validator of the report's PDF signature,
# from PyPI into a virtual environment inside the repository.
if [ ! -x "$repo/.tools/pyhanko/bin/pyhanko" ]; then
  echo "setup: installing pyHanko (PDF signature validator) from PyPI"
  python3 -m venv "$repo/.tools/pyhanko"
  "$repo/.tools/pyhanko/bin/pip" install --quiet --disable-pip-version-check "pyhanko==0.38.*" "pyhanko-cli==0.6.*"
fi
export PATH="$repo/.tools/pyhanko/bin:$PATH"
