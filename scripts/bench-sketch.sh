#!/usr/bin/env bash
# Hour-sketch benchmark: needles over a long range of merged data, with the hour sketches and
# without them (the same files, sketches removed: the baseline, measured in the same run).
# Prints hours read, files and bytes read, and p50 latency per query.
# Usage: scripts/bench-sketch.sh [SIZE] [SPAN] [RUNS] (defaults 300MB, 7d, 5).
# MINERVA_BIN picks a prebuilt binary (default: a release build); BENCH_DIR the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-300MB}"
span="${2:-7d}"
runs="${3:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}/sketch-$size-$span"
mkdir -p "$out"

if [ -z "${MINERVA_BIN:-}" ]; then
  cargo build --release --locked -p minerva-cli
  MINERVA_BIN="$CARGO_TARGET_DIR/release/minerva"
fi
bin="$MINERVA_BIN"
start="2024-01-01T00:00:00Z"
if [ ! -f "$out/raw/manifest.json" ]; then
  "$bin" generate --out "$out/raw" --size "$size" --span "$span" --start "$start" --files-per-kind 8
fi
if [ ! -d "$out/merged" ]; then
  rm -rf "$out/tmp"
  "$bin" index -q --data "$out/tmp" --exclude "**/manifest.json" "$out/raw"
  "$bin" merge --all --data "$out/tmp" >/dev/null
  mv "$out/tmp" "$out/merged"
fi
# The baseline: the same files without sketches (hard links, so nothing is copied).
rm -rf "$out/unsketched"
cp -al "$out/merged" "$out/unsketched"
find "$out/unsketched" -name '_s-*.sbbf1' -delete

python3 - "$bin" "$out" "$runs" "$start" "$span" <<'PY'
import json, re, statistics, subprocess, sys, time
from datetime import datetime, timedelta
from pathlib import Path

binary, out, runs, start, span = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
units = {"h": 1, "d": 24}
hours = int(span[:-1]) * units[span[-1]]
end = (datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
manifest = json.loads((out / "raw" / "manifest.json").read_text())
needles = [n["value"] for n in manifest["needles"]][:6]
stored = sum(p.stat().st_size for p in (out / "merged").rglob("*.parquet"))
sketches = sum(p.stat().st_size for p in (out / "merged").rglob("_s-*.sbbf1"))
index_bytes = sum(p.stat().st_size for p in (out / "merged" / "indices").rglob("*.parquet"))

def search(data, query):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([binary, "search", "--data", str(data), "--stats", "--limit", "100",
                               "--from", start, "--to", end, "--output", "jsonl", "--", query],
                              capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        assert proc.returncode in (0, 1), proc.stderr
    stats = proc.stderr.strip().splitlines()[-1]
    read = int(stats.split(" read ")[1].split(" bytes")[0])
    files = int(re.search(r"from (\d+) files", stats).group(1))
    hours_read = int(re.search(r"(\d+) of \d+ hours", stats).group(1))
    hits = int(stats.split(" hits")[0])
    return statistics.median(times), read, files, hours_read, hits

print(f"{hours} hours, stored {stored/1e6:.0f} MB (indices {index_bytes/1e6:.0f} MB); "
      f"sketches {sketches/1e6:.2f} MB = {sketches/index_bytes:.1%} of indices; {runs} runs each")
print("| query | hits | hours read (sketch / none) | files | bytes read (sketch / none) | p50 s (sketch / none) | bytes ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for query in needles + ["GetObject"]:
    s = search(out / "merged", query)
    b = search(out / "unsketched", query)
    assert s[4] == b[4], f"{query}: {s[4]} hits with sketches, {b[4]} without"
    print(f"| `{query}` | {s[4]} | {s[3]} / {b[3]} | {s[2]} / {b[2]} | {s[1]/1e6:.2f} / {b[1]/1e6:.2f} MB "
          f"| {s[0]:.3f} / {b[0]:.3f} | {s[1]/max(b[1],1):.2f} |")
PY
