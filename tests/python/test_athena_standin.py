"""The local Athena stand-in (athena_standin.py), driven by boto3's athena client.

The stand-in runs on 127.0.0.1 over the moto S3 server of MINERVA_TEST_S3_ENDPOINT (skipped
without it). The data is a small Parquet set in the project's layout
(`data/{indices,messages}/dt=YYYY-MM-DD-HH/*.parquet`); the tables are created through the API
with Hive DDL, and every answer is checked against DuckDB run directly on the same Arrow tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import athena_standin

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

UTC = dt.timezone.utc
HOURS = ["2024-01-01-00", "2024-01-01-01"]
PER_HOUR = 1500
INJECTION = "x'; DROP TABLE indices; --"
SPECIAL_TERMS = [INJECTION, 'quo"te', "comma,term", "日本語", ""]
CREDS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}
DDL = """CREATE EXTERNAL TABLE IF NOT EXISTS `minerva`.`{table}` (
{columns}
)
PARTITIONED BY (`dt` string)
STORED AS PARQUET
LOCATION 's3://{bucket}/data/{table}/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd-HH',
  'projection.dt.range' = '2000-01-01-00,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = 's3://{bucket}/data/{table}/dt=${{dt}}/',
  'parquet.compression' = 'ZSTD'
)"""
COLUMNS = {
    "indices": [("tag", "string"), ("timestamp", "timestamp"), ("field", "string"),
                ("term", "string"), ("object_id", "string"), ("seq", "bigint")],
    "messages": [("tag", "string"), ("timestamp", "timestamp"), ("object_id", "string"),
                 ("seq", "bigint"), ("source", "string"), ("message", "string"), ("raw", "binary")],
}
ARROW = {"string": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"), "bigint": pa.int64(),
         "binary": pa.binary()}


def noise(*key):
    """Incompressible but deterministic text, so that files outgrow DuckDB's 16 kB footer read."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:24]


def make_tables():
    """{table: {hour: pa.Table}}: deterministic rows with sub-second timestamps and odd text."""
    out = {"indices": {}, "messages": {}}
    for h, hour in enumerate(HOURS):
        base = dt.datetime(2024, 1, 1, h, tzinfo=UTC)
        rows = [{"tag": "zeek", "timestamp": base + dt.timedelta(microseconds=i * 1001 + 7),
                 "field": f"f{i % 5}", "object_id": f"obj-{h}-{i // 100}", "seq": i,
                 "term": SPECIAL_TERMS[i // 100 % 5] if i % 100 == 0 else f"t{i % 37}-{noise(h, i)}"}
                for i in range(PER_HOUR)]
        rows[1]["timestamp"] = base  # a whole second
        schema = pa.schema([(c, ARROW[t]) for c, t in COLUMNS["indices"]])
        out["indices"][hour] = pa.Table.from_pylist(rows, schema=schema)
        msgs = [{"tag": "zeek", "timestamp": base + dt.timedelta(seconds=i, microseconds=500),
                 "object_id": f"obj-{h}-0", "seq": i, "source": f"s3://logs/{hour}.log",
                 "message": f'line {i}, "quoted", 日本\nnext' if i % 3 == 0 else f"line {i}",
                 "raw": bytes([0, 255, 16, i]) if i % 4 == 0 else None}
                for i in range(20)]
        schema = pa.schema([(c, ARROW[t]) for c, t in COLUMNS["messages"]])
        out["messages"][hour] = pa.Table.from_pylist(msgs, schema=schema)
    return out


def parquet_bytes(table, row_group_size=500):
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size, compression="zstd")
    return sink.getvalue()


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, config=Config(s3={"addressing_style": "path"}),
                        **CREDS)


@pytest.fixture(scope="module")
def bucket(s3):
    name = f"athena-standin-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def tables(s3, bucket):
    tables = make_tables()
    for table, hours in tables.items():
        for hour, data in hours.items():
            prefix = f"data/{table}/dt={hour}/"
            s3.put_object(Bucket=bucket, Key=prefix + "part-0.parquet", Body=parquet_bytes(data))
            # What Athena skips: names starting with `_` or `.`; the stand-in also skips non-Parquet.
            for junk in ("_SUCCESS", "_tmp.parquet", ".hidden.parquet", "notes.txt"):
                s3.put_object(Bucket=bucket, Key=prefix + junk, Body=b"not parquet")
    return tables


