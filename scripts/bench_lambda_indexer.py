"""The indexer Lambda's throughput, memory and S3 requests, measured under the emulator.

Generated logs are put into a source bucket on moto_server; the indexer function (a release
build) runs under cargo-lambda's runtime API emulator and is invoked once with an SQS batch of
one S3 event per object, as the SQS trigger would. Measured on the function's process:
CPU seconds (user+sys, /proc/PID/stat) and wall time of that invocation, peak RSS (VmHWM),
and the S3 requests it sent (moto's request log). From these: MB of raw logs per CPU-second,
and the Lambda GB-seconds and request costs per TB of logs at the template's memory size.

    python scripts/bench_lambda_indexer.py --lambda-bin B --minerva-bin M \
        --s3 http://127.0.0.1:PORT --s3-log MOTO.log [--size 256MB] [--memory-mb 2048]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
from lambda_emulator import Function  # noqa: E402

# us-east-1 list prices (2026): Lambda arm64 per GB-second, S3 Standard requests, SQS requests.
LAMBDA_ARM_GB_S = 0.0000133334
S3_PUT = 0.005 / 1000  # also COPY, POST, LIST
S3_GET = 0.0004 / 1000
SQS_REQUEST = 0.40 / 1_000_000
# Lambda gives a function one vCPU's worth of time at 1,769 MB, in proportion below and above.
MB_PER_VCPU = 1769
TICKS = os.sysconf("SC_CLK_TCK")
REQUEST_LINE = re.compile(r'"(GET|PUT|HEAD|POST|DELETE) /([^/ ?]+)[^"]*" (\d{3})')


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def s3_event(bucket: str, key: str, size: int) -> str:
    from urllib.parse import quote_plus
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/"),
                                                         "size": size}}}]})


def sqs_event(bodies: list[str]) -> dict:
    return {"Records": [{
        "messageId": f"bench-{i}", "receiptHandle": f"rh-{i}", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench",
        "awsRegion": "us-east-1"} for i, body in enumerate(bodies)]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lambda-bin", required=True)
    ap.add_argument("--minerva-bin", required=True)
    ap.add_argument("--s3", required=True)
    ap.add_argument("--s3-log", required=True)
    ap.add_argument("--size", default="256MB")
    ap.add_argument("--memory-mb", type=int, default=2048)
    args = ap.parse_args()

    kw = dict(endpoint_url=args.s3, region_name="us-east-1", aws_access_key_id="test",
              aws_secret_access_key="test")
    s3 = boto3.client("s3", **kw)
    source, index = "bench-source", "bench-index"
    for bucket in (source, index):
        s3.create_bucket(Bucket=bucket)

    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        subprocess.run([args.minerva_bin, "generate", "--out", str(logs), "--size", args.size,
                        "--span", "24h", "--files-per-kind", "2"], check=True,
                       stdout=subprocess.DEVNULL)
        files = sorted(p for p in logs.rglob("*") if p.is_file() and p.name != "manifest.json")
        raw = 0
        bodies = []
        for path in files:
            key = f"logs/{path.relative_to(logs)}"
            s3.upload_file(str(path), source, key)
            raw += path.stat().st_size
            bodies.append(s3_event(source, key, path.stat().st_size))

        env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL": args.s3, "MINERVA_DATA": f"s3://{index}/minerva",
               "RUST_LOG": "warn"}
        fn = Function(args.lambda_bin, env, Path(tmp), "indexer", memory_mb=args.memory_mb)
        fn.start()
        try:
            fn.invoke(sqs_event(['{"Event":"s3:TestEvent"}']))  # cold start done
            pid = fn.proc.pid
            log = Path(args.s3_log)
            log_start = len(log.read_text(errors="replace").splitlines())
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            answer = fn.invoke(sqs_event(bodies))
            wall, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
            rss = peak_rss_mib(pid)
            time.sleep(0.5)
            lines = log.read_text(errors="replace").splitlines()[log_start:]
        finally:
            fn.stop()
    if answer.get("batchItemFailures"):
        raise SystemExit(f"the indexer failed messages: {answer}")

    requests = Counter()
    for line in lines:
        m = REQUEST_LINE.search(line)
        if m and m.group(2) in (source, index):
            # A LIST is a GET on the bucket, billed at the PUT price.
            method = "LIST" if m.group(1) == "GET" and "list-type=" in line else m.group(1)
            requests[(m.group(2), method)] += 1
    objects = s3.list_objects_v2(Bucket=index, Prefix="minerva/").get("Contents", [])
    stored = sum(o["Size"] for o in objects)
    mb = raw / 1e6
    rate = mb / cpu
    vcpu = args.memory_mb / MB_PER_VCPU
    gb_s_per_tb = (args.memory_mb / 1024) * (1e6 / rate) / vcpu
    n = len(files)
    puts = sum(v for (b, m), v in requests.items() if m in ("PUT", "POST", "DELETE", "LIST"))
    gets = sum(v for (b, m), v in requests.items() if m in ("GET", "HEAD"))
    mb_per_object = mb / n
    objects_per_tb = 1e6 / mb_per_object
    result = {
        "objects": n, "raw_mb": round(mb, 1), "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2), "mb_per_cpu_s": round(rate, 1),
        "peak_rss_mib": round(rss, 1), "stored_over_raw": round(stored / raw, 3),
        "index_files": len(objects),
        "s3_requests": {f"{b} {m}": v for (b, m), v in sorted(requests.items())},
        "s3_requests_per_object": {"write": round(puts / n, 1), "read": round(gets / n, 1)},
        "memory_mb": args.memory_mb,
        "lambda_gb_s_per_tb": round(gb_s_per_tb),
        "usd_per_tb": {
            "lambda": round(gb_s_per_tb * LAMBDA_ARM_GB_S, 2),
            # at this object size; S3 requests grow with the number of objects
            "s3_requests": round(objects_per_tb * (puts * S3_PUT + gets * S3_GET) / n, 2),
            "sqs": round(objects_per_tb * 3 * SQS_REQUEST, 4),
        },
        "object_mb": round(mb_per_object, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
