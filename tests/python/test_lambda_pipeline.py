"""The AWS pipeline end to end, offline: moto's S3 → SNS → SQS (with a dead-letter queue), the
three Lambda binaries under cargo-lambda's runtime API emulator, and the search API on the
Athena stand-in.

Logs are put into a source bucket whose notification goes to SNS and on to SQS as moto delivers
it; the test plays the part of Lambda's SQS event source mapping (receive a batch, invoke the
indexer, delete what succeeded, let `batchItemFailures` come back until the redrive policy
moves them to the DLQ). Then the merger runs, the tables are created from the generated DDL,
and searches go through the search function as API Gateway v2 events (lambda_http → the axum
router → the Athena backend → the stand-in). They must equal `minerva search` on the same data
and the records planted in the logs. Re-delivering every event adds no file and no hit.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

import athena_standin
import helpers
from lambda_emulator import Function

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
               "AWS_EC2_METADATA_DISABLED": "true"}
MAX_RECEIVES = 2
TOKEN = "pipeline-token-" + uuid.uuid4().hex
ALL = ("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/minerva-target"))


def lambda_bin(name: str) -> str:
    path = target_dir() / "debug" / f"minerva-{name}-lambda"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} not built: cargo build --workspace --all-targets")
    return str(path)


def sources() -> dict[str, bytes]:
    """The logs put into the source bucket, by key (spaces, unicode, `+`, gzip, a document)."""
    cloudtrail = {"Records": [
        {"eventTime": "2024-03-01T10:15:00Z", "eventName": "ConsoleLogin",
         "sourceIPAddress": "198.51.100.7", "userIdentity": {"userName": "pipeline-alice"}},
        {"eventTime": "2024-03-01T11:20:00Z", "eventName": "GetObject",
         "sourceIPAddress": "10.1.2.3", "userIdentity": {"userName": "pipeline-bob"}},
    ]}
    app = "".join(json.dumps({"time": f"2024-03-01T10:{m:02d}:00Z", "user": f"u{m}",
                              "src": "10.1.2.3" if m % 7 == 0 else "10.9.9.9",
                              "msg": "pipelineneedle" if m == 42 else "ok"}) + "\n"
                  for m in range(60))
    syslog = ("2024-03-01T10:30:00Z host sshd[1]: Failed password for root from 10.1.2.3\n"
              "2024-03-01T10:31:00Z host sshd[1]: Accepted password for pipeline-alice\n"
              "{broken json 10.1.2.3\n")
    return {
        "cloudtrail/2024/03/01/trail 1.json.gz": gzip.compress(json.dumps(cloudtrail).encode()),
        "app logs/ü+1.log": app.encode(),
        "syslog/host-a.log": syslog.encode(),
    }


@pytest.fixture(scope="module")
def aws(s3_endpoint):
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config
    kw = dict(endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="test",
              aws_secret_access_key="test")
    return {
        "s3": boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **kw),
        "sns": boto3.client("sns", **kw),
        "sqs": boto3.client("sqs", **kw),
        "secrets": boto3.client("secretsmanager", **kw),
    }


@pytest.fixture(scope="module")
def standin(s3_endpoint, tmp_path_factory):
    server, url = athena_standin.start(s3_endpoint,
                                       cache_dir=str(tmp_path_factory.mktemp("standin")))
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def stack(aws, s3_endpoint, tmp_path_factory):
    """What the SAM template creates, made in moto: buckets, topic, queue + DLQ, the secret."""
    suffix = uuid.uuid4().hex[:10]
    source, index = f"source-{suffix}", f"index-{suffix}"
    s3, sns, sqs = aws["s3"], aws["sns"], aws["sqs"]
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=index)
    topic = sns.create_topic(Name=f"logs-{suffix}")["TopicArn"]
    dlq = sqs.create_queue(QueueName=f"index-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=f"index-{suffix}", Attributes={
        "VisibilityTimeout": "30",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(MAX_RECEIVES)})})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    s3.put_bucket_notification_configuration(Bucket=source, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    secret = aws["secrets"].create_secret(Name=f"minerva-token-{suffix}",
                                          SecretString=TOKEN)["ARN"]
    logs = tmp_path_factory.mktemp("lambda-logs")
    return {"source": source, "index": index, "topic": topic, "queue": queue,
            "queue_arn": queue_arn, "dlq": dlq, "secret": secret, "logs": logs,
            "data": f"s3://{index}/minerva"}


def function_env(s3_endpoint: str, **extra) -> dict[str, str]:
    return {**CREDENTIALS, "AWS_ENDPOINT_URL": s3_endpoint, **extra}


# Per-source rules in the `minerva.toml` format, read by the indexer from S3 (the template's
# IndexerConfigUri): the syslog folder gets its own tag.
RULES = """
[[source]]
match = "s3://*/syslog/**"
tag = "pipeline.sshd"
"""


@pytest.fixture(scope="module")
def indexer(aws, stack, s3_endpoint):
    aws["s3"].put_object(Bucket=stack["index"], Key="config/minerva.toml", Body=RULES.encode())
    fn = Function(lambda_bin("indexer"), function_env(
        s3_endpoint, MINERVA_DATA=stack["data"], MINERVA_MAX_RECEIVE_COUNT=str(MAX_RECEIVES),
        MINERVA_CONFIG=f"s3://{stack['index']}/config/minerva.toml",
        MINERVA_DEADLINE_MARGIN_SECS="5"), stack["logs"], "indexer").start()
    yield fn
    fn.stop()


def sqs_event(messages: list[dict], queue_arn: str) -> dict:
    """The event Lambda's SQS event source mapping sends for received messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": "us-east-1"} for m in messages]}


