"""`minerva index` as a command: exit codes, error messages, and the --report-json contents
checked against what is on disk and against the inputs read independently."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import helpers
from helpers import connect, create_views, need_datasets, run_minerva

SAMPLES = ["loghub_2k/Zookeeper_2k.log", "zeek_wrccdc2018_brimdata/ftp.ndjson",
           "windows_evtx_mdecrevoisier/TA0002-Execution.jsonl.gz",
           "suricata_eve_alerts_hassanabad/eve_alerts_wrccdc-2017.ndjson"]


def test_missing_input_path_fails_and_names_it(minerva_bin, tmp_path):
    missing = tmp_path / "no-such-dir" / "missing.log"
    proc = run_minerva(minerva_bin, ["index", "--quiet", "--data", str(tmp_path / "data"),
                                     str(missing)])
    assert proc.returncode != 0
    assert str(missing) in proc.stderr
    assert not helpers.parquet_files(tmp_path / "data", "messages")


def test_missing_input_among_good_ones_still_fails(minerva_bin, datasets_dir, tmp_path):
    missing = tmp_path / "missing.log"
    proc = run_minerva(minerva_bin, ["index", "--quiet", "--data", str(tmp_path / "data"),
                                     str(datasets_dir / SAMPLES[3]), str(missing)])
    assert proc.returncode != 0
    assert str(missing) in proc.stderr


def test_invalid_format_is_a_usage_error(minerva_bin, datasets_dir, tmp_path):
    proc = run_minerva(minerva_bin, ["index", "--quiet", "--data", str(tmp_path / "data"),
                                     "--format", "xml", str(datasets_dir / SAMPLES[3])])
    assert proc.returncode == 2
    assert "xml" in proc.stderr
    assert "format" in proc.stderr.lower()
    assert not helpers.parquet_files(tmp_path / "data", "messages")


def test_no_inputs_is_a_usage_error(minerva_bin, tmp_path):
    proc = run_minerva(minerva_bin, ["index", "--data", str(tmp_path / "data")])
    assert proc.returncode == 2
    assert proc.stderr.strip()


def test_report_json_is_consistent_with_disk(minerva_bin, datasets_dir, tmp_path):
    need_datasets(datasets_dir, *SAMPLES)
    inputs = []
    for rel in SAMPLES:
        dst = tmp_path / "in" / Path(rel).name
        dst.parent.mkdir(exist_ok=True)
        shutil.copy2(datasets_dir / rel, dst)
        inputs.append(dst.resolve())
    data = tmp_path / "data"
    report_path = tmp_path / "report.json"
    report = helpers.index(minerva_bin, str(data), [str(tmp_path / "in")], report=report_path)
    assert report == json.loads(report_path.read_text())

    files = {t: helpers.parquet_files(data, t) for t in ("indices", "messages")}
    on_disk = files["indices"] + files["messages"]
    assert report["files_written"] == len(on_disk) == len(helpers.all_data_files(data))
    assert report["bytes_written"] == sum(p.stat().st_size for p in on_disk)
    assert report["records"] == helpers.total_rows(files["messages"])
    assert report["records"] == sum(o["records"] for o in report["objects"])
    assert report["files_written"] == sum(o["files_written"] for o in report["objects"])

    # Per object: lines, blank lines and records from Python's reading of the file; files,
    # rows and partitions from the Parquet footers (each file names its source object).
    by_object = defaultdict(lambda: {"files": 0, "index_rows": 0, "records": 0, "dts": set()})
    for table, paths in files.items():
        for p in paths:
            meta = pq.read_metadata(p)
            entry = by_object[meta.metadata[b"minerva.source"].decode()]
            entry["files"] += 1
            entry["index_rows" if table == "indices" else "records"] += meta.num_rows
            entry["dts"].add(p.parent.name.removeprefix("dt="))
    assert sorted(o["uri"] for o in report["objects"]) == sorted(f"file://{p}" for p in inputs)
    for obj in report["objects"]:
        path = Path(obj["uri"].removeprefix("file://"))
        raw = path.read_bytes()
        lines = helpers.split_lines(helpers.content(path))
        assert obj["error"] is None
        assert obj["gzip"] == (raw[:2] == helpers.GZIP_MAGIC)
        assert obj["lines"] == len(lines)
        assert obj["blank"] == sum(helpers.is_blank(line) for line in lines)
        assert obj["records"] == len(lines) - obj["blank"]
        disk = by_object[obj["uri"]]
        assert obj["records"] == disk["records"]
        assert obj["index_rows"] == disk["index_rows"]
        assert obj["files_written"] == disk["files"]
        assert sorted(obj["partitions"]) == sorted(disk["dts"])

    # The time range reported is the range of the stored timestamps.
    con = connect()
    create_views(con, data)
    for source, lo, hi in con.execute(
            "SELECT source, epoch_us(min(timestamp)), epoch_us(max(timestamp)) FROM messages "
            "GROUP BY source").fetchall():
        obj = next(o for o in report["objects"] if o["uri"] == source)
        assert (obj["min_time_us"], obj["max_time_us"]) == (lo, hi), source
    con.close()


def test_line_edge_cases_are_stored_exactly(minerva_bin, tmp_path):
    """BOM, CRLF, whitespace-only lines, invalid UTF-8 and a missing final newline."""
    body = (b"\xef\xbb\xbf2024-01-02T03:04:05Z first line after a BOM\r\n"
            b"   \t \r\n"
            b"\n"
            b"2024-01-02T03:05:00Z caf\xc3\xa9 ok, then a bad byte \xff here\r\n"
            b"2024-01-02T04:00:00Z next hour\r\n"
            b"\x0c\n"
            b"2024-01-02T04:30:00Z no final newline")
    src = tmp_path / "in" / "edge.log"
    src.parent.mkdir()
    src.write_bytes(body)
    data = tmp_path / "data"
    report = helpers.index(minerva_bin, str(data), [str(src)], report=tmp_path / "r.json")
    expected = helpers.expected_records(body)
    assert sorted(expected) == [0, 3, 4, 6]
    con = connect()
    create_views(con, data)
    rows = con.execute("SELECT seq, message, raw, dt FROM messages ORDER BY seq").fetchall()
    con.close()
    assert {seq: (message, raw) for seq, message, raw, _ in rows} == expected
    assert expected[3][1] == body.split(b"\n")[3][:-1]  # raw keeps the exact bytes, \xff too
    assert [dt for *_, dt in rows] == ["2024-01-02-03", "2024-01-02-03", "2024-01-02-04",
                                       "2024-01-02-04"]
    (obj,) = report["objects"]
    assert (obj["lines"], obj["blank"], obj["records"]) == (7, 3, 4)


def test_only_the_line_terminators_cr_is_removed(minerva_bin, tmp_path):
    r"""A `\r` that is part of the line's content (here before the CRLF terminator, and a
    lone `\r` mid-line) is kept: only the one `\r` of `\r\n` is a line ending."""
    body = (b"2024-01-02T03:04:05Z ends with a carriage return\r\r\n"
            b"2024-01-02T03:04:06Z a lone \r inside\r\n"
            b"2024-01-02T03:04:07Z LF only\n")
    src = tmp_path / "cr.log"
    src.write_bytes(body)
    data = tmp_path / "data"
    helpers.index(minerva_bin, str(data), [str(src)])
    con = connect()
    create_views(con, data)
    rows = dict(con.execute("SELECT seq, message FROM messages").fetchall())
    con.close()
    assert rows == {seq: message for seq, (message, _) in helpers.expected_records(body).items()}
    assert rows[0] == "2024-01-02T03:04:05Z ends with a carriage return\r"
