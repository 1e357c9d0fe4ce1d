"""Indexes written in format v1 (a `timestamp` column in `indices`, one per posting) still
answer: the search reads them as v2 (the extra column is never read) with the same hits, and the
merger turns them into v2 files. The v1 files are made from a v2 index by adding each row's
time from its message, the way v1 wrote them."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import helpers

RANGE = ["--from", "2024-03-01T00:30:00Z", "--to", "2024-03-01T05:15:00.5Z"]
QUERIES = ["GetObject", "sshd", "eventName=ConsoleLogin", "\"Accepted publickey\"", "10.0.0.0/8",
           "172.31.255.77", "tani@cookpad.com"]
V1_COLUMNS = ["tag", "timestamp", "field", "term", "object_id", "seq"]


def search(binary, data, query):
    proc = helpers.run_minerva(binary, ["search", "--data", str(data), "--limit", "0",
                                        "--output", "jsonl", *RANGE, "--", query])
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((h["object_id"], h["seq"], h["timestamp"]) for h in map(json.loads, proc.stdout.splitlines()))


def to_v1(data):
    """Rewrites every `indices` file of `data` with the v1 columns."""
    con = helpers.connect()
    for path in helpers.parquet_files(data, "indices"):
        messages = data / "messages" / path.parent.name / "*.parquet"
        table = con.sql(
            f"SELECT i.tag, m.timestamp, i.field, i.term, i.object_id, i.seq "
            f"FROM read_parquet('{path}') i JOIN read_parquet('{messages}') m USING (object_id, seq) "
            f"ORDER BY i.term, i.field, i.object_id, i.seq").to_arrow_table()
        assert table.num_rows == pq.read_metadata(path).num_rows, path
        assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
        pq.write_table(table, path, compression="zstd")


@pytest.fixture(scope="module")
def indexes(minerva_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("v1")
    proc = helpers.run_minerva(minerva_bin, ["generate", "--out", str(root / "logs"), "--size", "4MB",
                                             "--span", "6h", "--start", "2024-03-01T00:00:00Z"])
    assert proc.returncode == 0, proc.stderr
    (root / "logs" / "manifest.json").unlink()
    helpers.index(minerva_bin, str(root / "v2"), [str(root / "logs")])
    shutil.copytree(root / "v2", root / "v1")
    to_v1(root / "v1")
    return root / "v2", root / "v1"


def test_v1_indices_answer_like_v2_and_merge_into_v2(minerva_bin, indexes):
    v2, v1 = indexes
    for path in helpers.parquet_files(v2, "indices"):
        assert "timestamp" not in pq.read_schema(path).names, path
    for path in helpers.parquet_files(v1, "indices"):
        assert pq.read_schema(path).names == V1_COLUMNS, path
    want = {q: search(minerva_bin, v2, q) for q in QUERIES}
    assert all(len(hits) >= 2 for hits in want.values()), {q: len(h) for q, h in want.items()}
    assert {q: search(minerva_bin, v1, q) for q in QUERIES} == want
    proc = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", str(v1)])
    assert proc.returncode == 0, proc.stderr
    merged = helpers.parquet_files(v1, "indices")
    assert merged and all(p.name.startswith("m-") for p in merged), merged
    for path in merged:
        assert "timestamp" not in pq.read_schema(path).names, path
    assert {q: search(minerva_bin, v1, q) for q in QUERIES} == want