def drain(aws, stack, fn: Function, rounds: int = 30) -> dict:
    """Plays the SQS event source mapping until the queue is empty: batches of up to 10,
    successes deleted, reported failures made visible again at once."""
    sqs, queue = aws["sqs"], stack["queue"]
    stats = {"invocations": 0, "messages": 0, "failures": []}
    empty = 0
    for _ in range(rounds):
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  AttributeNames=["All"]).get("Messages", [])
        if not got:
            empty += 1
            if empty >= 2:
                return stats
            continue
        empty = 0
        answer = fn.invoke(sqs_event(got, stack["queue_arn"]))
        stats["invocations"] += 1
        stats["messages"] += len(got)
        failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
        stats["failures"] += sorted(failed)
        assert failed <= {m["MessageId"] for m in got}, answer
        for m in got:
            if m["MessageId"] in failed:
                sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"],
                                              VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    raise AssertionError(f"the queue did not drain: {stats}")


def index_keys(aws, stack) -> list[str]:
    pages = aws["s3"].get_paginator("list_objects_v2").paginate(
        Bucket=stack["index"], Prefix="minerva/")
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []))


@pytest.fixture(scope="module")
def indexed(aws, stack, indexer):
    """Every source object put, every notification delivered, the queue drained."""
    for key, body in sources().items():
        aws["s3"].put_object(Bucket=stack["source"], Key=key, Body=body)
    # A poison message: SNS delivers it, nothing can read it.
    aws["sns"].publish(TopicArn=stack["topic"], Message=json.dumps({"hello": "world"}))
    stats = drain(aws, stack, indexer)
    return stats


def test_the_indexer_indexes_every_object_and_dead_letters_the_poison(aws, stack, indexed,
                                                                      indexer):
    # The poison message failed each time it was received, then moved to the DLQ.
    assert len(indexed["failures"]) == MAX_RECEIVES, indexed
    dead = aws["sqs"].receive_message(QueueUrl=stack["dlq"], MaxNumberOfMessages=10,
                                      WaitTimeSeconds=1).get("Messages", [])
    assert len(dead) == 1
    assert "hello" in json.loads(dead[0]["Body"])["Message"]
    log = indexer.log_text()
    assert "giving up: the message goes to the dead-letter queue" in log
    assert "world" not in log, "message content must not reach the logs"
    keys = index_keys(aws, stack)
    assert any(k.startswith("minerva/_ledger/") for k in keys)
    hours = {k.split("/")[2] for k in keys if k.startswith("minerva/indices/")}
    assert {"dt=2024-03-01-10", "dt=2024-03-01-11"} <= hours, hours
    assert indexer.alive()


