#!/usr/bin/env bash
# Sets up the machine, builds the workbench and starts the desktop app. On
# its first start the app creates the demo engagement in the data folder and
# opens it. Without a display (a server, CI) it prints the demo engagement's
# summary with the CLI instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

(cd ui && npm run --silent build)
cargo build -q -p workbench-app -p workbench-cli
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec target/debug/ismap-workbench
fi
echo "run: no display; showing the demo engagement with the CLI (the app needs a desktop session)"
out="${1:-demo.ismap}"
if [ -e "$out" ]; then
  target/debug/workbench engagement show "$out"
else
  target/debug/workbench demo --out "$out"
fi
