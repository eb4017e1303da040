#!/usr/bin/env bash
# Soak: serves long seeded traces with SushiSched and reports errors, peak memory and
# determinism.
#
#   scripts/soak.sh BACKEND QUERIES [SEED]     BACKEND: abs, model or rtl
#
# For BACKEND and QUERIES it generates a trace (`sushi trace gen --seed SEED`) and one of a tenth
# of the queries, serves the trace once and the tenth twice with `sushi serve --policy sushi
# --json` under /usr/bin/time:
#   - errors: an output mismatch or any other error ends `sushi serve` (exit != 0), and a device
#     fault counts in `device_faults`; the soak passes with none;
#   - peak memory: peak RSS of the full run against the tenth's; what grows is the trace and one
#     record per query, `rss_growth_bytes_per_query` says how much;
#   - determinism: the tenth's two reports are identical but for wall-clock fields (`*_seconds`).
# Results go to soak-out/BACKEND-QUERIES/ and a summary line to stdout. SUSHI_BIN=path uses an
# already built binary.
set -euo pipefail
backend=${1:?usage: scripts/soak.sh abs|model|rtl QUERIES [SEED]}
queries=${2:?usage: scripts/soak.sh abs|model|rtl QUERIES [SEED]}
seed=${3:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/soak-out/$backend-$queries"
mkdir -p "$out"
cd "$root"
# shellcheck source=lib/sushi-bin.sh
. "$root/scripts/lib/sushi-bin.sh"
tenth=$((queries / 10))
"$sushi" trace gen --queries "$queries" --seed "$seed" --out "$out/trace.csv" 2>/dev/null
"$sushi" trace gen --queries "$tenth" --seed "$seed" --out "$out/trace-tenth.csv" 2>/dev/null

serve() { # NAME TRACE
  /usr/bin/time -f "%e %M" -o "$out/$1.time" \
    "$sushi" serve --trace "$2" --backend "$backend" --policy sushi --json >"$out/$1.json" 2>"$out/$1.err"
}
serve tenth "$out/trace-tenth.csv"
serve tenth-again "$out/trace-tenth.csv"
serve full "$out/trace.csv"

python3 - "$out" "$backend" "$queries" "$tenth" <<'PY'
import json, sys
out, backend, queries, tenth = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def load(name):
    v = json.load(open(f"{out}/{name}.json"))
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(w) for k, w in x.items() if not k.endswith("_seconds")}
        if isinstance(x, list):
            return [strip(w) for w in x]
        return x
    secs, kb = open(f"{out}/{name}.time").read().split()
    return strip(v), float(secs), int(kb)
full, s_full, kb_full = load("full")
tenth_a, s_a, kb_a = load("tenth")
tenth_b, s_b, kb_b = load("tenth-again")
p = full["policies"][0]
summary = {
    "backend": backend, "queries": queries, "served": p["queries"],
    "outputs_verified": p.get("outputs_verified"),
    "device_faults": p.get("device_faults"),
    "identical_across_runs": tenth_a == tenth_b,
    "wall_seconds": s_full, "queries_per_second": queries / max(s_full, 1e-9),
    "peak_rss_mb": kb_full / 1024, "peak_rss_mb_at_tenth": kb_a / 1024,
    "rss_growth_bytes_per_query": (kb_full - kb_a) * 1024 / max(queries - tenth, 1),
}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(json.dumps(summary))
ok = tenth_a == tenth_b and p["queries"] == queries and not p.get("device_faults")
sys.exit(0 if ok else 1)
PY
