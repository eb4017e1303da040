#!/usr/bin/env bash
# Re-measures the README figures that depend on the shipped SuperNet. Its accuracy table sets
# every Pareto front, and the fronts set every trace, plan and baseline, so a new artifact or a
# newly measured table moves all of these together: re-run them together.
#
#   scripts/readme-figures.sh [STEP...]     (default: every step, in this order)
#
# Steps and the README section each one feeds:
#   supernet    The SuperNet          `supernet info --json` (front, table coverage)
#   pb          The Persistent Buffer `pb report --json` per config (RTL)
#   abs         The Persistent Buffer `abs check --json` per config (RTL)
#   demo        Serving               `sushi demo --json`, both modes (RTL and model backends)
#   traces      Serving               eight 5,000-query traces served by every policy
#   slack-sweep Serving               rewrites host/docs/results/slack-sweep/ (accuracy against latency)
#   pb-configs  Serving               rewrites host/docs/results/pb-configs/ (PB what-ifs on every config)
#   fault       Serving               a 10-query trace on the RTL with an R SLVERR
#   crosscheck  Benchmarking          `bench --rtl-sample 4` (RTL)
#   bench       Benchmarking          1,000,000 queries x 6 policies x 5 PB sizes, wall time and peak RSS
#   pb-sweep    Benchmarking          rewrites host/docs/results/pb-sweep/
#   load-sweep  Serving under bursty  rewrites host/docs/results/load-sweep/, CV² 8, RTL sample
#
# Outputs go to figures-out/<step>/ (gitignored; the two sweeps write their committed
# directories). SUSHI_BIN=path uses an already built binary (with the `rtl` feature).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=lib/sushi-bin.sh
. "$root/scripts/lib/sushi-bin.sh"
configs=(zynq7020 tiny tangnano9k)

step() { # NAME: a fresh output directory, and a line saying what runs
  out="$root/figures-out/$1"
  rm -rf "$out" && mkdir -p "$out"
  echo "== $1 ($(date +%T))" >&2
}

run_supernet() {
  step supernet
  "$sushi" supernet info --json >"$out/info.json"
  "$sushi" supernet info >"$out/info.txt"
}

run_pb() {
  step pb
  for c in "${configs[@]}"; do
    # A SubNet that does not compile on a config is reported, not fatal.
    "$sushi" pb report --config "$c" --json >"$out/$c.json" 2>"$out/$c.err" || true
  done
}

run_abs() {
  step abs
  for c in "${configs[@]}"; do
    "$sushi" abs check --config "$c" --json >"$out/$c.json"
  done
}

run_demo() {
  step demo
  /usr/bin/time -f "%e s" -o "$out/time.txt" "$sushi" demo >"$out/demo.txt"
  "$sushi" demo --json >"$out/demo.json"
  "$sushi" demo --mode accuracy >"$out/demo-accuracy.txt"
  "$sushi" demo --mode accuracy --json >"$out/demo-accuracy.json"
}

run_traces() {
  step traces
  # name, trace gen options, serve options
  local rows=(
    "phases-0.5-latency|--load 0.5|"
    "phases-0.5-accuracy|--load 0.5|--mode accuracy"
    "iid-0.5-latency|--load 0.5 --locality iid|"
    "iid-0.5-accuracy|--load 0.5 --locality iid|--mode accuracy"
    "phases-0.9-latency|--load 0.9|"
    "phases-0.9-accuracy|--load 0.9|--mode accuracy"
    "iid-0.9-latency|--load 0.9 --locality iid|"
    "iid-0.9-accuracy|--load 0.9 --locality iid|--mode accuracy"
  )
  local row name gen serve
  for row in "${rows[@]}"; do
    IFS='|' read -r name gen serve <<<"$row"
    # shellcheck disable=SC2086 # the options are word lists
    "$sushi" trace gen --queries 5000 $gen --latency-slack 1.5 --phase-queries 40 \
      --out "$out/$name.csv" 2>/dev/null
    # shellcheck disable=SC2086
    "$sushi" serve --trace "$out/$name.csv" --period 8 --window 16 $serve --json >"$out/$name.json"
  done
}

