"""Index the shared real datasets once and read the result back with pyarrow and DuckDB.

Every expectation is computed here from the raw files (Python's own line splitting, JSON
parser and regular expressions), never taken from minerva's output."""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import helpers

TS = pa.timestamp("us", tz="UTC")
# (name, Arrow type, nullable), in order: the schemas of core/src/schema.rs.
SCHEMAS = {
    "indices": [("tag", pa.string(), False), ("field", pa.string(), False),
                ("term", pa.string(), False), ("object_id", pa.string(), False),
                ("seq", pa.int64(), False)],
    "messages": [("tag", pa.string(), False), ("timestamp", TS, False),
                 ("object_id", pa.string(), False), ("seq", pa.int64(), False),
                 ("source", pa.string(), False), ("message", pa.string(), False),
                 ("raw", pa.binary(), True)],
}
PAGE_STATISTICS = {"indices": ("term",), "messages": ("object_id", "seq")}
SORT_KEYS = {"indices": ("term", "field", "object_id", "seq"), "messages": ("object_id", "seq")}
DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{2}$")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
HOUR_US = 3_600_000_000

# Partition spans (inclusive, `YYYY-MM-DD-HH`) read off the files' own explicit dates, e.g.
# zeek `"ts":"2018-03-24T17:15:20.865716Z"`, HDFS `081109 203615`, BGL `2005.06.03`..`2006.01.03`,
# suricata `"timestamp":"2018-03-24T14:37:19.037299-0600"`, Spark `17/06/09 20:10:40`.
SPANS = {
    "zeek_wrccdc2018_brimdata/*.ndjson*": ("2018-03-01-00", "2018-03-31-23"),
    "loghub_2k/HDFS_2k.log": ("2008-11-01-00", "2008-11-30-23"),
    "loghub_2k/BGL_2k.log": ("2005-01-01-00", "2006-12-31-23"),
    "loghub_2k/Thunderbird_2k.log": ("2005-11-01-00", "2005-11-30-23"),
    "loghub_2k/Spark_2k.log": ("2017-06-01-00", "2017-06-30-23"),
    "loghub_2k/Zookeeper_2k.log": ("2015-07-01-00", "2015-08-31-23"),
    "loghub_2k/Hadoop_2k.log": ("2015-10-18-00", "2015-10-18-23"),
    "loghub_2k/OpenStack_2k.log": ("2017-05-16-00", "2017-05-16-23"),
    "suricata_eve_alerts_hassanabad/eve_alerts_wrccdc-2018.ndjson": ("2018-03-01-00", "2018-03-31-23"),
    "suricata_eve_alerts_hassanabad/eve_alerts_wrccdc-2017.ndjson": ("2017-03-01-00", "2017-03-31-23"),
}


@pytest.fixture(scope="module")
def tables(datasets_index):
    """table -> [(path, pyarrow Table)] for every written Parquet file."""
    return {t: [(p, pq.ParquetFile(p).read()) for p in helpers.parquet_files(datasets_index.data, t)]
            for t in SORT_KEYS}


@pytest.fixture(scope="module")
def stored(datasets_db):
    """source -> {seq: (message, raw, object_id)} as read back by DuckDB."""
    out = defaultdict(dict)
    rows = datasets_db.execute("SELECT source, seq, message, raw, object_id FROM messages").fetchall()
    for source, seq, message, raw, object_id in rows:
        assert seq not in out[source], f"duplicate record {source} seq {seq}"
        out[source][seq] = (message, raw, object_id)
    return out


def uri(path) -> str:
    return f"file://{path}"


def test_files_open_with_the_schema_and_metadata(tables, datasets_index):
    assert datasets_index.report["records"] > 0
    for table, files in tables.items():
        assert files, f"no {table} files written"
        for path, data in files:
            got = [(f.name, f.type, f.nullable) for f in data.schema]
            assert got == SCHEMAS[table], path
            meta = pq.read_metadata(path)
            assert meta.metadata[b"minerva.format_version"] == b"2", path
            assert meta.num_rows == data.num_rows > 0, path
            names = [name for name, _, _ in SCHEMAS[table]]
            sorting = [(s.column_index, s.descending) for s in meta.row_group(0).sorting_columns]
            assert sorting == [(names.index(k), False) for k in SORT_KEYS[table]], path


def test_rows_are_sorted_within_each_file(tables):
    for table, files in tables.items():
        keys = SORT_KEYS[table]
        for path, data in files:
            rows = list(zip(*(data.column(k).to_pylist() for k in keys)))
            assert rows == sorted(rows), f"{path} is not sorted by {keys}"


