#!/usr/bin/env bash
# Search benchmark over ≥ 1 GB of generated logs (24 h): a needle (a planted value), a phrase
# needle and a common term, as the indexer left the files and again after `minerva merge`:
# p50 latency of a `minerva search` process over repeated runs, bytes read from storage, and
# (merged) the p50 inside a warm `minerva serve` (POST a search, poll it to the end, read its
# first page), side by side with `rg -w -F` over the raw files.
# Usage: scripts/bench-search.sh [SIZE] [RUNS] (defaults 1GB, 5).
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
import json, socket, statistics, subprocess, sys, time, urllib.request
from pathlib import Path

binary, out, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
raw, data = out / "search-raw", out / "search-data"
manifest = json.loads((raw / "manifest.json").read_text())
needle, phrase = "172.31.255.77", "tani@cookpad.com"
for value in (needle, phrase):
    assert any(n["value"] == value for n in manifest["needles"]), value
start, end = manifest["options"]["start"], manifest["options"]["end"]
raw_bytes = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file() and p.name != "manifest.json")
queries = [("needle", needle), ("phrase", phrase), ("common", "GetObject")]

def stored():
    return sum(p.stat().st_size for p in data.rglob("*") if p.is_file())

def minerva(query):
    times, stats = [], None
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([binary, "search", "--data", str(data), "--from", start, "--to", end,
                               "--stats", "--limit", "100", "--output", "jsonl", "--", query],
                              capture_output=True, text=True)
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

rg = {label: ripgrep(query) for label, query in queries}

def table(title):
    total = stored()
    print(f"\n{title}: raw {raw_bytes/1e6:.0f} MB, stored {total/1e6:.0f} MB ({total/raw_bytes:.3f} of raw), {runs} runs each")
    print("| query | minerva search p50 s | hits | bytes read | share of stored | rg -w -F p50 s | rg lines | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, query in queries:
        m_t, m_read, m_hits = minerva(query)
        r_t, r_count = rg[label]
        print(f"| {label} `{query}` | {m_t:.3f} | {m_hits} | {m_read/1e6:.2f} MB | {m_read/total:.2%} | {r_t:.3f} | {r_count} | {r_t/m_t:.1f}x |")

def serve_table():
    """p50 of POST, poll until the search ends, first page: in a warm `minerva serve`."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([binary, "serve", "--data", str(data), "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def call(method, path, body=None):
        request = urllib.request.Request(base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        print(f"\nWarm `minerva serve` (merged): {runs} runs after 2 warm-up searches each")
        print("| query | p50 s (POST, poll to the end, first page) | server elapsed p50 ms | hits |")
        print("|---|---:|---:|---:|")
        for label, query in queries:
            times, elapsed, total = [], [], None
            for i in range(runs + 2):
                t = time.perf_counter()
                sid = call("POST", "/api/v1/search", {"query": query, "start": start, "end": end})["id"]
                while True:
                    state = call("GET", f"/api/v1/search/{sid}")
                    if state["state"] not in ("queued", "running"):
                        break
                    time.sleep(0.0005)
                assert state["state"] == "succeeded", state
                call("GET", f"/api/v1/search/{sid}/logs?offset=0&limit=50")
                if i >= 2:
                    times.append(time.perf_counter() - t)
                    elapsed.append(state["elapsed_ms"])
                total = state["total"]
                call("DELETE", f"/api/v1/search/{sid}")
            print(f"| {label} `{query}` | {statistics.median(times):.4f} | {statistics.median(elapsed):.0f} | {total} |")
    finally:
        server.terminate()
        server.wait()

table("As indexed")
subprocess.run([binary, "merge", "--data", str(data), "--all"], check=True, capture_output=True)
table("Merged (`minerva merge --all`)")
serve_table()
PY
