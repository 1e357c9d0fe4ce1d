#!/usr/bin/env bash
# Athena vs embedded, side by side on the same merged index: for five needles, a phrase and a
# common term over 24 h of generated logs, the hits, the statements and the bytes each engine
# reads (Athena: DataScannedInBytes reported by the stand-in, i.e. what DuckDB read under the
# Athena SQL; embedded: bytes DataFusion read), as shares of the stored bytes of the range.
# Usage: scripts/bench-athena.sh [SIZE] (default 1GB). MINERVA_BIN skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
size="${1:-1GB}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}/athena"
venv="${MINERVA_VENV:-$HOME/.cache/minerva-venv}"
mkdir -p "$out"
if [ -z "${MINERVA_BIN:-}" ]; then
  cargo build --release --locked -p minerva-cli
  MINERVA_BIN="$CARGO_TARGET_DIR/release/minerva"
fi
bin="$MINERVA_BIN"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt -c tests/python/constraints.txt

if [ ! -f "$out/raw/manifest.json" ]; then
  "$bin" generate --out "$out/raw" --size "$size" --files-per-kind 8 --span 24h
fi
if [ ! -d "$out/data" ]; then
  "$bin" index -q --data "$out/data" --exclude "**/manifest.json" "$out/raw"
  "$bin" merge --all --data "$out/data"
fi

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
moto=$!
trap 'kill $moto ${standin:-} 2>/dev/null || true' EXIT
sleep 2
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
  AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
"$venv/bin/python" - "http://127.0.0.1:$port" "$out/data" <<'PY'
import sys
from pathlib import Path
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="bench")
root = Path(sys.argv[2])
for p in root.rglob("*.parquet"):
    s3.upload_file(str(p), "bench", "index/" + p.relative_to(root).as_posix())
PY
"$venv/bin/python" tests/python/athena_standin.py --port 0 --s3-endpoint "http://127.0.0.1:$port" \
  --cache-dir "$out/standin-cache" >"$out/standin.out" 2>"$out/standin.log" &
standin=$!
for _ in $(seq 1 100); do grep -q listening "$out/standin.out" 2>/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
  AWS_ENDPOINT_URL_ATHENA="$(sed -n 's/listening on //p' "$out/standin.out")" \
  MINERVA_ATHENA_OUTPUT=s3://bench/results/ MINERVA_ATHENA_DATABASE=bench
"$bin" athena setup --data s3://bench/index >/dev/null 2>&1

"$venv/bin/python" - "$bin" "$out" "$AWS_ENDPOINT_URL_ATHENA" <<'PY'
import json, subprocess, sys, urllib.request
from pathlib import Path
binary, out, athena = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
data = out / "data"
stored = sum(p.stat().st_size for p in data.rglob("*.parquet"))
needles = ["172.31.255.77", "zq-needle-user", "AKIANEEDLE0000000001", "2001:db8:feed:beef::1337",
           "22434446a642b1faa5c8bfc672033e82439446212e73d930f547f07a857b11b8"]
queries = [("needle", q) for q in needles] + [("phrase", "tani@cookpad.com"), ("common", "GetObject")]
span = ["--from", "2024-01-01T00:00:00Z", "--to", "2024-01-02T00:00:00Z"]

def executions():
    with urllib.request.urlopen(athena + "/_standin/executions") as r:
        return json.loads(r.read())

def run(engine, query):
    args = [binary, "search", "--stats", "--limit", "50", "--output", "jsonl", *span]
    args += ["--data", str(data)] if engine == "embedded" else ["--engine", "athena"]
    before = len(executions())
    proc = subprocess.run([*args, "--", query], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    stats = proc.stderr.strip().splitlines()[-1]
    hits = int(stats.split(" hits")[0])
    statements = int(stats.split("; ")[1].split(" statements")[0])
    read = int(stats.split(" read ")[1].split(" bytes")[0])
    page = None
    if engine == "athena":
        sent = executions()[before:]
        page = sum(e["DataScannedInBytes"] for e in sent[statements:])
    return hits, statements, read, page, [json.loads(l) for l in proc.stdout.splitlines()]

print(f"stored (merged) {stored/1e6:.1f} MB over 24 h")
print("| query | hits | embedded bytes (share) | Athena statements | Athena bytes (share) | Athena page fetch | same hits |")
print("|---|---:|---:|---:|---:|---:|---|")
for label, q in queries:
    eh, _, er, _, ehits = run("embedded", q)
    ah, astmts, ar, page, ahits = run("athena", q)
    print(f"| {label} `{q[:24]}` | {eh} | {er/1e6:.2f} MB ({er/stored:.2%}) | {astmts} + 1 page | "
          f"{ar/1e6:.2f} MB ({ar/stored:.2%}) | {page/1e6:.2f} MB | {eh == ah and ehits == ahits} |")
PY
