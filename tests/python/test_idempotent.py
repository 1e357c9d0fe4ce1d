"""Re-indexing: the same objects give the same files; a changed object is a new object.

An object's identity (its `object_id`, which names its Parquet files) is derived from
`file` + absolute path + size + mtime (in ns) for local files, and from bucket + key + ETag
(+ version) for S3 objects. So indexing an unchanged file again rewrites byte-identical files
under the same names (no duplicates), while a file that changed (new size or mtime) is a new
object: its records are written under a new object_id and the files of the previous version
stay as they are (nothing is deleted; both versions are then queryable)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import helpers
from helpers import connect, create_views

# Small real inputs of different layouts: plain text, Zeek NDJSON (gzipped), VPC Flow Logs.
SAMPLES = ["loghub_2k/HDFS_2k.log", "zeek_wrccdc2018_brimdata/ssh.ndjson",
           "zeek_wrccdc2018_brimdata/dns.head8000.ndjson.gz",
           "aws_samples_elastic_grafana/vpcflow_grafana_aws-flow-logs-10.3.11.57-142.250.185.91.log"]


@pytest.fixture()
def inputs(datasets_dir, tmp_path) -> list[Path]:
    """Copies of a few dataset files in a temporary folder (they get modified)."""
    out = []
    for rel in helpers.samples_or_in_repo(datasets_dir, SAMPLES):
        dst = tmp_path / "in" / rel.replace("/", "__")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(datasets_dir / rel, dst)
        out.append(dst)
    return out


def snapshot(data: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `data`."""
    return {str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in helpers.all_data_files(data)}


def messages_by_source(data: Path) -> dict[str, dict[str, list[int]]]:
    """source -> object_id -> sorted seqs, read with DuckDB."""
    con = connect()
    create_views(con, data)
    out: dict[str, dict[str, list[int]]] = {}
    for source, object_id, seq in con.execute(
            "SELECT source, object_id, seq FROM messages ORDER BY ALL").fetchall():
        out.setdefault(source, {}).setdefault(object_id, []).append(seq)
    con.close()
    return out


def expected_seqs(path: Path) -> list[int]:
    return sorted(helpers.expected_records(helpers.content(path)))


def test_indexing_twice_rewrites_identical_files(minerva_bin, inputs, tmp_path):
    data = tmp_path / "data"
    helpers.index(minerva_bin, str(data), inputs)
    first = snapshot(data)
    assert any(k.startswith("messages/") for k in first)
    assert any(k.startswith("indices/") for k in first)

    helpers.index(minerva_bin, str(data), inputs)
    second = snapshot(data)
    assert second == first  # same names, same bytes

    # Indexing a folder that holds the same files is the same objects again.
    helpers.index(minerva_bin, str(data), [str(inputs[0].parent)])
    assert snapshot(data) == first

    by_source = messages_by_source(data)
    assert set(by_source) == {f"file://{p.resolve()}" for p in inputs}
    for path in inputs:
        versions = by_source[f"file://{path.resolve()}"]
        assert len(versions) == 1, path  # one object_id: no duplicate version
        assert list(versions.values())[0] == expected_seqs(path), path
    total = helpers.total_rows(helpers.parquet_files(data, "messages"))
    assert total == sum(len(expected_seqs(p)) for p in inputs)


