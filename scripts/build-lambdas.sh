#!/usr/bin/env bash
# Builds the three Lambda functions for AWS (release, arm64, `provided.al2023`) with
# cargo-lambda (PyPI, brings zig as the cross linker; no Docker) and reports their sizes
# against Lambda's 250 MB unzipped limit, and which of them link DataFusion or the Athena SDK.
# Then measures each function's cold start under cargo-lambda's runtime API emulator on
# loopback: spawn -> first answer, for a host-architecture build of the same profile; and the
# indexer's throughput, peak RSS and S3 requests on generated logs in moto (the cost figures of
# the README's "Deploy to AWS": scripts/bench_lambda_indexer.py).
#
#   bash scripts/build-lambdas.sh            # arm64 artefacts in target/lambda-arm64/, sizes, cold starts
#   SKIP_COLD_START=1 bash scripts/build-lambdas.sh
#   BENCH_SIZE=1GB bash scripts/build-lambdas.sh     # size of the indexer throughput run (256MB)
#
# `sam build --beta-features` (infra/template.yaml) runs the same cargo-lambda build itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minerva-target}"
venv="${MINERVA_VENV:-$HOME/.cache/minerva-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt -c tests/python/constraints.txt
export PATH="$venv/bin:$PATH"
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || true

bins=(minerva-indexer-lambda minerva-merger-lambda minerva-search-lambda)
out="$root/target/lambda-arm64"
started=$(date +%s)
cargo-lambda lambda build --release --arm64 -p minerva-lambda --lambda-dir "$out"
echo "arm64 release build: $(( $(date +%s) - started )) s"

echo
# The package (all three functions) must not link DataFusion; the Athena SDK is there for the
# search function and is dropped by the linker from the others, which never call it.
engines=$(cargo tree --locked -p minerva-lambda -e normal --target aarch64-unknown-linux-gnu \
  --prefix none | grep -E '^(datafusion|aws-sdk-athena) ' | cut -d' ' -f1 | sort -u | tr '\n' ' ')
echo "query engines linked by minerva-lambda: ${engines:-none}"
if echo "$engines" | grep -q datafusion; then
  echo "minerva-lambda links DataFusion" >&2
  exit 1
fi
printf '%-24s %12s %12s\n' function unzipped zipped
for bin in "${bins[@]}"; do
  file="$out/$bin/bootstrap"
  size=$(stat -c %s "$file")
  zipped=$(gzip -6 -c "$file" | wc -c)
  awk -v b="$bin" -v s="$size" -v z="$zipped" 'BEGIN { printf "%-24s %9.1f MB %9.1f MB\n", b, s/1e6, z/1e6 }'
  if [ "$size" -ge 250000000 ]; then
    echo "$bin is over Lambda's 250 MB unzipped limit" >&2
    exit 1
  fi
done

[ -n "${SKIP_COLD_START:-}" ] && exit 0
echo
echo "== cold starts under the emulator (host build, release)"
cargo build --release --locked -p minerva-lambda
host="$CARGO_TARGET_DIR/release"
moto_port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_log=$(mktemp)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true; rm -f "$moto_log"' EXIT
sleep 2
aws_env=(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
         AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port")
"$venv/bin/python" - "$moto_port" <<'EOF'
import sys, boto3
kw = dict(endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
boto3.client("s3", **kw).create_bucket(Bucket="cold-start-index")
boto3.client("secretsmanager", **kw).create_secret(Name="cold-start-token", SecretString="t" * 32)
EOF
events="$root/lambda/tests/fixtures"
py="$venv/bin/python tests/python/lambda_emulator.py"
for i in 1 2 3; do
  $py "$host/minerva-indexer-lambda" "$events/sqs-sns-s3-moto.json" "${aws_env[@]}" \
    MINERVA_DATA=s3://cold-start-index/minerva
  $py "$host/minerva-merger-lambda" "$events/scheduler.json" "${aws_env[@]}" \
    MINERVA_DATA=s3://cold-start-index/minerva
  $py "$host/minerva-search-lambda" "$events/apigw-v2-healthz.json" "${aws_env[@]}" \
    MINERVA_ATHENA_WORKGROUP=primary MINERVA_ATHENA_DATABASE=minerva \
    MINERVA_API_TOKEN_SECRET=cold-start-token
done 2>&1 | grep -o '"binary": "[^"]*", "cold_start_ms": [0-9.]*'

echo
echo "== indexer throughput under the emulator (host build, release; ${BENCH_SIZE:-256MB} of generated logs)"
minerva="${MINERVA_BIN:-$CARGO_TARGET_DIR/debug/minerva}"  # only for `minerva generate`
[ -x "$minerva" ] || cargo build --workspace --all-targets --locked
"$venv/bin/python" scripts/bench_lambda_indexer.py --lambda-bin "$host/minerva-indexer-lambda" \
  --minerva-bin "$minerva" --s3 "http://127.0.0.1:$moto_port" --s3-log "$moto_log" \
  --size "${BENCH_SIZE:-256MB}" --memory-mb 2048
