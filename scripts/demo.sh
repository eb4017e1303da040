#!/usr/bin/env bash
# The main job on the default config, from a fresh machine: set-up, build, run.
# Extra arguments go to `sushi demo` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo run --release --quiet -p sushi-host --bin sushi -- demo "$@"
