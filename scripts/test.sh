#!/usr/bin/env bash
# Sets up the machine and runs every check and test of the workbench:
# formatting and lints, the UI's unit tests, the Rust tests, the benchmarks
# once at small sizes, and the end-to-end test of the real app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Tests never touch the user's real data folder; each test also sets its own.
export WORKBENCH_DATA_DIR="${TMPDIR:-/tmp}/workbench-test-data-$$"
trap 'rm -rf "$WORKBENCH_DATA_DIR"' EXIT

# A cold build of everything below takes several GB; say how much room there
# is, so that a run that fails for lack of disk says so at its start.
echo "== disk: $(df -h --output=avail . | tail -n 1 | tr -d ' ') free where the build goes"

echo "== format"
cargo fmt --all -- --check
echo "== UI: types, unit tests against the real core, build"
# The UI's tests talk to the real core through \`workbench serve --dev\`.
cargo build -q -p workbench-cli
(cd ui && npm run --silent check && npm test && npm run --silent build)
echo "== lints"
cargo clippy -q --workspace --all-targets --all-features -- -D warnings
echo "== Rust tests"
cargo test --workspace --all-features
echo "== benchmarks, once at small sizes, so they cannot rot"
# With the same workspace and features as the tests above, so that nothing
# is built again but the benchmarks themselves.
cargo test -q --workspace --all-features --bench foundation --bench evidence --bench team --bench signing --bench encryption --bench report --bench verify
echo "== end to end: the real app through tauri-driver under Xvfb"
cargo build -q -p workbench-app -p workbench-cli
# Each file runs on its own; one that fails is run once more, and its first
# failure stays printed above. WebKit under Xvfb on a loaded two-core machine
# now and then loses a test to a stuck or crashed web process, which says
# nothing about the workbench; a second failure fails the run.
for suite in tests/e2e/*.test.mjs; do
  if ! xvfb-run -a -s "-screen 0 1280x800x24" node --test "$suite"; then
    echo "== $suite failed; running it once more"
    pkill -f WebKitWebDriver || true
    pkill -f target/debug/ismap-workbench || true
    xvfb-run -a -s "-screen 0 1280x800x24" node --test "$suite"
  fi
done
echo "== done; the build takes $(du -sh target 2>/dev/null | cut -f1) in target/"
