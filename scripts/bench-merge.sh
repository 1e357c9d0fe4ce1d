#!/usr/bin/env bash
# Merge benchmark. Part 1: SIZE of generated logs over 24 h, written as many small objects
# (FILES per log kind), indexed, then merged: files per partition, stored/raw and the bytes
# needle searches read, before and after, plus the merge's time and peak RSS; a second merge
# must change nothing. Part 2: one hour holding ~1 GB of index files, merged alone, for the
# peak RSS of a large partition (5 GB of logs in one hour put ~1 GB of index files in one hour).
# Usage: scripts/bench-merge.sh [SIZE] [FILES] [BIG_SIZE]   (defaults 1.1GB, 64, 5GB; SIZE 0 skips part 1, BIG_SIZE 0 part 2)
# MINERVA_BIN picks a prebuilt binary (default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1.1GB}"
files="${2:-64}"
big_size="${3:-5GB}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}"
mkdir -p "$out"
if [ -z "${MINERVA_BIN:-}" ]; then
  cargo build --release --locked -p minerva-cli
  MINERVA_BIN="$CARGO_TARGET_DIR/release/minerva"
fi
bin="$MINERVA_BIN"

if [ "$size" != "0" ]; then
  raw="$out/merge-raw-$size-$files"
  if [ ! -f "$raw/manifest.json" ]; then
    "$bin" generate --out "$raw" --size "$size" --files-per-kind "$files"
  fi
  data="$out/merge-data"
  rm -rf "$data"
  "$bin" index -q --data "$data" --exclude "**/manifest.json" "$raw"

  python3 scripts/bench_merge_report.py "$bin" "$raw" "$data" "$out"
fi

if [ "$big_size" != "0" ]; then
  big_raw="$out/merge-raw-1h-$big_size"
  if [ ! -f "$big_raw/manifest.json" ]; then
    "$bin" generate --out "$big_raw" --size "$big_size" --span 1h --files-per-kind 16
  fi
  big="$out/merge-data-1h"
  rm -rf "$big"
  "$bin" index -q --data "$big" --exclude "**/manifest.json" "$big_raw"
  before=$(du -sb "$big/indices" | cut -f1)
  python3 scripts/peak_rss.py "$out/merge-1h.rss.json" -- \
    "$bin" merge --data "$big" --all --report-json "$out/merge-1h.report.json"
  python3 - "$out" "$before" <<'PY'
import json, sys
out, before = sys.argv[1], int(sys.argv[2])
rss = json.load(open(f"{out}/merge-1h.rss.json"))
report = json.load(open(f"{out}/merge-1h.report.json"))
for p in report["partitions"]:
    print(f"1-hour partition {p['table']} {p['dt']}: {p['files_before']} -> {p['files_after']} files, "
          f"{p['bytes_before']/1e6:.0f} MB -> {p['bytes_after']/1e6:.0f} MB, {p['rows_out']} rows, "
          f"{p['elapsed_ms']/1e3:.1f} s")
print(f"merging {before/1e9:.2f} GB of index files (and the hour's messages): "
      f"{rss['seconds']:.1f} s, peak RSS {rss['peak_rss_mib']:.0f} MiB")
PY
fi
