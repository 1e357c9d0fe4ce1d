#!/usr/bin/env bash
# The main job on the embedded default: generate synthetic security logs, then index them into
# ./minerva-data. Usage: scripts/demo.sh [SIZE] (default 200MB)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-200MB}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
cargo build --release --locked -p minerva-cli
bin="$CARGO_TARGET_DIR/release/minerva"
demo="${MINERVA_DEMO_DIR:-$PWD/demo-logs}"
if [ ! -f "$demo/manifest.json" ]; then
  "$bin" generate --out "$demo" --size "$size" --span 24h
fi
"$bin" index --data ./minerva-data "$demo"
echo
echo "Index written to ./minerva-data (tables: indices/, messages/; partitions dt=YYYY-MM-DD-HH)."
echo "Planted needle values are listed in $demo/manifest.json."