@pytest.fixture(scope="module")
def standin(s3_endpoint, tmp_path_factory):
    server, url = athena_standin.start(s3_endpoint, cache_dir=tmp_path_factory.mktemp("standin-cache"))
    yield server, url
    server.shutdown()
    server.server_close()


def client(url, attempts=1, validate=True):
    return boto3.client("athena", endpoint_url=url, **CREDS, config=Config(
        retries={"mode": "standard", "total_max_attempts": attempts}, parameter_validation=validate))


@pytest.fixture(scope="module")
def athena(standin, tables, bucket):
    athena = client(standin[1])
    assert run(athena, bucket, "CREATE DATABASE IF NOT EXISTS `minerva`")["Status"]["State"] == "SUCCEEDED"
    for table, cols in COLUMNS.items():
        columns = ",\n".join(f"  `{c}` {t}" for c, t in cols)
        qe = run(athena, bucket, DDL.format(table=table, columns=columns, bucket=bucket))
        assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
        assert qe["StatementType"] == "DDL" and qe["Statistics"]["DataScannedInBytes"] == 0
    return athena


@pytest.fixture(autouse=True)
def reset_faults(request):
    yield
    if "standin" in request.fixturenames:
        control(request.getfixturevalue("standin")[1], {"reset": True})


@pytest.fixture(scope="module")
def expected(tables):
    """DuckDB over the same Arrow tables, with the `dt` column: the independent answer."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table, hours in tables.items():
        con.register(f"{table}_arrow", pa.concat_tables([
            t.append_column("dt", pa.array([hour] * t.num_rows)) for hour, t in hours.items()]))
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM {table}_arrow")
    return con


def control(url, body):
    req = urllib.request.Request(url + "/_standin/faults", json.dumps(body).encode(), method="POST")
    return json.load(urllib.request.urlopen(req))


def get_json(url, path):
    return json.load(urllib.request.urlopen(url + path))


def start(athena, bucket, sql, **kw):
    args = {"QueryString": sql, "QueryExecutionContext": {"Database": "minerva"},
            "ResultConfiguration": {"OutputLocation": f"s3://{bucket}/results/"}, **kw}
    return athena.start_query_execution(**args)["QueryExecutionId"]


def wait(athena, qid, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        qe = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if qe["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return qe
        assert time.monotonic() < deadline, qe
        time.sleep(0.01)


def run(athena, bucket, sql, **kw):
    return wait(athena, start(athena, bucket, sql, **kw))


def pages(athena, qid, max_results=None):
    out, token = [], None
    while True:
        args = {"QueryExecutionId": qid, **({"MaxResults": max_results} if max_results else {}),
                **({"NextToken": token} if token else {})}
        page = athena.get_query_results(**args)
        out.append(page)
        token = page.get("NextToken")
        if not token:
            return out


def values(page_list):
    return [[d.get("VarCharValue") for d in row["Data"]]
            for page in page_list for row in page["ResultSet"]["Rows"]]


def text(v):
    """Athena's text for a Python value: the independent rendering the tests compare with."""
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, bytes):
        return " ".join(f"{b:02x}" for b in v)
    return str(v)


def query(athena, bucket, sql, **kw):
    qe = run(athena, bucket, sql, **kw)
    assert qe["Status"]["State"] == "SUCCEEDED", qe["Status"]
    return qe, values(pages(athena, qe["QueryExecutionId"]))


def error_of(call, **kw):
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response


# ---- results ----------------------------------------------------------------------------------