def test_re_delivery_adds_no_file(aws, stack, indexed, indexer):
    before = index_keys(aws, stack)
    ledger_before = {k: aws["s3"].get_object(Bucket=stack["index"], Key=k)["Body"].read()
                     for k in before if "/_ledger/" in k}
    # S3 delivers at least once: send every object's event again.
    for key in sources():
        record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                  "s3": {"bucket": {"name": stack["source"]},
                         "object": {"key": urllib.parse.quote_plus(key, safe="/")}}}
        aws["sns"].publish(TopicArn=stack["topic"], Message=json.dumps({"Records": [record]}))
    stats = drain(aws, stack, indexer)
    assert stats["messages"] == len(sources()) and not stats["failures"], stats
    assert index_keys(aws, stack) == before
    for key, body in ledger_before.items():
        assert aws["s3"].get_object(Bucket=stack["index"], Key=key)["Body"].read() == body


@pytest.fixture(scope="module")
def merged(stack, s3_endpoint, indexed):
    fn = Function(lambda_bin("merger"), function_env(
        s3_endpoint, MINERVA_DATA=stack["data"], MINERVA_DEADLINE_MARGIN_SECS="5"),
        stack["logs"], "merger").start()
    try:
        bad = None
        try:
            fn.invoke({"hour": "yesterday"})
        except Exception as e:  # noqa: BLE001 - the error is the point
            bad = str(e)
        assert bad and "YYYY-MM-DD-HH" in bad
        summary = fn.invoke({"all": True})
        again = fn.invoke({"all": True})
    finally:
        fn.stop()
    return summary, again


def test_the_merger_compacts_and_a_second_run_has_nothing_to_do(merged, aws, stack):
    summary, again = merged
    assert summary["merges"] >= 1 and not summary["stopped_early"], summary
    assert summary["files_after"] < summary["files_before"], summary
    assert again["merges"] == 0, again
    hour10 = [k for k in index_keys(aws, stack)
              if k.startswith("minerva/indices/dt=2024-03-01-10/") and k.endswith(".parquet")]
    assert len(hour10) == 1, hour10


@pytest.fixture(scope="module")
def search_fn(minerva_bin, stack, s3_endpoint, standin, merged):
    env = function_env(s3_endpoint, AWS_ENDPOINT_URL_ATHENA=standin)
    proc = helpers.run_minerva(minerva_bin, [
        "athena", "setup", "--data", stack["data"], "--athena-database", "pipeline",
        "--athena-workgroup", "primary", "--athena-output",
        f"s3://{stack['index']}/athena-results/"], env=env)
    assert proc.returncode == 0, proc.stderr
    fn = Function(lambda_bin("search"), {
        **env, "MINERVA_ATHENA_WORKGROUP": "primary", "MINERVA_ATHENA_DATABASE": "pipeline",
        "MINERVA_ATHENA_OUTPUT": f"s3://{stack['index']}/athena-results/",
        "MINERVA_DATA": stack["data"], "MINERVA_API_TOKEN_SECRET": stack["secret"],
        # The fixtures span years (a line with no time takes the object's); the default
        # 31-day cap on a search's range is tested on its own below.
        "MINERVA_MAX_RANGE_DAYS": "5000",
        "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH": "true"}, stack["logs"], "search",
        memory_mb=1024).start()
    yield fn
    fn.stop()
    assert TOKEN not in fn.log_text(), "the token must not reach the logs"


def apigw(method: str, path: str, body=None, token: str | None = TOKEN, query: str = "") -> dict:
    """An API Gateway HTTP API (payload v2) event."""
    headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com",
               "content-type": "application/json", "x-forwarded-proto": "https"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "stage": "$default",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "pytest"},
            "requestId": uuid.uuid4().hex, "routeKey": "$default",
            "time": "04/Dec/2026:10:00:00 +0000", "timeEpoch": int(time.time() * 1000)},
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def call(fn: Function, *args, **kw) -> tuple[int, dict | str, dict]:
    answer = fn.invoke(apigw(*args, **kw))
    raw = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    try:
        return answer["statusCode"], json.loads(raw), headers
    except json.JSONDecodeError:
        return answer["statusCode"], raw, headers


