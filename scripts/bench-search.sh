#!/usr/bin/env bash
# Search benchmark: a needle (a planted value) and a common term over ≥ 1 GB of generated logs,
# p50 latency over repeated runs and bytes read from storage, side by side with `rg -w -F` over
# the raw files. Usage: scripts/bench-search.sh [SIZE] [RUNS] (defaults 1GB, 5).
# MINERVA_BIN picks a prebuilt binary (default: a release build); BENCH_DIR the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1GB}"
runs="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}"
mkdir -p "$out"
command -v rg >/dev/null || { echo "ripgrep is needed: apt-get install -y ripgrep" >&2; exit 2; }

if [ -z "${MINERVA_BIN:-}" ]; then
  cargo build --release --locked -p minerva-cli
  MINERVA_BIN="$CARGO_TARGET_DIR/release/minerva"
fi
bin="$MINERVA_BIN"
if [ ! -f "$out/search-raw/manifest.json" ]; then
  "$bin" generate --out "$out/search-raw" --size "$size" --files-per-kind 8
fi
rm -rf "$out/search-data"
"$bin" index -q --data "$out/search-data" --exclude "**/manifest.json" "$out/search-raw"

python3 - "$bin" "$out" "$runs" <<'PY'
import json, statistics, subprocess, sys, time
from pathlib import Path

binary, out, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
raw, data = out / "search-raw", out / "search-data"
manifest = json.loads((raw / "manifest.json").read_text())
needle = "172.31.255.77"
assert any(n["value"] == needle for n in manifest["needles"])
raw_bytes = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file() and p.name != "manifest.json")
stored = sum(p.stat().st_size for p in data.rglob("*.parquet"))

def minerva(query):
    times, stats = [], None
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([binary, "search", "--data", str(data), "--stats", "--limit", "100",
                               "--output", "jsonl", "--", query], capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        assert proc.returncode in (0, 1), proc.stderr
        stats = proc.stderr.strip().splitlines()[-1]
    read = int(stats.split(" read ")[1].split(" bytes")[0])
    hits = int(stats.split(" hits")[0])
    return statistics.median(times), read, hits

def ripgrep(word):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(["rg", "-w", "-F", "-c", "--no-filename", word, str(raw),
                               "--glob", "!manifest.json"], capture_output=True, text=True)
        times.append(time.perf_counter() - t)
    count = sum(int(x) for x in proc.stdout.split())
    return statistics.median(times), count

print(f"raw {raw_bytes/1e6:.0f} MB, stored {stored/1e6:.0f} MB ({stored/raw_bytes:.3f} of raw), {runs} runs each")
print("| query | minerva p50 s | hits | bytes read | share of stored | rg -w -F p50 s | rg lines | speed-up |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for label, query in [("needle", needle), ("common", "GetObject")]:
    m_t, m_read, m_hits = minerva(query)
    r_t, r_count = ripgrep(query)
    print(f"| {label} `{query}` | {m_t:.3f} | {m_hits} | {m_read/1e6:.1f} MB | {m_read/stored:.2%} | {r_t:.3f} | {r_count} | {r_t/m_t:.1f}x |")
PY