def test_a_changed_file_is_indexed_as_a_new_object(minerva_bin, inputs, tmp_path):
    data = tmp_path / "data"
    helpers.index(minerva_bin, str(data), inputs)
    before = snapshot(data)
    target = inputs[0]  # HDFS_2k.log (or the Kubernetes audit log) copy
    uri = f"file://{target.resolve()}"
    old_seqs = expected_seqs(target)
    (old_id,) = messages_by_source(data)[uri]

    # Append one HDFS-style line and move the mtime forward (size and mtime both change).
    stat = target.stat()
    with open(target, "ab") as f:
        f.write(b"081111 120000 42 INFO dfs.DataNode: minerva-e2e appended line\n")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    new_seqs = expected_seqs(target)
    assert new_seqs == old_seqs + [len(old_seqs)]

    helpers.index(minerva_bin, str(data), inputs)
    after = snapshot(data)
    # Nothing written before changed or disappeared; the new files are all the new object's.
    assert {k: after[k] for k in before} == before
    added = set(after) - set(before)
    assert added
    versions = messages_by_source(data)[uri]
    assert set(versions) == {old_id, next(i for i in versions if i != old_id)}
    (new_id,) = set(versions) - {old_id}
    assert all(Path(k).name.startswith(new_id + "-") for k in added)
    assert versions[old_id] == old_seqs
    assert versions[new_id] == new_seqs
    # The other (unchanged) inputs still have exactly one version each.
    by_source = messages_by_source(data)
    for path in inputs[1:]:
        assert len(by_source[f"file://{path.resolve()}"]) == 1, path

    # The appended line is stored verbatim and findable through the index.
    con = connect()
    create_views(con, data)
    rows = con.execute("SELECT m.message FROM indices i JOIN messages m USING (object_id, seq) "
                       "WHERE i.term = 'minerva-e2e' AND i.object_id = ?", [new_id]).fetchall()
    assert rows == [("081111 120000 42 INFO dfs.DataNode: minerva-e2e appended line",)]
    con.close()

    # Each messages file's footer names its own source object.
    for p in helpers.parquet_files(data, "messages"):
        meta = pq.read_metadata(p).metadata
        assert p.name.startswith(meta[b"minerva.object_id"].decode() + "-"), p


# A tight memory budget splits one object's hour into several part files: the budget is per
# worker (--memory-budget-mb / --parallelism), so 8 MiB over 16 workers leaves 0.5 MiB each.
TIGHT = ["--parallelism", "16", "--memory-budget-mb", "8"]


@pytest.fixture()
def syslog(datasets_dir, tmp_path) -> Path:
    """Zeek syslog: 1.9 MB of records that all fall in the same hour."""
    helpers.need_datasets(datasets_dir, "zeek_wrccdc2018_brimdata/syslog.ndjson")
    dst = tmp_path / "in" / "syslog.ndjson"
    dst.parent.mkdir()
    shutil.copy2(datasets_dir / "zeek_wrccdc2018_brimdata/syslog.ndjson", dst)
    return dst


def stored_keys(data: Path) -> list[tuple[str, int]]:
    con = connect()
    create_views(con, data)
    rows = con.execute("SELECT object_id, seq FROM messages").fetchall()
    con.close()
    return rows


def test_records_split_into_parts_are_stored_once(minerva_bin, syslog, tmp_path):
    data = tmp_path / "data"
    helpers.index(minerva_bin, str(data), [syslog], extra=TIGHT)
    names = sorted(p.name for p in helpers.parquet_files(data, "messages"))
    assert len(names) > 1, "the tight budget should have split the hour into parts"
    object_id = names[0].split("-")[0]
    assert names == [f"{object_id}-{part:04}.parquet" for part in range(len(names))]
    assert names == sorted(p.name for p in helpers.parquet_files(data, "indices"))
    keys = stored_keys(data)
    assert len(keys) == len(set(keys))
    assert sorted(seq for _, seq in keys) == expected_seqs(syslog)
    # The same settings again: the same files, byte for byte.
    first = snapshot(data)
    helpers.index(minerva_bin, str(data), [syslog], extra=TIGHT)
    assert snapshot(data) == first


def test_reindexing_with_another_budget_leaves_no_duplicates(minerva_bin, syslog, tmp_path):
    data = tmp_path / "data"
    helpers.index(minerva_bin, str(data), [syslog], extra=TIGHT)
    assert len(helpers.parquet_files(data, "messages")) > 1
    helpers.index(minerva_bin, str(data), [syslog])  # default budget: one part
    keys = stored_keys(data)
    assert len(keys) == len(expected_seqs(syslog)), "records stored more than once"
    assert len(keys) == len(set(keys))