def api_search(fn: Function, query: str) -> list[dict]:
    status, created, _ = call(fn, "POST", "/api/v1/search",
                              {"query": query, "start": ALL[0], "end": ALL[1]})
    assert status == 201, created
    deadline = time.monotonic() + 120
    while True:
        status, view, _ = call(fn, "GET", f"/api/v1/search/{created['id']}")
        assert status == 200, view
        if view["state"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, view
        time.sleep(0.2)
    assert view["state"] == "succeeded", view
    hits, offset = [], 0
    while offset < view["total"]:
        status, page, _ = call(fn, "GET", f"/api/v1/search/{created['id']}/logs",
                               query=f"offset={offset}&limit=1000")
        assert status == 200, page
        hits += page["hits"]
        offset += len(page["hits"])
        if not page["hits"]:
            break
    assert len(hits) == view["total"]
    return hits


def cli_search(minerva_bin, stack, s3_endpoint, query: str) -> list[dict]:
    env = function_env(s3_endpoint)
    proc = helpers.run_minerva(minerva_bin, [
        "search", "--data", stack["data"], "--engine", "embedded", "--from", ALL[0],
        "--to", ALL[1], "--output", "jsonl", "--limit", "0", "--", query], env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


# (query, messages expected, found by reading the sources in Python)
def expected(query_words: list[str]) -> list[str]:
    out = []
    for key, body in sources().items():
        text = gzip.decompress(body) if key.endswith(".gz") else body
        if key.endswith(".gz"):
            records = [json.dumps(r) for r in json.loads(text)["Records"]]
        else:
            records = text.decode().splitlines()
        out += [r for r in records if all(w in r for w in query_words)]
    return out


@pytest.mark.parametrize("query,words", [
    ("pipelineneedle", ["pipelineneedle"]),
    ("10.1.2.3", ["10.1.2.3"]),
    ("userIdentity.userName=pipeline-alice", ["pipeline-alice", "ConsoleLogin"]),
    ('"failed password"', ["Failed password"]),
])
def test_searches_through_the_api_function_equal_the_cli(search_fn, minerva_bin, stack,
                                                         s3_endpoint, query, words):
    api = api_search(search_fn, query)
    cli = cli_search(minerva_bin, stack, s3_endpoint, query)
    assert [(h["object_id"], h["seq"]) for h in api] == [(h["object_id"], h["seq"]) for h in cli]
    assert [h["message"] for h in api] == [h["message"] for h in cli]
    want = expected(words)
    assert len(api) == len(want), (query, [h["message"] for h in api], want)
    if query != "userIdentity.userName=pipeline-alice":  # a document's records are re-encoded
        assert sorted(h["message"] for h in api) == sorted(want)


def test_the_api_function_is_never_open_and_serves_the_ui(search_fn):
    status, body, _ = call(search_fn, "POST", "/api/v1/search", {"query": "x"}, token=None)
    assert status == 401, body
    status, body, _ = call(search_fn, "POST", "/api/v1/search", {"query": "x"}, token="wrong")
    assert status == 401, body
    status, body, headers = call(search_fn, "GET", "/", token=None)
    assert status == 200 and "<html" in body.lower(), body[:200]
    assert "access-control-allow-origin" not in headers, "CORS stays closed"
    status, body, _ = call(search_fn, "POST", "/api/v1/search", {"query": "((("})
    assert status == 400 and body["error"], body


def test_the_rules_read_from_s3_tag_their_source(search_fn):
    hits = api_search(search_fn, '"failed password"')
    assert [h["tag"] for h in hits] == ["pipeline.sshd"], hits
    others = api_search(search_fn, "pipelineneedle")
    assert others and all(h["tag"] != "pipeline.sshd" for h in others), others