def test_select_equals_duckdb(athena, bucket, expected):
    sql = ("SELECT tag, timestamp, field, term, object_id, seq, dt FROM \"minerva\".\"indices\" "
           "WHERE field = 'f3' AND seq < 400 ORDER BY dt, seq")
    qe, rows = query(athena, bucket, sql)
    want = expected.execute(sql.replace('"minerva".', "")).fetchall()
    assert rows[0] == ["tag", "timestamp", "field", "term", "object_id", "seq", "dt"]
    assert rows[1:] == [[text(v) for v in row] for row in want] and len(want) == 160
    assert qe["StatementType"] == "DML" and qe["WorkGroup"] == "primary"
    assert qe["ResultConfiguration"]["OutputLocation"] == \
        f"s3://{bucket}/results/{qe['QueryExecutionId']}.csv"
    assert qe["EngineVersion"]["EffectiveEngineVersion"] == "Athena engine version 3"


def test_aggregates_joins_and_ctes(athena, bucket, expected):
    sql = ("WITH hits AS (SELECT object_id, seq, dt FROM indices WHERE term LIKE 't5-%') "
           "SELECT m.dt, count(*) AS n, count(DISTINCT h.object_id), max(m.timestamp) AS last "
           "FROM hits h JOIN messages m ON h.object_id = m.object_id AND h.seq = m.seq "
           "AND h.dt = m.dt GROUP BY m.dt ORDER BY m.dt")
    qe, rows = query(athena, bucket, sql)
    assert rows[0] == ["dt", "n", "_col2", "last"]
    assert rows[1:] == [[text(v) for v in r] for r in expected.execute(sql).fetchall()]
    info = athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    types = [c["Type"] for c in info["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    assert types == ["varchar", "bigint", "bigint", "timestamp"]


def test_rendering_of_null_binary_timestamp_and_types(athena, bucket, standin):
    sql = ("SELECT seq, raw, timestamp, message, seq % 2 = 0 AS even, CAST(seq AS double) / 4 AS q, "
           "to_hex(raw) AS hex FROM messages WHERE dt = '2024-01-01-01' AND seq IN (0, 1, 3) "
           "ORDER BY seq")
    qe = run(athena, bucket, sql)
    page = athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])
    rows = page["ResultSet"]["Rows"]
    assert rows[1]["Data"][1] == {"VarCharValue": "00 ff 10 00"}
    assert rows[2]["Data"][1] == {} and rows[2]["Data"][6] == {}  # NULL: no VarCharValue at all
    assert rows[1]["Data"][2] == {"VarCharValue": "2024-01-01 01:00:00.000500"}
    assert rows[2]["Data"][3] == {"VarCharValue": "line 1"}
    assert rows[1]["Data"][3] == {"VarCharValue": 'line 0, "quoted", 日本\nnext'}
    assert [r["Data"][4]["VarCharValue"] for r in rows[1:]] == ["true", "false", "false"]
    assert [r["Data"][5]["VarCharValue"] for r in rows[1:]] == ["0.0", "0.25", "0.75"]
    assert rows[1]["Data"][6] == {"VarCharValue": "00FF1000"}
    info = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [c["Type"] for c in info] == ["bigint", "varbinary", "timestamp", "varchar", "boolean",
                                         "double", "varchar"]
    assert info[0] == {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": "seq",
                       "Label": "seq", "Type": "bigint", "Precision": 19, "Scale": 0,
                       "Nullable": "UNKNOWN", "CaseSensitive": False}
    assert page["UpdateCount"] == 0 and "NextToken" not in page
    # A whole second still prints six fractional digits.
    _, rows = query(athena, bucket, "SELECT timestamp FROM indices WHERE dt = '2024-01-01-00' AND seq = 1")
    assert rows[1] == ["2024-01-01 00:00:00.000000"]


def test_result_object_is_athena_csv(athena, bucket, s3):
    qe = run(athena, bucket, "SELECT seq, raw, message FROM messages "
                             "WHERE dt = '2024-01-01-00' AND seq IN (0, 1) ORDER BY seq")
    key = f"results/{qe['QueryExecutionId']}.csv"
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert body == ('"seq","raw","message"\n"0","00 ff 10 00","line 0, ""quoted"", 日本\nnext"\n'
                    '"1",,"line 1"\n')
    s3.head_object(Bucket=bucket, Key=key + ".metadata")


