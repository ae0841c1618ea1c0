#!/usr/bin/env bash
# Sets up the machine, builds the workbench and shows the demo engagement.
# (The desktop app takes this over once it exists.)
#
#   bash scripts/run.sh            # demo engagement at ./demo.ismap
#   bash scripts/run.sh FILE       # ... or at FILE
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

out="${1:-demo.ismap}"
cargo build -q -p workbench-cli
workbench=target/debug/workbench
if [ -e "$out" ]; then
  # Never overwrite an engagement: show the one that is there.
  "$workbench" engagement show "$out"
else
  "$workbench" demo --out "$out"
fi
