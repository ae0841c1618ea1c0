#!/usr/bin/env bash
# Sets up the machine and runs every check and test of the workbench.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Tests never touch the user's real data folder; each test also sets its own.
export WORKBENCH_DATA_DIR="${TMPDIR:-/tmp}/workbench-test-data-$$"
trap 'rm -rf "$WORKBENCH_DATA_DIR"' EXIT

echo "== format"
cargo fmt --all -- --check
echo "== lints"
cargo clippy -q --workspace --all-targets --all-features -- -D warnings
echo "== benchmarks, once at small sizes, so they cannot rot"
cargo test -q --workspace --benches
echo "== tests"
cargo test --workspace --all-features