def test_bloom_filter_page_index_and_zstd(tables, datasets_index, duck):
    for table, files in tables.items():
        for path, _ in files:
            meta = pq.read_metadata(path)
            for rg in range(meta.num_row_groups):
                for i in range(meta.num_columns):
                    column = meta.row_group(rg).column(i)
                    assert column.compression == "ZSTD", (path, column.path_in_schema)
                    assert column.has_offset_index, (path, column.path_in_schema)
                    # Page statistics (the column index) only where lookups filter: `term` in
                    # indices, (object_id, seq) in messages.
                    filtered = PAGE_STATISTICS[table]
                    assert column.has_column_index == (column.path_in_schema in filtered), (
                        path, column.path_in_schema)
    # DuckDB's own footer reader: every `term` chunk has a bloom filter, no other column does.
    glob = str(datasets_index.data / "indices" / "dt=*" / "*.parquet")
    rows = duck.execute(
        "SELECT path_in_schema, bool_and(bloom_filter_offset > 0 AND bloom_filter_length > 0), "
        "bool_or(bloom_filter_offset IS NOT NULL), count(DISTINCT file_name) "
        f"FROM parquet_metadata('{glob}') GROUP BY 1 ORDER BY 1").fetchall()
    by_column = {name: (all_have, any_has, n) for name, all_have, any_has, n in rows}
    assert by_column["term"] == (True, True, len(tables["indices"]))
    assert not any(any_has for name, (_, any_has, _) in by_column.items() if name != "term")
    codecs = duck.execute(f"SELECT DISTINCT compression FROM parquet_metadata('{glob}')").fetchall()
    assert codecs == [("ZSTD",)]


def test_every_line_is_stored_exactly_once(datasets_index, stored):
    checked = 0
    for path in datasets_index.inputs:
        data = helpers.content(path)
        if path.suffix == ".gz":
            assert path.read_bytes()[:2] == helpers.GZIP_MAGIC, path
        if helpers.is_json_document(data):
            continue
        expected = helpers.expected_records(data)
        got = stored.get(uri(path), {})
        assert len(got) == len(expected), path
        assert set(got) == set(expected), path
        for seq, (message, raw) in expected.items():
            assert got[seq][0] == message, (path, seq)
            assert got[seq][1] == raw, (path, seq)
        assert len({object_id for _, _, object_id in got.values()}) == 1, path
        checked += 1
    assert checked == len(datasets_index.inputs)  # the shared set has no JSON documents
    assert set(stored) == {uri(p) for p in datasets_index.inputs}


def test_partitions_match_row_hours(tables):
    now = datetime.now(timezone.utc)
    low, high = "2000-01-01-00", (now + timedelta(days=1)).strftime("%Y-%m-%d-%H")
    for table, files in tables.items():
        for path, data in files:
            dt = path.parent.name.removeprefix("dt=")
            assert path.parent.name.startswith("dt=") and DT_RE.match(dt), path
            assert low <= dt <= high, path
            if table == "indices":
                continue  # format v2: an index row's time is its message's (checked below)
            start = datetime.strptime(dt, "%Y-%m-%d-%H").replace(tzinfo=timezone.utc)
            start_us = (start - EPOCH) // timedelta(microseconds=1)
            bounds = pc.min_max(data.column("timestamp").cast(pa.int64())).as_py()
            # Every row's time lies in [dt:00:00, dt+1h): the folder is the rows' hour.
            assert start_us <= bounds["min"] and bounds["max"] < start_us + HOUR_US, path


def test_partitions_of_dated_files_lie_in_known_spans(datasets_index, datasets_db):
    rows = datasets_db.execute("SELECT DISTINCT source, dt FROM messages").fetchall()
    partitions = defaultdict(set)
    for source, dt in rows:
        partitions[source].add(dt)
    present = {p.parent.name for p in datasets_index.inputs}
    spans = {pattern: span for pattern, span in SPANS.items() if pattern.split("/")[0] in present}
    assert spans, "no dated dataset file to check"
    for pattern, (first, last) in spans.items():
        matched = [p for p in datasets_index.inputs
                   if fnmatch.fnmatch(str(p), f"*/{pattern}") and "LICENSE" not in p.name
                   and not p.name.endswith(".md")]
        assert matched, pattern
        for path in matched:
            dts = partitions[uri(path)]
            assert dts and first <= min(dts) and max(dts) <= last, (path, min(dts, default=None), max(dts, default=None))


def test_index_rows_reference_existing_messages(datasets_db):
    missing = datasets_db.execute(
        "SELECT count(*) FROM (SELECT DISTINCT object_id, seq FROM indices) i "
        "ANTI JOIN messages m USING (object_id, seq)").fetchone()[0]
    assert missing == 0
    # An index row carries the tag and partition of its message (and no time of its own).
    mismatched = datasets_db.execute(
        "SELECT count(*) FROM indices i JOIN messages m USING (object_id, seq) "
        "WHERE i.tag <> m.tag OR i.dt <> m.dt").fetchone()[0]
    assert mismatched == 0
    # Every stored message is reachable through at least one index row.
    unindexed = datasets_db.execute(
        "SELECT count(*) FROM messages m ANTI JOIN (SELECT DISTINCT object_id, seq FROM indices) i "
        "USING (object_id, seq)").fetchone()[0]
    assert unindexed == 0


