"""Exact totals whatever the hit count: a term with more than 100,000 hits in generated logs.
Total, per-tag counts and timeline buckets equal a DuckDB count over the index, and export and
`minerva search --limit 0` return every hit once — on the embedded engine and on Athena (the
stand-in)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime, timezone

import pytest

import helpers
from test_athena import CREDENTIALS, start_serve, upload_tree, standin, s3  # noqa: F401

TERM = "ok"


@pytest.fixture(scope="module")
def big(minerva_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    proc = helpers.run_minerva(minerva_bin, ["generate", "--out", str(root / "logs"), "--size",
                                             "30MB", "--kinds", "vpcflow,web",
                                             "--files-per-kind", "2"])
    assert proc.returncode == 0, proc.stderr
    (root / "logs" / "manifest.json").unlink()
    helpers.index(minerva_bin, str(root / "data"), [str(root / "logs")])
    proc = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", str(root / "data")])
    assert proc.returncode == 0, proc.stderr
    con = helpers.connect()
    glob = str(root / "data" / "{}" / "dt=*" / "*.parquet")
    # An index row's time is its message's (format v2 `indices` hold no time).
    rows = con.execute(
        f"SELECT DISTINCT i.object_id, i.seq, i.tag, epoch_us(m.\"timestamp\") "
        f"FROM read_parquet('{glob.format('indices')}') i "
        f"JOIN read_parquet('{glob.format('messages')}') m USING (object_id, seq)"
        f" WHERE term = '{TERM}'").fetchall()
    assert len(rows) > 100_000, f"the generated data should hold > 100,000 {TERM!r} hits"
    return root / "data", rows


def check(view, timeline, rows):
    assert view["state"] == "succeeded" and not view["truncated"], view
    assert view["total"] == len(rows)
    assert view["tag_counts"] == dict(Counter(r[2] for r in rows))
    starts = [datetime.fromisoformat(b["start"].replace("Z", "+00:00")) for b in timeline["buckets"]]
    starts_us = [int(s.replace(tzinfo=timezone.utc).timestamp() * 1_000_000) for s in starts]
    for i, bucket in enumerate(timeline["buckets"]):
        end = starts_us[i + 1] if i + 1 < len(starts_us) else 2**62
        direct = Counter(r[2] for r in rows if starts_us[i] <= r[3] < end)
        assert bucket["counts"] == dict(direct), f"bucket {i}"


def run_checks(srv, rows):
    view = srv.search(TERM)
    status, body = srv.request("GET", f"/api/v1/search/{view['id']}/timeline?buckets=72")
    assert status == 200, body
    check(view, json.loads(body), rows)
    status, body = srv.request("GET", f"/api/v1/search/{view['id']}/export")
    assert status == 200
    exported = [json.loads(line) for line in body.splitlines()]
    keys = {(h["object_id"], h["seq"]) for h in exported}
    assert len(exported) == len(keys) == len(rows)
    assert keys == {(r[0], r[1]) for r in rows}
    # A page far past 100,000.
    status, body = srv.request("GET", f"/api/v1/search/{view['id']}/logs?offset=100500&limit=7")
    page = json.loads(body)
    assert page["total"] == len(rows) and len(page["hits"]) == 7
    assert [(h["object_id"], h["seq"]) for h in page["hits"]] == \
        [(h["object_id"], h["seq"]) for h in exported[100500:100507]]


def test_embedded_totals_are_exact(minerva_bin, big, tmp_path):
    data, rows = big
    proc = helpers.run_minerva(minerva_bin, ["search", "--data", str(data), "--limit", "0",
                                             "--output", "jsonl", TERM])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len({(json.loads(x)["object_id"], json.loads(x)["seq"]) for x in lines})
    assert len(lines) == len(rows)
    srv = start_serve(minerva_bin, {"MINERVA_DATA": str(data)}, tmp_path)
    try:
        run_checks(srv, rows)
    finally:
        srv.proc.terminate()


def test_athena_totals_are_exact(minerva_bin, big, s3, s3_endpoint, standin, tmp_path):  # noqa: F811
    data, rows = big
    bucket = f"big-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    upload_tree(s3, bucket, "big", data)
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL": s3_endpoint, "AWS_ENDPOINT_URL_ATHENA": standin,
           "MINERVA_ATHENA_OUTPUT": f"s3://{bucket}/results/", "MINERVA_ENGINE": "athena",
           "MINERVA_ATHENA_DATABASE": "big", "MINERVA_DATA": f"s3://{bucket}/big"}
    proc = helpers.run_minerva(minerva_bin, ["athena", "setup"], env=env)
    assert proc.returncode == 0, proc.stderr
    srv = start_serve(minerva_bin, env, tmp_path)
    try:
        run_checks(srv, rows)
    finally:
        srv.proc.terminate()