def test_paging(athena, bucket, expected):
    qe = run(athena, bucket, "SELECT seq, dt FROM indices ORDER BY dt, seq LIMIT 2500")
    got = pages(athena, qe["QueryExecutionId"])
    # As in Athena the header row counts: 1 + 999, then 1000, then 501 rows.
    assert [len(p["ResultSet"]["Rows"]) for p in got] == [1000, 1000, 501]
    assert "NextToken" in got[0] and "NextToken" in got[1] and "NextToken" not in got[2]
    rows = values(got)
    assert rows[0] == ["seq", "dt"] and ["seq", "dt"] not in rows[1:]
    want = expected.execute("SELECT seq, dt FROM indices ORDER BY dt, seq LIMIT 2500").fetchall()
    assert rows[1:] == [[str(s), d] for s, d in want]
    small = pages(athena, qe["QueryExecutionId"], max_results=7)
    assert len(small) == 358 and values(small) == rows
    raw = client(athena.meta.endpoint_url, validate=False)
    err = error_of(raw.get_query_results, QueryExecutionId=qe["QueryExecutionId"], MaxResults=1001)
    assert err["Error"]["Code"] == "InvalidRequestException"
    err = error_of(raw.get_query_results, QueryExecutionId=qe["QueryExecutionId"], NextToken="bogus")
    assert err["Error"]["Code"] == "InvalidRequestException"


def test_empty_result_and_empty_table(athena, bucket, s3):
    qe, rows = query(athena, bucket, "SELECT term FROM indices WHERE term = 'absent'")
    assert rows == [["term"]]
    ddl = DDL.format(table="scratch", columns="  `tag` string,\n  `seq` bigint,\n  `raw` binary",
                     bucket=bucket)
    assert run(athena, bucket, ddl)["Status"]["State"] == "SUCCEEDED"
    qe, rows = query(athena, bucket, "SELECT * FROM scratch")
    assert rows == [["tag", "seq", "raw", "dt"]]
    # Files appear, change and vanish on S3: each query sees the current objects.
    data = pa.table({"tag": ["a", "b"], "seq": pa.array([1, 2], pa.int64()), "raw": [b"\x01", None]})
    s3.put_object(Bucket=bucket, Key="data/scratch/dt=2024-02-01-00/f.parquet", Body=parquet_bytes(data))
    assert query(athena, bucket, "SELECT count(*) FROM scratch")[1][1:] == [["2"]]
    s3.put_object(Bucket=bucket, Key="data/scratch/dt=2024-02-01-00/f.parquet",
                  Body=parquet_bytes(data.slice(0, 1)))
    assert query(athena, bucket, "SELECT seq, dt FROM scratch")[1][1:] == [["1", "2024-02-01-00"]]
    s3.delete_object(Bucket=bucket, Key="data/scratch/dt=2024-02-01-00/f.parquet")
    assert query(athena, bucket, "SELECT count(*) FROM scratch")[1][1:] == [["0"]]
    assert run(athena, bucket, "DROP TABLE IF EXISTS `minerva`.`scratch`")["Status"]["State"] == "SUCCEEDED"
    assert run(athena, bucket, "SELECT * FROM scratch")["Status"]["State"] == "FAILED"


