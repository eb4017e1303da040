#!/usr/bin/env bash
# A `sushi bench` sweep as a Slurm job array: each array task computes one shard (`--shard I/N`),
# and a dependent job merges the shards into the tables and plots a single run would write.
#
#   scripts/bench-slurm.sh SHARDS OUT_DIR [sushi bench options...]
#
# e.g. scripts/bench-slurm.sh 16 results/pb-sweep --queries 1000000 --pb-kib 64,128,256,512,1024 \
#        --traces phases,steps,iid,bursty --periods 4,8,16,32
#
# Every task runs the same options (the merge refuses shards of another sweep). The binary is
# built once here, on the submitting node (or taken from $SUSHI_BIN); the cluster's nodes must see
# this directory and the output directory (a shared file system) and be able to run the binary.
# Site options go through the variables sbatch reads: SBATCH_PARTITION, SBATCH_ACCOUNT,
# SBATCH_TIMELIMIT.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
shards=$1
out=$2
shift 2
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
    echo "error: SHARDS must be a positive integer, got '$shards'" >&2
    exit 2
fi
command -v sbatch >/dev/null || { echo "error: sbatch not found: run this on a Slurm login node" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n ${SUSHI_BIN:-} ]]; then
    sushi=$SUSHI_BIN
else
    # Sweeps need no RTL: build without Verilator, which cluster nodes rarely have.
    cargo build --release --manifest-path "$repo/Cargo.toml" -p sushi-host --no-default-features
    sushi="$repo/target/release/sushi"
fi
mkdir -p "$out/logs"

# Quote the sweep options once so that the job scripts pass them through unchanged.
opts=$(printf ' %q' "$@")

array_job=$(sbatch --parsable \
    --job-name=sushi-bench \
    --array="0-$((shards - 1))" \
    --cpus-per-task=2 \
    --output="$out/logs/shard-%a.out" \
    --wrap="$sushi bench$opts --jobs \${SLURM_CPUS_PER_TASK:-1} --shard \${SLURM_ARRAY_TASK_ID}/$shards --out $out/shard-\${SLURM_ARRAY_TASK_ID}")

dirs=""
for ((i = 0; i < shards; i++)); do dirs+=" $out/shard-$i"; done
merge_job=$(sbatch --parsable \
    --job-name=sushi-bench-merge \
    --dependency="afterok:$array_job" \
    --output="$out/logs/merge.out" \
    --wrap="$sushi bench merge$dirs --out $out/merged")

echo "submitted shards as job $array_job (array 0-$((shards - 1))) and the merge as job $merge_job"
echo "results: $out/merged/points.csv, points.json and the plots"
