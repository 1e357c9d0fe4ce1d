#!/usr/bin/env bash
# Index format benchmark: the same generated logs indexed and merged by two builds (a baseline
# and this one), side by side in one run. Prints stored bytes per table and per column (before
# and after the merge), then per query: hits (which must be equal), bytes read and p50 latency.
# Usage: scripts/bench-format.sh [SIZE] [SPAN] [RUNS] (defaults 300MB, 24h, 5).
# Environment: MINERVA_BIN (default: a release build), MINERVA_BASELINE_BIN (required: e.g. a
# build of the previous commit), BENCH_DIR the output folder. Needs pyarrow (the test venv).
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-300MB}"
span="${2:-24h}"
runs="${3:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}/format-$size-$span"
python="${MINERVA_VENV:-$HOME/.cache/minerva-venv}/bin/python"
[ -x "$python" ] || python=python3
: "${MINERVA_BASELINE_BIN:?set MINERVA_BASELINE_BIN to the binary to compare with}"
if [ -z "${MINERVA_BIN:-}" ]; then
  cargo build --release --locked -p minerva-cli
  MINERVA_BIN="$CARGO_TARGET_DIR/release/minerva"
fi
mkdir -p "$out"
start="2024-01-01T00:00:00Z"
if [ ! -f "$out/raw/manifest.json" ]; then
  "$MINERVA_BASELINE_BIN" generate --out "$out/raw" --size "$size" --span "$span" --start "$start" \
    --files-per-kind 8
fi
for side in baseline new; do
  bin="$MINERVA_BIN"; [ "$side" = baseline ] && bin="$MINERVA_BASELINE_BIN"
  rm -rf "$out/$side"
  "$bin" index -q --data "$out/$side" --exclude "**/manifest.json" "$out/raw"
  du -sb "$out/$side/indices" "$out/$side/messages" | awk -v s="$side" '{t+=$1} END {printf "%s unmerged: %.1f MB\n", s, t/1e6}'
  "$bin" merge --all --data "$out/$side" >/dev/null
done

"$python" - "$MINERVA_BASELINE_BIN" "$MINERVA_BIN" "$out" "$runs" "$start" "$span" <<'PY'
import collections, json, re, statistics, subprocess, sys, time
from datetime import datetime, timedelta
from pathlib import Path
import pyarrow.parquet as pq

base_bin, new_bin, out, runs, start, span = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
hours = int(span[:-1]) * {"h": 1, "d": 24}[span[-1]]
end = (datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
raw = sum(p.stat().st_size for p in (out / "raw").rglob("*") if p.is_file() and p.name != "manifest.json")

def columns(data):
    """{(table, column): compressed bytes}, sketch bytes, total stored bytes."""
    sizes = collections.Counter()
    for table in ("indices", "messages"):
        for path in (data / table).glob("dt=*/*.parquet"):
            md = pq.ParquetFile(path).metadata
            sizes[(table, "file")] += path.stat().st_size
            for g in range(md.num_row_groups):
                for c in range(md.num_columns):
                    col = md.row_group(g).column(c)
                    sizes[(table, col.path_in_schema)] += col.total_compressed_size
    sketches = sum(p.stat().st_size for p in (data / "indices").glob("dt=*/_s-*.sbbf1"))
    return sizes, sketches

(b_cols, b_sk), (n_cols, n_sk) = columns(out / "baseline"), columns(out / "new")
b_total = b_cols[("indices", "file")] + b_cols[("messages", "file")] + b_sk
n_total = n_cols[("indices", "file")] + n_cols[("messages", "file")] + n_sk
print(f"raw {raw/1e6:.0f} MB over {hours} h; merged: baseline {b_total/1e6:.1f} MB ({b_total/raw:.3f} of raw), "
      f"new {n_total/1e6:.1f} MB ({n_total/raw:.3f} of raw), ratio {n_total/b_total:.2f}")
print("| table.column (merged) | baseline MB | new MB |")
print("|---|---:|---:|")
for key in sorted(set(b_cols) | set(n_cols)):
    print(f"| {key[0]}.{key[1]} | {b_cols[key]/1e6:.2f} | {n_cols[key]/1e6:.2f} |")
print(f"| hour sketches | {b_sk/1e6:.2f} | {n_sk/1e6:.2f} |")

def search(binary, data, query):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([binary, "search", "--data", str(data), "--stats", "--limit", "0",
                               "--from", start, "--to", end, "--output", "jsonl", "--", query],
                              capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        assert proc.returncode in (0, 1), proc.stderr
    stats = proc.stderr.strip().splitlines()[-1]
    hits = sorted((h["object_id"], h["seq"], h["timestamp"]) for h in map(json.loads, proc.stdout.splitlines()))
    return statistics.median(times), int(re.search(r" read (\d+) bytes", stats).group(1)), hits

manifest = json.loads((out / "raw" / "manifest.json").read_text())
needles = [n["value"] for n in manifest["needles"]][:4]
queries = needles + ["tani@cookpad.com", "GetObject", "sshd", "10.0.0.0/8", "GetObject 172.31.255.77",
                     "\"Accepted publickey\""]
print(f"\n{runs} runs each, every hit exported (--limit 0)")
print("| query | hits | bytes read (baseline / new) | ratio | p50 s (baseline / new) | ratio |")
print("|---|---:|---:|---:|---:|---:|")
for query in queries:
    b = search(base_bin, out / "baseline", query)
    n = search(new_bin, out / "new", query)
    assert b[2] == n[2], f"{query}: {len(b[2])} hits on the baseline, {len(n[2])} on the new build"
    print(f"| `{query}` | {len(n[2])} | {b[1]/1e6:.2f} / {n[1]/1e6:.2f} MB | {n[1]/max(b[1],1):.2f} "
          f"| {b[0]:.3f} / {n[0]:.3f} | {n[0]/b[0]:.2f} |")
PY
