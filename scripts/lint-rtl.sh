#!/usr/bin/env bash
# verilator --lint-only -Wall on sushi_top for every built-in config's parameters.
# Waivers are inline in the RTL, each with its reason. Any warning fails.
set -euo pipefail
cd "$(dirname "$0")/.."
for params in hw/gen/*/params.f; do
  config=$(basename "$(dirname "$params")")
  verilator --lint-only -Wall -Ihw/gen -f "$params" --top-module sushi_top rtl/*.v
  # The board shell around it (hw/boards/common), with the same parameters.
  verilator --lint-only -Wall -Ihw/gen -f "$params" --top-module sushi_axi_shell rtl/*.v \
    hw/boards/common/sushi_axi_shell.v
  echo "lint-rtl: $config clean" >&2
done