def test_ddl_variants(athena, bucket):
    # Double quotes, no database in the name (the context's), LOCATION without a template, and
    # a declared column that the files do not have (NULL, as in Athena).
    ddl = (f'CREATE EXTERNAL TABLE "other_view" ("term" string, "absent" bigint) '
           f"PARTITIONED BY (dt string) STORED AS PARQUET LOCATION 's3://{bucket}/data/indices'")
    qe = run(athena, bucket, ddl)
    assert qe["Status"]["State"] == "SUCCEEDED" and qe["SubstatementType"] == "CREATE_TABLE"
    assert qe["ResultConfiguration"]["OutputLocation"].endswith(f"/{qe['QueryExecutionId']}.txt")
    assert athena.get_query_results(QueryExecutionId=qe["QueryExecutionId"])["ResultSet"]["Rows"] == []
    _, rows = query(athena, bucket, "SELECT count(*), count(absent), count(DISTINCT dt) FROM "
                                    "awsdatacatalog.minerva.other_view")
    assert rows[1] == [str(2 * PER_HOUR), "0", "2"]
    failures = {
        "CREATE DATABASE minerva": "AlreadyExistsException",
        "CREATE EXTERNAL TABLE `minerva`.`other_view` (x string) LOCATION 's3://b/x/'": "already exists",
        "DROP TABLE `nope`": "Table not found minerva.nope",
        "SHOW TABLES": "NOT_SUPPORTED",
    }
    for sql, reason in failures.items():
        qe = run(athena, bucket, sql)
        assert qe["Status"]["State"] == "FAILED" and reason in qe["Status"]["StateChangeReason"], sql
    assert run(athena, bucket, "DROP TABLE other_view")["Status"]["State"] == "SUCCEEDED"
    assert run(athena, bucket, "DROP TABLE IF EXISTS other_view")["Status"]["State"] == "SUCCEEDED"


