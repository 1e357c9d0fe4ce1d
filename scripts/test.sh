#!/usr/bin/env bash
# The project's test command: Rust unit/integration tests, then the Python end-to-end tests
# (DuckDB/pyarrow as second readers, a real S3-compatible server from moto on 127.0.0.1).
# Installs what it needs (Python packages into a venv, Debian's chromium for the UI test,
# playwright-core from npm); needs only Rust, Python 3.11, Node 20 and the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
venv="${MINERVA_VENV:-$HOME/.cache/minerva-venv}"

echo "== python environment ($venv)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt -c tests/python/constraints.txt

echo "== chromium and playwright-core (web UI test)"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
(cd tests/e2e && npm install --no-audit --no-fund --silent)

echo "== dependency rules (cargo tree)"
# core is pure (no async runtime, object store or AWS); the indexer and merger link neither
# engine; the API crate sees only the search interface.
forbid() {  # forbid PACKAGE REGEX WHY
  if cargo tree --locked -p "$1" -e normal --prefix none | grep -E "$2" >/dev/null; then
    echo "dependency rule broken: $1 links $(cargo tree --locked -p "$1" -e normal --prefix none | grep -E "$2" | sort -u | head -3 | tr '\n' ' ')($3)" >&2
    exit 1
  fi
}
forbid minerva-core '^(tokio|object_store|aws-|datafusion) ' "core must stay pure"
forbid minerva-indexer '^(datafusion|aws-sdk-athena) ' "the indexer needs no query engine"
forbid minerva-merger '^(datafusion|aws-sdk-athena) ' "the merger needs no query engine"
forbid minerva-search-api '^(datafusion|aws-sdk-athena) ' "the API sees only the interface"
forbid minerva-lambda '^datafusion ' "the Lambda functions run on Athena, not DataFusion"
echo "ok"

echo "== cfn-lint infra/template.yaml"
"$venv/bin/cfn-lint" infra/template.yaml
echo "ok"

echo "== cargo build"
cargo build --workspace --all-targets --locked

echo "== cargo test"
cargo test --workspace --locked

echo "== moto_server (S3) on 127.0.0.1"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PATH="$venv/bin:$PATH"  # cargo-lambda, the Lambda runtime API emulator
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"${TMPDIR:-/tmp}/minerva-moto-$port.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.1
done
export MINERVA_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export MINERVA_BIN="$CARGO_TARGET_DIR/debug/minerva"
# The full shared real logs when they sit beside the clone (the team's machines); otherwise
# the tests use the permissively licensed subset in tests/data/datasets and skip (and count)
# the ones that need the rest.
if [ -z "${MINERVA_DATASETS:-}" ] && [ -f "$root/../shared/datasets/README.md" ]; then
  export MINERVA_DATASETS="$root/../shared/datasets"
fi
echo "datasets: ${MINERVA_DATASETS:-tests/data/datasets (in the repository)}"

echo "== pytest"
"$venv/bin/python" -m pytest -q tests/python "$@"
