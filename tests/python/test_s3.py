"""S3 in both directions against a real S3-compatible server (moto_server): writing the index
to s3://bucket/prefix, and indexing raw logs listed under an s3:// prefix."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import helpers
from helpers import connect, create_views

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
SAMPLES = ["loghub_2k/OpenSSH_2k.log", "zeek_wrccdc2018_brimdata/kerberos.ndjson",
           "zeek_wrccdc2018_brimdata/dns.head8000.ndjson.gz",
           "aws_samples_elastic_grafana/vpcflow_elastic_integrations_test-extra-samples.log"]

KEY_RE = re.compile(r"^some/prefix/(indices|messages)/dt=\d{4}-\d{2}-\d{2}-\d{2}/"
                    r"[0-9a-f]{32}-\d{4}\.parquet$")


@pytest.fixture()
def s3(s3_endpoint, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture()
def env(s3_endpoint):
    """Environment for the minerva process: the moto endpoint and dummy credentials."""
    return {"AWS_ENDPOINT_URL": s3_endpoint, **CREDENTIALS}


def new_bucket(s3, name: str) -> str:
    bucket = f"{name}-{uuid.uuid4().hex[:12]}"  # a fresh bucket even on a long-lived server
    s3.create_bucket(Bucket=bucket)
    return bucket


def list_keys(s3, bucket: str, prefix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return sorted(keys)


def copy_samples(datasets_dir: Path, folder: Path) -> list[Path]:
    """Copies SAMPLES into `folder` (fresh files, so their object ids are this test's own)."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = []
    for rel in helpers.samples_or_in_repo(datasets_dir, SAMPLES):
        dst = folder / Path(rel).name
        shutil.copy2(datasets_dir / rel, dst)
        inputs.append(dst)
    return inputs


def test_index_written_to_s3_matches_a_local_index(minerva_bin, datasets_dir, s3, env, tmp_path):
    inputs = copy_samples(datasets_dir, tmp_path / "in")
    bucket = new_bucket(s3, "idx-bucket")
    helpers.index(minerva_bin, f"s3://{bucket}/some/prefix", inputs, env=env)
    local = tmp_path / "local"
    helpers.index(minerva_bin, str(local), inputs)

    keys = list_keys(s3, bucket)
    assert keys, "nothing written to the bucket"
    bad = [k for k in keys if not KEY_RE.match(k)]
    assert not bad, bad
    assert {k.split("/")[2] for k in keys} == {"indices", "messages"}

    downloaded = tmp_path / "downloaded"
    for key in keys:
        dst = downloaded / key.removeprefix("some/prefix/")
        dst.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(dst))
    # Same objects, same names: the S3 copy and the local folder hold the same files...
    local_files = {str(p.relative_to(local)) for p in helpers.all_data_files(local)}
    assert {str(p.relative_to(downloaded)) for p in helpers.all_data_files(downloaded)} == local_files
    # ... that pyarrow reads with the same row counts as the local index and the raw lines.
    for table in ("indices", "messages"):
        remote_files = helpers.parquet_files(downloaded, table)
        for p in remote_files:
            assert pq.ParquetFile(p).read().num_rows == pq.read_metadata(local / p.relative_to(
                downloaded)).num_rows, p
        assert helpers.total_rows(remote_files) == helpers.total_rows(
            helpers.parquet_files(local, table))
    expected = sum(len(helpers.expected_records(helpers.content(p))) for p in inputs)
    assert helpers.total_rows(helpers.parquet_files(downloaded, "messages")) == expected


def test_index_raw_logs_from_an_s3_prefix(minerva_bin, datasets_dir, s3, env, tmp_path):
    helpers.need_datasets(datasets_dir, *SAMPLES, "zeek_wrccdc2018_brimdata/ssh.ndjson")
    bucket = new_bucket(s3, "raw-bucket")
    uploads = {  # key -> bytes as uploaded
        "logs/ssh/OpenSSH_2k.log": (datasets_dir / SAMPLES[0]).read_bytes(),
        "logs/zeek/kerberos.ndjson": (datasets_dir / SAMPLES[1]).read_bytes(),
        # Gzipped here, so the object is compressed whatever its name says.
        "logs/zeek/ssh.ndjson.gz": gzip.compress(
            (datasets_dir / "zeek_wrccdc2018_brimdata/ssh.ndjson").read_bytes()),
        "logs/vpc/flows.log": (datasets_dir / SAMPLES[3]).read_bytes(),
    }
    for key, body in uploads.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    # Outside the prefix (and a look-alike prefix): must not be indexed.
    s3.put_object(Bucket=bucket, Key="other/OpenSSH_2k.log", Body=uploads["logs/ssh/OpenSSH_2k.log"])
    s3.put_object(Bucket=bucket, Key="logs-old/flows.log", Body=uploads["logs/vpc/flows.log"])

    data = tmp_path / "data"
    report = helpers.index(minerva_bin, str(data), [f"s3://{bucket}/logs/"],
                           report=tmp_path / "report.json", env=env)
    expected = {f"s3://{bucket}/{key}": helpers.expected_records(
        gzip.decompress(body) if body[:2] == helpers.GZIP_MAGIC else body)
        for key, body in uploads.items()}
    assert sorted(o["uri"] for o in report["objects"]) == sorted(expected)

    con = connect()
    create_views(con, data)
    stored: dict[str, dict[int, tuple]] = {}
    for source, seq, message, raw in con.execute(
            "SELECT source, seq, message, raw FROM messages").fetchall():
        assert seq not in stored.setdefault(source, {}), (source, seq)
        stored[source][seq] = (message, raw)
    con.close()
    assert set(stored) == set(expected)
    for source, records in expected.items():
        assert len(stored[source]) == len(records), source
        assert stored[source] == records, source

    # A single key (not a prefix) is exactly one object.
    single = tmp_path / "single"
    helpers.index(minerva_bin, str(single), [f"s3://{bucket}/logs/zeek/ssh.ndjson.gz"], env=env)
    con = connect()
    create_views(con, single)
    rows = con.execute("SELECT DISTINCT source FROM messages").fetchall()
    count = con.execute("SELECT count(*) FROM messages").fetchone()[0]
    con.close()
    assert rows == [(f"s3://{bucket}/logs/zeek/ssh.ndjson.gz",)]
    assert count == len(expected[f"s3://{bucket}/logs/zeek/ssh.ndjson.gz"])


