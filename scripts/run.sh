#!/usr/bin/env bash
# The two jobs of the README, from a fresh machine (set-up included):
#   scripts/run.sh demo [ARGS]  the main job on the default config; ARGS go to `sushi demo`
#   scripts/run.sh test         the whole test suite: RTL lint, format, every test, and the
#                               host built and tested without Verilator
# Long randomized runs: SUSHI_LONG=1 scripts/run.sh test. Reproduce a seed: SUSHI_TEST_SEED=<n>.
set -euo pipefail
cd "$(dirname "$0")/.."
job=${1:-}
[ $# -gt 0 ] && shift
case "$job" in
  demo)
    scripts/setup.sh
    cargo run --release --quiet -p sushi-host --bin sushi -- demo "$@"
    ;;
  test)
    scripts/setup.sh synth
    scripts/lint-rtl.sh
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --quiet -- -D warnings
    cargo test --workspace --all-targets
    # The seam ARCHITECTURE.md promises: the host builds and tests without Verilator.
    cargo test -p sushi-hw -p sushi-host --no-default-features
    # The RTL stays synthesizable and fits the default config's device (Yosys, a few minutes).
    cargo run --quiet -p sushi-host --bin sushi -- hw synth --config zynq7020 --check
    ;;
  *)
    echo "usage: scripts/run.sh demo [sushi demo arguments] | scripts/run.sh test" >&2
    exit 2
    ;;
esac
