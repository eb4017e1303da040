#!/usr/bin/env bash
# Fuzzes every parser of user files with cargo-fuzz (libFuzzer), SECONDS each (default 600), one
# target after another, and prints each target's executions and findings.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs a nightly toolchain (`rustup toolchain install nightly`); installs cargo-fuzz if missing.
# Seed corpora are written from valid files under fuzz/corpus/ (not committed); anything libFuzzer
# finds lands in fuzz/artifacts/TARGET/ and is named in the summary. Reproduce a finding with
# `cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-...`.
set -euo pipefail
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(hw_config supernet supernet_payload trace_csv trace_jsonl azure idx)
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"

rustup run nightly rustc --version >/dev/null 2>&1 || {
  echo "fuzz.sh: no nightly toolchain; run 'rustup toolchain install nightly'" >&2
  exit 1
}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Seed corpora: the shipped configs and artifact, and small valid traces and datasets.
mkdir -p corpus logs
for t in hw_config supernet supernet_payload trace_csv trace_jsonl azure idx; do mkdir -p "corpus/$t"; done
cp "$root"/hw/configs/*.toml corpus/hw_config/
cp "$root"/host/supernets/*.sushinet corpus/supernet/
python3 - "$root" <<'PY'
import gzip, struct, sys, zlib
root = sys.argv[1]
art = open(f"{root}/host/supernets/fmnist-mbv2-ofa-v2.sushinet", "rb").read()
flags = struct.unpack_from("<I", art, 12)[0]
payload = zlib.decompress(art[64:]) if flags & 1 else art[64:]
open("corpus/supernet_payload/shipped", "wb").write(payload)
csv = "id,arrival_cycle,accuracy_target,latency_target_cycles,input\n0,0,87.5,200000,3\n1,1500,85,120000,9999\n"
open("corpus/trace_csv/small.csv", "w").write(csv)
open("corpus/trace_jsonl/small.jsonl", "w").write(
    '{"id":0,"arrival_cycle":0,"accuracy_target":87.5,"latency_target_cycles":200000,"input":3}\n'
    '{"id":1,"arrival_cycle":1500,"accuracy_target":85,"latency_target_cycles":120000,"input":9999}\n')
open("corpus/azure/small.csv", "w").write(
    "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no1,a1,f1,http,2,0,5\no2,a2,f2,timer,1,1,1\n")
images = struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(range(256)) * 6 + bytes(32)
labels = struct.pack(">II", 0x801, 2) + bytes([3, 7])
cut = round(255 * len(images) / (len(images) + len(labels)))
open("corpus/idx/plain", "wb").write(bytes([cut]) + images + labels)
gz_i, gz_l = gzip.compress(images), gzip.compress(labels)
cut = round(255 * len(gz_i) / (len(gz_i) + len(gz_l)))
open("corpus/idx/gzipped", "wb").write(bytes([cut]) + gz_i + gz_l)
PY

summary=()
for t in "${targets[@]}"; do
  # The artifact and its payload are megabytes: let inputs be that long.
  max_len=65536
  case $t in supernet|supernet_payload) max_len=4000000 ;; esac
  echo "== $t: ${secs}s" >&2
  log="logs/$t.log"
  set +e
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
  found=$(ls "artifacts/$t" 2>/dev/null | wc -l)
  where=""
  if [ "$found" -gt 0 ]; then where=": fuzz/artifacts/$t/"; fi
  summary+=("$t: $runs executions in ${secs}s, exit $rc, $found finding(s)$where")
done
printf '%s\n' "${summary[@]}"