def test_writing_to_a_missing_bucket_fails_and_names_it(minerva_bin, datasets_dir, s3, env,
                                                        tmp_path):
    bucket = f"missing-{uuid.uuid4().hex[:12]}"  # never created
    proc = helpers.run_minerva(minerva_bin, ["index", "--quiet", "--data", f"s3://{bucket}/p",
                                             str(datasets_dir / helpers.IN_REPO_SAMPLES[0])], env=env)
    assert proc.returncode == 1  # the object failed; the run itself completed
    assert bucket in proc.stderr
    created = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"] == bucket]
    assert created == []  # the bucket was not created behind our back


def test_search_an_index_on_s3(minerva_bin, datasets_dir, s3, env, tmp_path):
    """`minerva search --data s3://…` finds what the same search over a local copy finds."""
    helpers.need_datasets(datasets_dir, *SAMPLES)
    inputs = [datasets_dir / rel for rel in SAMPLES]
    bucket = new_bucket(s3, "search-bucket")
    helpers.index(minerva_bin, f"s3://{bucket}/idx", inputs, env=env)
    local = tmp_path / "local"
    helpers.index(minerva_bin, str(local), inputs)

    def hits(data, query):
        proc = helpers.run_minerva(
            minerva_bin,
            ["search", "--output", "jsonl", "--limit", "100000", "--data", data, "--", query],
            env=env)
        assert proc.returncode in (0, 1), proc.stderr
        return sorted((json.loads(l)["source"], json.loads(l)["seq"])
                      for l in proc.stdout.splitlines())

    for query in ["173.234.31.186", '"failed password" root', "id.resp_h=10.47.1.208"]:
        remote = hits(f"s3://{bucket}/idx", query)
        assert remote == hits(str(local), query), query
    assert hits(f"s3://{bucket}/idx", "173.234.31.186"), "the chosen IP is in OpenSSH_2k.log"


MERGED_RE = re.compile(r"^m/(indices|messages)/dt=\d{4}-\d{2}-\d{2}-\d{2}/"
                       r"(m-[0-9a-f]{32}-\d{4}\.parquet|_m-[0-9a-f]{32}\.json)$")
# The hour sketch the merger writes beside each merged indices group (never in messages).
SKETCH_RE = re.compile(r"^m/indices/dt=(\d{4}-\d{2}-\d{2}-\d{2})/_s-[0-9a-f]{32}\.sbbf1$")


def test_merge_on_s3_keeps_every_record_and_answers_the_same(minerva_bin, datasets_dir, s3, env,
                                                             tmp_path):
    helpers.need_datasets(datasets_dir, *SAMPLES)
    inputs = copy_samples(datasets_dir, tmp_path / "in")
    # Each file twice, under another name: several small objects per hour.
    for src in list(inputs):
        dst = src.with_name("copy-" + src.name)
        shutil.copy2(src, dst)
        inputs.append(dst)
    bucket = new_bucket(s3, "merge-bucket")
    uri = f"s3://{bucket}/m"
    helpers.index(minerva_bin, uri, inputs, env=env)
    queries = ["root", "10.47.1.100", "krbtgt", "sshd AND failed"]

    def answers():
        out = {}
        for q in queries:
            proc = helpers.run_minerva(minerva_bin, ["search", "--output", "jsonl", "--limit",
                                                     "100000", "--data", uri, "--", q], env=env)
            assert proc.returncode in (0, 1), proc.stderr
            hits = [(h["source"], h["seq"]) for h in map(json.loads, proc.stdout.splitlines())]
            assert len(hits) == len(set(hits)), q
            out[q] = sorted(hits)
        return out

    before, keys_before = answers(), list_keys(s3, bucket)
    assert all(before.values())
    proc = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", uri], env=env)
    assert proc.returncode == 0, proc.stderr
    keys = list_keys(s3, bucket)
    odd = [k for k in keys if not (MERGED_RE.match(k) or SKETCH_RE.match(k))]
    assert not odd, odd[:5]
    sketched = {SKETCH_RE.match(k).group(1) for k in keys if SKETCH_RE.match(k)}
    merged_hours = {k.split("/")[2][3:] for k in keys
                    if k.startswith("m/indices/") and k.endswith(".parquet")}
    assert sketched == merged_hours, sorted(merged_hours ^ sketched)[:5]
    assert len([k for k in keys if k.endswith(".parquet")]) < len(keys_before)
    assert answers() == before
    again = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", uri], env=env)
    assert again.returncode == 0 and "0 changed" in again.stdout, again.stdout
    assert list_keys(s3, bucket) == keys
