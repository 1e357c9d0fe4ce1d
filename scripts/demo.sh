#!/usr/bin/env bash
# The main job on the embedded default: build minerva, generate synthetic security logs for the
# last 24 hours, index them into ./minerva-data, then serve the search API and web UI on
# http://127.0.0.1:8080/ while following ./demo-logs/incoming (drop or append log files there:
# they are searchable within seconds).
# Usage: scripts/demo.sh [SIZE] (default 200MB). Environment: MINERVA_LISTEN (127.0.0.1:8080),
# MINERVA_DEMO_DIR (./demo-logs), MINERVA_API_TOKEN (needed for a non-loopback address).
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-200MB}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
cargo build --profile demo --locked -p minerva-cli
bin="$CARGO_TARGET_DIR/demo/minerva"
demo="${MINERVA_DEMO_DIR:-$PWD/demo-logs}"
listen="${MINERVA_LISTEN:-127.0.0.1:8080}"
if [ ! -f "$demo/generated/manifest.json" ]; then
  start=$(date -u -d '24 hours ago' +%Y-%m-%dT%H:00:00Z)
  "$bin" generate --out "$demo/generated" --size "$size" --span 24h --start "$start"
  # The kinds' folders only: manifest.json (the needles' answer key) is not a log.
  "$bin" index --data ./minerva-data "$demo/generated"/*/
fi
mkdir -p "$demo/incoming"
echo
echo "Index in ./minerva-data; planted needles are listed in $demo/generated/manifest.json"
echo "(try 172.31.255.77, tani@cookpad.com or AKIANEEDLE0000000001)."
echo "Open http://$listen/ — files written to $demo/incoming are indexed as they land. Ctrl-C stops."
exec "$bin" serve --data ./minerva-data --listen "$listen" --watch "$demo/incoming"
