#!/usr/bin/env bash
# Indexing benchmark: ≥ 1 GB of generated JSON logs (CloudTrail-like and Windows-event-like),
# indexed with one worker and with all cores, plus one single 1 GB object (memory bound).
# Reports MB/s, MB/s per core and peak RSS. Usage: scripts/bench-index.sh [SIZE] (default 1GB)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1GB}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}"
cores=$(nproc)
mkdir -p "$out"

cargo build --release --locked -p minerva-cli
bin="$CARGO_TARGET_DIR/release/minerva"

if [ ! -f "$out/raw/manifest.json" ]; then
  "$bin" generate --out "$out/raw" --size "$size" --kinds cloudtrail,windows --files-per-kind 8
fi
if [ ! -f "$out/single/manifest.json" ]; then
  "$bin" generate --out "$out/single" --size "$size" --kinds cloudtrail --files-per-kind 1 --seed 7
fi

run() { # name parallelism input
  rm -rf "$out/data-$1"
  python3 scripts/peak_rss.py "$out/$1.rss.json" -- \
    "$bin" index -q --data "$out/data-$1" --parallelism "$2" --exclude "**/manifest.json" \
      --report-json "$out/$1.report.json" "$3"
}
run one-core 1 "$out/raw"
run all-cores "$cores" "$out/raw"
run single-object 1 "$out/single"

python3 - "$out" "$cores" <<'PY'
import json, sys
out, cores = sys.argv[1], int(sys.argv[2])
rows = []
for name, workers in [("one-core", 1), ("all-cores", cores), ("single-object", 1)]:
    report = json.load(open(f"{out}/{name}.report.json"))
    rss = json.load(open(f"{out}/{name}.rss.json"))
    mbps = report["bytes"] / 1e6 / rss["seconds"]
    rows.append((name, workers, report["bytes"] / 1e6, report["records"], rss["seconds"], mbps,
                 mbps / workers, rss["peak_rss_mib"], report["bytes_written"] / report["bytes"]))
print("| run | workers | input MB | records | seconds | MB/s | MB/s per core | peak RSS MiB | stored/raw |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]:.0f} | {r[3]} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:.0f} | {r[8]:.3f} |")
PY
