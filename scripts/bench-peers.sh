#!/usr/bin/env bash
# Peers benchmark: the same generated logs indexed and searched by minerva, tantivy (PyPI
# `tantivy`, the engine inside Quickwit), ClickHouse (PyPI `chdb`, a MergeTree table with a text
# index) and `rg -w -F -i` over the raw files. Prints one markdown table: ingest MB/s (per wall
# second and per CPU second), peak RSS, stored/raw (after ingest and after a merge), and per
# query the p50 latency and hit count, checked against a reference count by minerva's word rule.
# Usage: scripts/bench-peers.sh [SIZE] [RUNS] (defaults 1GB, 5).
# Environment: MINERVA_BIN (default: $CARGO_TARGET_DIR/demo/minerva, built first),
# BENCH_DIR (output under $BENCH_DIR/peers, default ./bench-out), BENCH_VENV (the Python
# virtualenv, default ~/.cache/minerva-bench-peers-venv), BENCH_COMMON (the common term,
# default GetObject), BENCH_CHDB_INDEX (text or tokenbf, default text).
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1GB}"
runs="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
out="${BENCH_DIR:-$PWD/bench-out}/peers"
venv="${BENCH_VENV:-$HOME/.cache/minerva-bench-peers-venv}"
mkdir -p "$out"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench-peers: RUNS must be a positive number, not '$runs'" >&2; exit 2; }

# Python packages, pinned (transitive ones too): tantivy, chDB, and ripgrep's `rg` binary.
requirements='tantivy==0.27.0
chdb==4.4.0
chdb-core==26.9.0
numpy==2.4.6
pandas==3.1.1
pyarrow==26.0.1
python-dateutil==4.0.0
tzdata==2026.6
ripgrep==15.1.0'
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.bench-peers-requirements" 2>/dev/null)" != "$requirements" ]; then
  echo "== creating the virtualenv $venv" >&2
  python3 -m venv "$venv"
  printf '%s\n' "$requirements" > "$venv/requirements.txt"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$venv/requirements.txt"
  printf '%s' "$requirements" > "$venv/.bench-peers-requirements"
fi
rg="$venv/bin/rg"
[ -x "$rg" ] || { echo "bench-peers: $rg is missing (pip package ripgrep)" >&2; exit 2; }

if [ -n "${MINERVA_BIN:-}" ]; then
  [ -x "$MINERVA_BIN" ] || { echo "bench-peers: MINERVA_BIN=$MINERVA_BIN is not an executable" >&2; exit 2; }
  bin="$MINERVA_BIN"
else
  bin="$CARGO_TARGET_DIR/demo/minerva"
  echo "== building $bin (cargo build --profile demo; a no-op when up to date)" >&2
  cargo build --profile demo --locked -p minerva-cli
fi

raw="$out/raw-$size"
if [ ! -f "$raw/manifest.json" ]; then
  rm -rf "$raw"
  "$bin" generate --out "$raw" --size "$size"
else
  echo "== reusing the logs in $raw" >&2
fi

exec "$venv/bin/python" scripts/bench_peers.py main --bin "$bin" --raw "$raw" --work "$out/work-$size" \
  --runs "$runs" --rg "$rg"
