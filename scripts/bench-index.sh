#!/usr/bin/env bash
# Indexing benchmark on generated logs: mixed kinds (all five) and JSON-heavy kinds
# (CloudTrail-like and Windows-event-like) with one worker, the JSON-heavy set with all cores,
# and one single object of SIZE (memory bound). Reports MB/s per wall second and per CPU second
# (user + sys), peak RSS and stored/raw.
# Usage: scripts/bench-index.sh [SIZE] (default 1GB).
# Environment: MINERVA_BIN (default: a release build), MINERVA_BASELINE_BIN (a second binary run
# on the same inputs, for a before/after ratio measured in the same run), BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1GB}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}"
cores=$(nproc)
mkdir -p "$out"

if [ -z "${MINERVA_BIN:-}" ]; then
  cargo build --release --locked -p minerva-cli
  MINERVA_BIN="$CARGO_TARGET_DIR/release/minerva"
fi
bins=("new=$MINERVA_BIN")
if [ -n "${MINERVA_BASELINE_BIN:-}" ]; then
  bins=("baseline=$MINERVA_BASELINE_BIN" "${bins[@]}")
fi
gen="${MINERVA_BASELINE_BIN:-$MINERVA_BIN}"  # one generator for both: the same input bytes

if [ ! -f "$out/mixed/manifest.json" ]; then
  "$gen" generate --out "$out/mixed" --size "$size" --files-per-kind 4
fi
if [ ! -f "$out/raw/manifest.json" ]; then
  "$gen" generate --out "$out/raw" --size "$size" --kinds cloudtrail,windows --files-per-kind 8
fi
if [ ! -f "$out/single/manifest.json" ]; then
  "$gen" generate --out "$out/single" --size "$size" --kinds cloudtrail --files-per-kind 1 --seed 7
fi

run() { # binary-label binary run-name parallelism input
  local name="$1-$3"
  rm -rf "$out/data-$name"
  python3 scripts/peak_rss.py "$out/$name.rss.json" -- \
    "$2" index -q --data "$out/data-$name" --parallelism "$4" --exclude "**/manifest.json" \
      --report-json "$out/$name.report.json" "$5"
  rm -rf "$out/data-$name"
}
for entry in "${bins[@]}"; do
  label="${entry%%=*}"
  bin="${entry#*=}"
  run "$label" "$bin" mixed 1 "$out/mixed"
  run "$label" "$bin" one-core 1 "$out/raw"
  run "$label" "$bin" all-cores "$cores" "$out/raw"
  run "$label" "$bin" single-object 1 "$out/single"
done

labels=$(for entry in "${bins[@]}"; do printf '%s ' "${entry%%=*}"; done)
python3 - "$out" "$cores" $labels <<'PY'
import json, sys
out, cores, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = [("mixed", 1), ("one-core", 1), ("all-cores", cores), ("single-object", 1)]
table = {}
print("| binary | run | workers | input MB | records | seconds | MB/s | MB per CPU-s | peak RSS MiB | stored/raw |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for label in labels:
    for name, workers in runs:
        report = json.load(open(f"{out}/{label}-{name}.report.json"))
        rss = json.load(open(f"{out}/{label}-{name}.rss.json"))
        mb = report["bytes"] / 1e6
        row = (mb / rss["seconds"], mb / rss["cpu_seconds"], rss["peak_rss_mib"])
        table[label, name] = row
        print(f"| {label} | {name} | {workers} | {mb:.0f} | {report['records']} | "
              f"{rss['seconds']:.1f} | {row[0]:.1f} | {row[1]:.1f} | {row[2]:.0f} | "
              f"{report['bytes_written'] / report['bytes']:.3f} |")
if len(labels) == 2:
    print()
    print("| run | MB/s new/baseline | MB per CPU-s new/baseline | peak RSS new/baseline |")
    print("|---|---:|---:|---:|")
    for name, _ in runs:
        b, n = table[labels[0], name], table[labels[1], name]
        print(f"| {name} | {n[0] / b[0]:.2f} | {n[1] / b[1]:.2f} | {n[2] / b[2]:.2f} |")
PY