def test_rendering_helpers():
    java = athena_standin.java_double
    assert [java(x) for x in (0.0, 0.25, 1e7, 1.5e-7, 1e20, 123.0, 0.1 + 0.2, float("nan"))] == [
        "0.0", "0.25", "1.0E7", "1.5E-7", "1.0E20", "123.0", "0.30000000000000004", "NaN"]
    stamp = dt.datetime(2024, 1, 1, 2, 3, 4, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert athena_standin.render(stamp, 6) == "2024-01-01 00:03:04.123456"
    assert athena_standin.render(stamp, 3) == "2024-01-01 00:03:04.123"
    assert athena_standin.render([1, None, {"a": b"\x01"}], 6) == "[1, null, {a=01}]"
    rows = [["a", "b"], ['x,"y"\n', None], [None, ""], ["", None]]
    assert athena_standin.parse_csv(athena_standin.to_csv(rows)) == rows


# ---- bytes scanned ----------------------------------------------------------------------------

def test_bytes_scanned_follow_what_is_read(athena, bucket, tables):
    scanned = {name: run(athena, bucket, sql)["Statistics"]["DataScannedInBytes"] for name, sql in [
        ("all", "SELECT * FROM indices"),
        ("term", "SELECT max(term) FROM indices"),
        ("pruned", "SELECT max(term) FROM indices WHERE dt = '2024-01-01-00'"),
        ("skipped", "SELECT max(term) FROM indices WHERE seq < 10"),  # row groups of 500 by seq
        ("footers", "SELECT count(*) FROM indices"),
    ]}
    files = [len(parquet_bytes(t)) for t in tables["indices"].values()]
    # Every byte of both files once (overlapping reads count once), and no more.
    assert sum(files) * 0.95 <= scanned["all"] <= sum(files), (scanned, files)
    assert scanned["term"] < scanned["all"], scanned  # projection
    assert 0 < scanned["pruned"] < max(files) < scanned["term"], scanned  # partition pruning
    assert scanned["skipped"] < scanned["term"], scanned  # min/max row-group skipping
    assert 0 < scanned["footers"] < scanned["term"], scanned  # metadata only


# ---- failures and faults ----------------------------------------------------------------------

def test_unknown_table_and_column(athena, bucket):
    qe = run(athena, bucket, "SELECT * FROM nope")
    assert qe["Status"]["State"] == "FAILED"
    assert qe["Status"]["StateChangeReason"] == \
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.minerva.nope' does not exist"
    assert qe["Status"]["AthenaError"]["ErrorCategory"] == 2
    assert qe["Status"]["AthenaError"]["ErrorMessage"] == qe["Status"]["StateChangeReason"]
    assert not qe["Status"]["AthenaError"]["Retryable"]
    err = error_of(athena.get_query_results, QueryExecutionId=qe["QueryExecutionId"])
    assert err["Error"]["Code"] == "InvalidRequestException"
    qe = run(athena, bucket, 'SELECT 1 FROM "other"."indices"')
    assert qe["Status"]["StateChangeReason"].startswith("SCHEMA_NOT_FOUND: line 1:15: ")
    qe = run(athena, bucket, "SELECT nosuch FROM indices")
    assert qe["Status"]["StateChangeReason"].startswith("COLUMN_NOT_FOUND: ")


def test_malformed_queries_are_refused_at_start(athena, bucket, standin):
    for sql in ("SELEC 1", "SELECT 1; SELECT 2", "SELECT 'open"):
        err = error_of(athena.start_query_execution, QueryString=sql,
                       ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"})
        assert err["Error"]["Code"] == "InvalidRequestException", sql
        assert err["AthenaErrorCode"] == "MALFORMED_QUERY"
    control(standin[1], {"syntax_errors": "failed"})
    qe = run(athena, bucket, "SELEC 1")
    assert qe["Status"]["State"] == "FAILED"
    assert qe["Status"]["StateChangeReason"].startswith("SYNTAX_ERROR: line 1:")


def test_injection_text_in_literals_is_data(athena, bucket, expected):
    literal = INJECTION.replace("'", "''")
    sql = f"SELECT term, seq, dt FROM indices WHERE term = '{literal}' ORDER BY dt, seq"
    _, rows = query(athena, bucket, sql)
    want = expected.execute("SELECT term, seq, dt FROM indices WHERE term = ? ORDER BY dt, seq",
                            [INJECTION]).fetchall()
    assert rows[1:] == [[t, str(s), d] for t, s, d in want] and len(want) == 6
    _, rows = query(athena, bucket, "SELECT count(*) FROM indices WHERE term = ? OR term = ?",
                    ExecutionParameters=[f"'{literal}'", "'quo\"te'"])
    assert rows[1] == ["12"]
    _, rows = query(athena, bucket, "SELECT count(*) FROM indices")  # the table is still there
    assert rows[1] == [str(2 * PER_HOUR)]


def test_throttling(athena, bucket, standin):
    url = standin[1]
    control(url, {"throttle": 2})
    err = error_of(athena.start_query_execution, QueryString="SELECT 1",
                   ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"})
    assert err["Error"]["Code"] == "TooManyRequestsException"
    assert err["Reason"] == "CONCURRENT_QUERY_LIMIT_EXCEEDED"
    err = error_of(athena.get_work_group, WorkGroup="primary")
    assert err["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    before = get_json(url, "/_standin/calls").get("StartQueryExecution", 0)
    control(url, {"throttle": 2})
    retrying = client(url, attempts=3)
    qid = start(retrying, bucket, "SELECT 1 AS one")  # two throttled attempts, then a success
    assert get_json(url, "/_standin/calls")["StartQueryExecution"] == before + 3
    assert wait(athena, qid)["Status"]["State"] == "SUCCEEDED"


def test_fail_next(athena, bucket, standin):
    control(standin[1], {"fail_next": "GENERIC_INTERNAL_ERROR: boom"})
    qe = run(athena, bucket, "SELECT 1")
    assert qe["Status"]["State"] == "FAILED"
    assert qe["Status"]["StateChangeReason"] == "GENERIC_INTERNAL_ERROR: boom"
    error = qe["Status"]["AthenaError"]
    assert error["ErrorCategory"] == 1 and error["Retryable"] is True
    assert run(athena, bucket, "SELECT 1")["Status"]["State"] == "SUCCEEDED"  # only the next one


def test_bytes_scanned_cutoff(athena, bucket, standin):
    full = run(athena, bucket, "SELECT max(term) FROM indices")["Statistics"]["DataScannedInBytes"]
    sql = "SELECT max(term) FROM indices WHERE dt = '2024-01-01-01'"
    pruned = run(athena, bucket, sql)["Statistics"]["DataScannedInBytes"]
    control(standin[1], {"bytes_scanned_cutoff": (full + pruned) // 2})
    config = athena.get_work_group(WorkGroup="primary")["WorkGroup"]["Configuration"]
    assert config["BytesScannedCutoffPerQuery"] == (full + pruned) // 2
    qe = run(athena, bucket, "SELECT max(term) FROM indices")
    assert qe["Status"]["State"] == "CANCELLED"  # as Athena does, not FAILED
    assert qe["Status"]["StateChangeReason"] == "Bytes scanned limit was exceeded"
    assert qe["Statistics"]["DataScannedInBytes"] > (full + pruned) // 2
    assert run(athena, bucket, sql)["Status"]["State"] == "SUCCEEDED"


def test_expired_results(athena, bucket, standin, s3):
    qe, rows = query(athena, bucket, "SELECT 42 AS answer")
    assert rows == [["answer"], ["42"]]
    control(standin[1], {"expire": qe["QueryExecutionId"]})
    err = error_of(athena.get_query_results, QueryExecutionId=qe["QueryExecutionId"])
    assert err["Error"]["Code"] == "InvalidRequestException"
    assert "no longer available" in err["Error"]["Message"] and "expired" in err["Error"]["Message"]
    qe, _ = query(athena, bucket, "SELECT 43 AS answer")  # deleted by anyone: the same
    s3.delete_object(Bucket=bucket, Key=f"results/{qe['QueryExecutionId']}.csv")
    assert "expired" in error_of(athena.get_query_results,
                                 QueryExecutionId=qe["QueryExecutionId"])["Error"]["Message"]


def test_stop(athena, bucket, standin):
    control(standin[1], {"min_runtime_ms": 5000})
    running = start(athena, bucket, "SELECT count(*) FROM indices")
    queued = start(athena, bucket, "SELECT 2")
    deadline = time.monotonic() + 5
    while athena.get_query_execution(QueryExecutionId=running)["QueryExecution"]["Status"]["State"] \
            != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    err = error_of(athena.get_query_results, QueryExecutionId=running)
    assert err["Error"]["Message"] == "Query has not yet finished. Current state: RUNNING"
    assert athena.get_query_execution(QueryExecutionId=queued)["QueryExecution"]["Status"]["State"] \
        == "QUEUED"
    began = time.monotonic()
    athena.stop_query_execution(QueryExecutionId=queued)
    athena.stop_query_execution(QueryExecutionId=running)
    for qid in (running, queued):
        status = wait(athena, qid)["Status"]
        assert status["State"] == "CANCELLED" and status["StateChangeReason"] == "Query cancelled by user"
    assert time.monotonic() - began < 2
    err = error_of(athena.get_query_results, QueryExecutionId=running)
    assert err["Error"]["Code"] == "InvalidRequestException"
    control(standin[1], {"min_runtime_ms": 0})
    # A statement busy in DuckDB (27 billion joined rows) is interrupted, not waited for.
    busy = start(athena, bucket, "SELECT count(*) FROM indices x CROSS JOIN indices y "
                                 "CROSS JOIN indices z WHERE x.seq + y.seq + z.seq = -1")
    time.sleep(0.3)
    athena.stop_query_execution(QueryExecutionId=busy)
    assert wait(athena, busy)["Status"]["State"] == "CANCELLED"
    began = time.monotonic()
    done = run(athena, bucket, "SELECT 3")
    assert time.monotonic() - began < 2, "the engine was still busy with the stopped statement"
    athena.stop_query_execution(QueryExecutionId=done["QueryExecutionId"])
    assert wait(athena, done["QueryExecutionId"])["Status"]["State"] == "SUCCEEDED"


def test_result_reuse(athena, bucket, standin, s3):
    sql = f"SELECT count(*) AS n FROM indices WHERE term <> '{uuid.uuid4().hex}'"
    reuse = {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 10}}
    first, rows = query(athena, bucket, sql, ResultReuseConfiguration=reuse)
    second, again = query(athena, bucket, sql, ResultReuseConfiguration=reuse)
    assert first["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is False
    assert first["Statistics"]["DataScannedInBytes"] > 0
    assert second["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is True
    assert second["Statistics"]["DataScannedInBytes"] == 0 and again == rows == [["n"], ["3000"]]
    assert second["QueryExecutionId"] != first["QueryExecutionId"]
    s3.head_object(Bucket=bucket, Key=f"results/{second['QueryExecutionId']}.csv")
    third, _ = query(athena, bucket, sql)  # without the configuration: runs again
    assert third["Statistics"]["DataScannedInBytes"] > 0
    log = {e["QueryExecutionId"]: e for e in get_json(standin[1], "/_standin/executions")}
    assert [log[q["QueryExecutionId"]]["Reused"] for q in (first, second, third)] == [False, True, False]


# ---- the API around queries -------------------------------------------------------------------

def test_idempotency_token(athena, bucket):
    token = uuid.uuid4().hex
    a = start(athena, bucket, "SELECT 1", ClientRequestToken=token)
    b = start(athena, bucket, "SELECT 1", ClientRequestToken=token)
    assert a == b and uuid.UUID(a).version == 4
    err = error_of(athena.start_query_execution, QueryString="SELECT 2", ClientRequestToken=token,
                   ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"})
    assert err["AthenaErrorCode"] == "IDEMPOTENT_PARAMETER_MISMATCH"


def test_output_location_and_workgroups(athena, bucket, standin):
    err = error_of(athena.start_query_execution, QueryString="SELECT 1")
    assert err["Error"]["Message"].startswith("No output location provided.")
    err = error_of(athena.start_query_execution, QueryString="SELECT 1", WorkGroup="nope",
                   ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"})
    assert err["Error"]["Message"] == "WorkGroup is not found."
    control(standin[1], {"workgroup": "minerva", "workgroup_output": f"s3://{bucket}/wg/"})
    group = athena.get_work_group(WorkGroup="minerva")["WorkGroup"]
    assert group["Configuration"]["ResultConfiguration"]["OutputLocation"] == f"s3://{bucket}/wg/"
    qid = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="minerva")["QueryExecutionId"]
    qe = wait(athena, qid)
    assert qe["ResultConfiguration"]["OutputLocation"] == f"s3://{bucket}/wg/{qid}.csv"
    assert qe["WorkGroup"] == "minerva" and values(pages(athena, qid)) == [["_col0"], ["1"]]


def test_unknown_ids_and_operations(athena, standin):
    err = error_of(athena.get_query_execution, QueryExecutionId=str(uuid.uuid4()))
    assert err["Error"]["Code"] == "InvalidRequestException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    req = urllib.request.Request(standin[1] + "/", b"{}", headers={
        "X-Amz-Target": "AmazonAthena.ListDataCatalogs",
        "Content-Type": "application/x-amz-json-1.1"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req)
    assert info.value.code == 400
    assert info.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert json.load(info.value)["__type"] == "UnknownOperationException"


def test_execution_log(athena, bucket, standin):
    before = len(get_json(standin[1], "/_standin/executions"))
    qe = run(athena, bucket, "SELECT seq FROM indices WHERE dt = '2024-01-01-00' LIMIT 5")
    log = get_json(standin[1], "/_standin/executions")
    assert len(log) == before + 1
    entry = log[-1]
    assert entry["QueryExecutionId"] == qe["QueryExecutionId"] and entry["Rows"] == 5
    assert entry["Database"] == "minerva" and entry["WorkGroup"] == "primary"
    assert entry["State"] == "SUCCEEDED" and entry["DataScannedInBytes"] > 0
    assert get_json(standin[1], "/_standin/calls")["GetQueryExecution"] >= 1


def test_command_line(s3_endpoint, bucket):
    script = Path(athena_standin.__file__)
    proc = subprocess.Popen([sys.executable, str(script), "--port", "0", "--s3-endpoint", s3_endpoint,
                             "--workgroup", "cli", "--workgroup-output", f"s3://{bucket}/cli/"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        athena = client(line.split()[-1])
        group = athena.get_work_group(WorkGroup="cli")["WorkGroup"]
        assert group["Configuration"]["ResultConfiguration"]["OutputLocation"] == f"s3://{bucket}/cli/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