def test_sampled_terms_occur_in_their_messages(datasets_db):
    rows = datasets_db.execute(
        "SELECT s.field, s.term, m.message FROM (SELECT * FROM indices "
        "USING SAMPLE reservoir(3000 ROWS) REPEATABLE (7)) s "
        "JOIN messages m USING (object_id, seq)").fetchall()
    assert len(rows) == 3000
    for field, term, message in rows:
        haystack = message.lower()
        if field and message.lstrip().startswith("{"):  # JSON: a value may be written escaped
            haystack += " ".join(v.lower() for p, v in helpers.json_leaves(message) if p == field)
        assert term in haystack, (field, term, message[:200])


def dataset_file(datasets_index, name):
    """The input file called `name`; the test is skipped when the datasets lack it."""
    found = [p for p in datasets_index.inputs if p.name == name]
    if not found:
        helpers.skip_needing([name])
    return found[0]


def index_hits(db, field, term, object_id=None):
    sql = "SELECT DISTINCT object_id, seq FROM indices WHERE term = ?"
    params = [term]
    if field is not None:
        sql += " AND field = ?"
        params.append(field)
    if object_id is not None:
        sql += " AND object_id = ?"
        params.append(object_id)
    return set(db.execute(sql, params).fetchall())


@pytest.mark.parametrize("field,value", [("id.resp_h", "10.0.0.1"), ("id.orig_h", "10.47.1.100"),
                                         ("query", "ise.wrccdc.org")])
def test_zeek_dns_field_terms_find_exactly_the_matching_records(datasets_index, datasets_db, stored,
                                                              field, value):
    path = dataset_file(datasets_index, "dns.head8000.ndjson.gz")
    object_id = next(iter(stored[uri(path)].values()))[2]
    lines = helpers.split_lines(helpers.content(path))
    # Independent of minerva: a plain substring grep of the raw text...
    grep = {seq for seq, line in enumerate(lines) if f'"{field}":"{value}"'.encode() in line}
    # ... and Python's JSON parser agree on which records hold the value.
    parsed = {seq for seq, line in enumerate(lines) if (field, value) in helpers.json_leaves(line)}
    assert grep == parsed and len(grep) > 10
    terms = set(value.split(".")) if field == "query" else {value}  # a hostname splits on dots
    for term in terms:
        hits = index_hits(datasets_db, field, term, object_id)
        if field != "query":
            assert hits == {(object_id, seq) for seq in grep}
        else:
            assert {(object_id, seq) for seq in grep} <= hits


def test_ipv4_terms_respect_word_boundaries(datasets_index, datasets_db, stored):
    # 10.0.0.1 has a near-twin in the same file: the DNS server 10.0.0.100 (thousands of lines).
    path = dataset_file(datasets_index, "dns.head8000.ndjson.gz")
    lines = helpers.split_lines(helpers.content(path))
    twins = [seq for seq, line in enumerate(lines) if b'"10.0.0.100"' in line]
    assert len(twins) > 1000
    whole = re.compile(r"(?<![0-9])10\.0\.0\.1(?![0-9])(?!\.[0-9])")
    by_key = {(oid, seq): msg for src in stored.values() for seq, (msg, _, oid) in src.items()}
    hits = index_hits(datasets_db, None, "10.0.0.1")
    assert hits
    for key in hits:
        assert whole.search(by_key[key]), by_key[key][:300]
    # Conversely, every record in the dns file whose JSON holds the exact value is found.
    object_id = next(iter(stored[uri(path)].values()))[2]
    holders = {(object_id, seq) for seq, line in enumerate(lines)
               if any(v == "10.0.0.1" for _, v in helpers.json_leaves(line))}
    assert holders and holders <= hits
    assert not {(object_id, seq) for seq in twins} & (hits - holders)


# (file, field): numbers written with a fraction, an exponent, a trailing zero or beyond 2^64-1.
NUMBERS = [("dns.head8000.ndjson.gz", "rtt"), ("dns.head8000.ndjson.gz", "TTLs"),
           ("ntp.ndjson", "precision"), ("notice.ndjson", "suppress_for"),
           ("dns.head8000.ndjson.gz", "id.orig_p"),
           ("TA0003-Persistence.jsonl", "*bandwidthLimit")]


NUMBER_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


@pytest.mark.parametrize("name,field", NUMBERS)
def test_json_numbers_are_indexed_as_their_exact_text(datasets_index, datasets_db, stored, name,
                                                      field):
    path = dataset_file(datasets_index, name)
    object_id = next(iter(stored[uri(path)].values()))[2]
    expected = defaultdict(set)  # (field, seq) -> terms
    for seq, line in enumerate(helpers.split_lines(helpers.content(path))):
        for leaf_path, text in helpers.json_leaves(line):
            if fnmatch.fnmatchcase(leaf_path, field):
                assert NUMBER_RE.fullmatch(text), (path, seq, leaf_path, text)
                # A JSON number's text split on `.` (no number has the 4 parts of an address).
                expected[(leaf_path, seq)] |= {t.lower() for t in text.split(".") if t}
    assert expected, (name, field)
    fields = sorted({f for f, _ in expected})
    got = defaultdict(set)
    for f, seq, term in datasets_db.execute(
            f"SELECT field, seq, term FROM indices WHERE object_id = ? AND field IN "
            f"({','.join('?' * len(fields))})", [object_id, *fields]).fetchall():
        got[(f, seq)].add(term)
    assert got == expected