run_fault() {
  step fault
  "$sushi" trace gen --queries 10 --out "$out/trace.csv" 2>/dev/null
  "$sushi" serve --trace "$out/trace.csv" --backend rtl --policy sushi --fault r:slverr:30000 \
    --json >"$out/serve.json" 2>"$out/serve.err"
}

run_crosscheck() {
  step crosscheck
  "$sushi" bench --queries 2000 --traces phases,bursty --rtl-sample 4 --rtl-queries 30 \
    --out "$out/bench" --json >"$out/bench.json" 2>"$out/bench.err"
}

run_bench() {
  step bench
  /usr/bin/time -f "%e s wall, %M KB peak RSS" -o "$out/time.txt" \
    "$sushi" bench --queries 1000000 --pb-kib 64,128,256,512,1024 --traces phases \
    --policies sushi,no-cache,static-cache,static-subnet,cache-unaware,lru \
    --out "$out/bench" --json >"$out/bench.json" 2>"$out/bench.err"
}

run_pb_sweep() {
  step pb-sweep
  "$sushi" bench --queries 20000 --pb-kib 64,128,256,512,1024 \
    --policies sushi,no-cache,static-cache,static-subnet,cache-unaware,lru,slack,oracle \
    --traces phases,iid --periods 4,8,16,32 --out host/docs/results/pb-sweep \
    --json >"$out/bench.json" 2>"$out/bench.err"
}

run_slack_sweep() {
  step slack-sweep
  "$sushi" bench --queries 5000 --traces phases,iid --latency-slack 1.1,1.25,1.5,2,3 \
    --mode latency,accuracy --out host/docs/results/slack-sweep \
    --json >"$out/bench.json" 2>"$out/bench.err"
}

run_pb_configs() {
  step pb-configs
  "$sushi" bench --configs zynq7020,tiny,tangnano9k --pb-kib 16,32,64,128,256,512,1024,2048 \
    --policies sushi,sushi-subgraph,no-cache,cache-unaware,lru,w-tinylfu --traces phases,iid \
    --mode accuracy --queries 5000 --out host/docs/results/pb-configs \
    --json >"$out/bench.json" 2>"$out/bench.err"
}

run_load_sweep() {
  step load-sweep
  "$sushi" bench --queries 100000 --traces bursty:4 --loads 0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2 \
    --policies slack,sushi,model-switching,static-subnet:0,static-subnet:25,static-subnet:50,static-subnet:75,no-cache \
    --out host/docs/results/load-sweep --json >"$out/bench.json" 2>"$out/bench.err"
  "$sushi" bench --queries 100000 --traces bursty:8 --loads 0.9 --policies slack,model-switching \
    --out "$out/cv8" --json >"$out/cv8.json" 2>"$out/cv8.err"
  "$sushi" bench --queries 2000 --traces bursty:2,bursty:4,bursty:8 --loads 0.9 --policies slack \
    --rtl-sample 3 --rtl-queries 30 --out "$out/rtl" --json >"$out/rtl.json" 2>"$out/rtl.err"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(supernet pb abs demo traces slack-sweep pb-configs fault crosscheck bench pb-sweep load-sweep)
for s in "${steps[@]}"; do
  case "$s" in
    supernet | pb | abs | demo | traces | fault | crosscheck | bench) "run_$s" ;;
    pb-sweep) run_pb_sweep ;;
    slack-sweep) run_slack_sweep ;;
    pb-configs) run_pb_configs ;;
    load-sweep) run_load_sweep ;;
    *)
      echo "readme-figures.sh: unknown step '$s' (steps: supernet pb abs demo traces slack-sweep pb-configs fault crosscheck bench pb-sweep load-sweep)" >&2
      exit 2
      ;;
  esac
done
echo "done: figures-out/" >&2
