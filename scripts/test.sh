#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set-up, RTL lint, build, every test.
# Long randomized runs: SUSHI_LONG=1 scripts/test.sh. Reproduce a seed: SUSHI_TEST_SEED=<n>.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint-rtl.sh
cargo fmt --all -- --check
cargo test --workspace --all-targets
# The host builds and tests without Verilator (the seam ARCHITECTURE.md promises).
cargo test -p sushi-hw -p sushi-host --no-default-features
