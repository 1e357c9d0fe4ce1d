#!/usr/bin/env python3
"""A local stand-in for Amazon Athena: its JSON API over HTTP, DuckDB underneath, data on S3.

    python tests/python/athena_standin.py --port 0 --s3-endpoint http://127.0.0.1:PORT
    # prints "listening on http://127.0.0.1:NNNN"; or, from Python: start(s3_endpoint) -> (server, url)

Protocol: AWS JSON 1.1 (`POST /`, `X-Amz-Target: AmazonAthena.<Operation>`); signatures are not
checked. Operations: StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution,
GetWorkGroup; anything else is `UnknownOperationException`. Dates are epoch seconds.

Statements: `CREATE DATABASE|SCHEMA`, `CREATE EXTERNAL TABLE` (Hive DDL, read with regexes:
columns, `PARTITIONED BY` with at most one column, `LOCATION`, `storage.location.template`),
`DROP TABLE|DATABASE`, and one `SELECT`/`WITH`/`VALUES` statement, parsed by sqlglot (athena),
checked against the catalog, transpiled to DuckDB and run there (one query at a time, in a worker
thread). Before each query the tables it names are mirrored from S3 into the cache folder (by
ETag; only `<part>=<value>/<name>.parquet` keys whose name starts with neither `_` nor `.`) and
exposed as views over `read_parquet(..., hive_partitioning = true)` with the declared columns.

Bytes scanned: DuckDB's own file-system log (`CALL enable_logging('FileSystem')`) records each
read it makes (file, offset, size). `DataScannedInBytes` is the number of distinct bytes read from
the cached Parquet files between binding and the last fetched row (footers, the column chunks of
the row groups actually read; overlapping reads count once), so partition pruning, projection and
min/max row-group skipping all show. DuckDB reads the first file of a glob to learn the schema even
when a filter then skips it: an empty Parquet file with that schema (partition `!schema`, sorted
first) takes that read and is not counted. DuckDB's external file cache is off, so a repeated
query reads (and is billed) again. Without that log, the /proc/self/io `rchar` delta is used.

Results are written as Athena writes them, to `<OutputLocation>/<id>.csv` (every value quoted,
`"` doubled, NULL an empty unquoted field) plus `<id>.csv.metadata` (here: the ColumnInfo as
JSON), and GetQueryResults pages are read back from those objects. Values are rendered as Athena
prints them (timestamps in UTC as `YYYY-MM-DD HH:MM:SS.ffffff`, `--timestamp-digits 3` for
Athena's millisecond precision; varbinary as spaced hex pairs; doubles in Java notation).

Errors follow Athena's: 400 with `__type`, `Message` (and `AthenaErrorCode`); throttling is
`TooManyRequestsException` (+ `Reason`) for StartQueryExecution, `ThrottlingException: Rate
exceeded` for other calls; a query over the workgroup's bytes-scanned cutoff ends CANCELLED with
`Bytes scanned limit was exceeded`; a stopped one CANCELLED with `Query cancelled by user`.

Control endpoints (tests): `GET /_standin/executions`, `GET /_standin/calls`,
`POST /_standin/faults` with any of `throttle` (N next API calls; `throttle_type` forces the error
type), `fail_next` (reason, or {reason, category, type, retryable}), `bytes_scanned_cutoff`,
`workgroup_output`, `enforce_workgroup_configuration` (these three take an optional `workgroup`,
default `primary`, created if needed), `min_runtime_ms`, `expire` (a query id), `syntax_errors`
(`reject`: StartQueryExecution fails, as Athena does; `failed`: the query ends FAILED), `reset`.
"""
from __future__ import annotations

import argparse
import atexit
import base64
import datetime as dt
import json
import logging
import os
import queue
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import duckdb
import pyarrow.parquet as pq
import sqlglot
from botocore.config import Config
from botocore.exceptions import ClientError
from sqlglot import exp

logging.getLogger("sqlglot").setLevel(logging.ERROR)
ENGINE = {"SelectedEngineVersion": "Athena engine version 3",
          "EffectiveEngineVersion": "Athena engine version 3"}
CONCURRENCY = ("You have exceeded the limit for the number of queries you can run concurrently. "
               "Please reduce the number of concurrent queries submitted by this account. "
               "Contact customer support to request a concurrent query limit increase.")
NO_OUTPUT = ("No output location provided. An output location is required either through the "
             "Workgroup result configuration setting or as an API input.")
CUTOFF = "Bytes scanned limit was exceeded"
SCHEMA = "!schema"  # the partition value of the stand-in's schema file (sorts first)
HIVE_TO_DUCK = {"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "bigint": "BIGINT",
                "int": "INTEGER", "integer": "INTEGER", "smallint": "SMALLINT",
                "tinyint": "TINYINT", "double": "DOUBLE", "float": "FLOAT", "boolean": "BOOLEAN",
                "timestamp": "TIMESTAMP", "date": "DATE", "binary": "BLOB"}
DUCK_TO_ATHENA = {"VARCHAR": ("varchar", 2147483647), "BIGINT": ("bigint", 19),
                  "HUGEINT": ("bigint", 19), "UBIGINT": ("bigint", 19),
                  "INTEGER": ("integer", 10), "UINTEGER": ("bigint", 19),
                  "SMALLINT": ("smallint", 5), "USMALLINT": ("integer", 10),
                  "TINYINT": ("tinyint", 3), "UTINYINT": ("smallint", 5),
                  "DOUBLE": ("double", 17), "FLOAT": ("float", 17), "BOOLEAN": ("boolean", 0),
                  "DATE": ("date", 0), "BLOB": ("varbinary", 1073741824), "NULL": ("unknown", 0),
                  "UUID": ("uuid", 0), "TIME": ("time", 0), "JSON": ("json", 0)}
IDENT = r'(?:`[^`]+`|"[^"]+"|[A-Za-z_][\w]*)'
QNAME = rf"({IDENT})(?:\s*\.\s*({IDENT}))?"
LIT = r"'((?:[^'\\]|\\.)*)'"


class ApiError(Exception):
    """An error answer: HTTP 400, `__type`, `Message`, Athena's error code and extra members."""

    def __init__(self, message, kind="InvalidRequestException", code=None, **extra):
        super().__init__(message)
        self.kind, self.code, self.extra = kind, code, extra

    def body(self):
        out = {"__type": self.kind, "Message": str(self), **self.extra}
        if self.code:
            out["AthenaErrorCode"] = out["ErrorCode"] = self.code
        return out


class QueryError(Exception):
    """A query that ends FAILED (or CANCELLED): reason and AthenaError fields."""

    def __init__(self, reason, category=2, kind=1000, retryable=False, state="FAILED"):
        super().__init__(reason)
        self.category, self.kind, self.retryable, self.state = category, kind, retryable, state


def ident(text):
    return text[1:-1].lower() if text[0] in '`"' else text.lower()


def unquote(text):
    return re.sub(r"\\(.)", r"\1", text)


def split_s3(url):
    m = re.fullmatch(r"s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/(.*))?", url or "")
    if not m:
        raise ApiError("outputLocation is not a valid S3 path.", code="INVALID_INPUT")
    return m[1], (m[2] or "")


def strip_comments(sql):
    return re.sub(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*", "", sql, flags=re.S).strip()


def position(sql, node):
    """Trino's `line L:C` of a node, from sqlglot's token offsets (1:1 when unknown)."""
    start = min([i.meta["start"] for i in node.find_all(exp.Identifier) if "start" in i.meta],
                default=0)
    return f"{sql.count(chr(10), 0, start) + 1}:{start - sql.rfind(chr(10), 0, start)}"


def java_double(x):
    """Java's Double.toString, which Athena uses: 0.25, 1.0E7, 1.0E-4, NaN, Infinity."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        s = format(x, ".17g") if x == 0 else repr(x)
        s = format(Decimal(s), "f") if "e" in s else s
        return s if "." in s else s + ".0"
    sign, digits, exponent = Decimal(repr(x)).as_tuple()
    d = "".join(map(str, digits)).rstrip("0") or "0"
    return f"{'-' if sign else ''}{d[0]}.{d[1:] or '0'}E{len(digits) - 1 + exponent}"


def athena_type(duck, digits):
    """(Athena type name, Precision, Scale) of a DuckDB type."""
    d = str(duck).upper()
    if d.endswith("]"):
        return "array", 0, 0
    for prefix, name in (("MAP", "map"), ("STRUCT", "row"), ("UNION", "row"),
                         ("TIMESTAMP", "timestamp"), ("INTERVAL", "interval day to second")):
        if d.startswith(prefix):
            return name, digits if name == "timestamp" else 0, 0
    if m := re.match(r"DECIMAL\((\d+),\s*(\d+)\)", d):
        return "decimal", int(m[1]), int(m[2])
    name, precision = DUCK_TO_ATHENA.get(d, ("varchar", 2147483647))
    return name, precision, 0


def render(v, digits):
    """A value as Athena prints it in GetQueryResults and in the CSV (None for NULL)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return " ".join(f"{b:02x}" for b in bytes(v))
    if isinstance(v, dt.datetime):
        if v.tzinfo:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%d %H:%M:%S") + f".{v.microsecond:06d}"[:digits + 1]
    if isinstance(v, float):
        return java_double(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    inner = lambda x: "null" if x is None else render(x, digits)  # noqa: E731
    if isinstance(v, list) and v and all(isinstance(i, tuple) and len(i) == 2 for i in v):
        return "{" + ", ".join(f"{inner(k)}={inner(x)}" for k, x in v) + "}"  # an Arrow map
    if isinstance(v, list):
        return "[" + ", ".join(map(inner, v)) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={inner(x)}" for k, x in v.items()) + "}"
    return str(v)


def to_csv(rows):
    quote = lambda v: "" if v is None else '"' + v.replace('"', '""') + '"'  # noqa: E731
    return "".join(",".join(map(quote, row)) + "\n" for row in rows)


def parse_csv(text):
    """Athena's CSV back into rows: quoted values, and NULL as an empty unquoted field."""
    rows, row, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            parts, j = [], i + 1
            while True:
                k = text.index('"', j)
                parts.append(text[j:k])
                if text[k + 1:k + 2] == '"':
                    parts.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            row.append("".join(parts))
        else:
            row.append(None)
        if i < n and text[i] == ",":
            i += 1
        else:
            rows.append(row)
            row, i = [], i + 1
    return rows


def split_top(text, sep=","):
    """Splits on `sep` outside brackets and quotes."""
    out, depth, cur, q = [], 0, "", None
    for c in text:
        if q:
            q = None if c == q else q
        elif c in "`'\"":
            q = c
        elif c in "(<":
            depth += 1
        elif c in ")>":
            depth -= 1
        elif c == sep and depth == 0:
            out.append(cur)
            cur = ""
            continue
        cur += c
    return [p.strip() for p in out + [cur] if p.strip()]


def paren_block(text, start):
    """The text inside the parenthesis that opens at or after `start`, and the index after it."""
    i = text.index("(", start)
    depth, q = 0, None
    for j in range(i, len(text)):
        c = text[j]
        if q:
            q = None if c == q and text[j - 1] != "\\" else q
        elif c in "`'\"":
            q = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
    raise QueryError("SYNTAX_ERROR: unbalanced parentheses")


def columns(block):
    cols = []
    for part in split_top(block):
        m = re.match(rf"({IDENT})\s+(.+?)(?:\s+COMMENT\s+{LIT})?$", part, re.S | re.I)
        if not m:
            raise QueryError(f"FAILED: ParseException: cannot read column {part!r}", kind=1003)
        cols.append((ident(m[1]), m[2].strip().lower()))
    return cols


def duck_type(hive):
    if hive in HIVE_TO_DUCK:
        return HIVE_TO_DUCK[hive]
    try:
        return exp.DataType.build(hive, dialect="hive").sql("duckdb")
    except Exception:  # noqa: BLE001 - an unknown type reads as text
        return "VARCHAR"


class Execution:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.state, self.reason, self.error = "QUEUED", None, None
        self.started = self.completed = None
        self.bytes, self.rows, self.reused, self.cancel = 0, 0, False, threading.Event()

    def describe(self):
        status = {"State": self.state, "SubmissionDateTime": self.submitted}
        for key, value in (("StateChangeReason", self.reason), ("CompletionDateTime", self.completed),
                           ("AthenaError", self.error)):
            if value is not None:
                status[key] = value
        ms = lambda a, b: int(((b or time.time()) - (a or time.time())) * 1000)  # noqa: E731
        queued = ms(self.submitted, self.started)
        engine = ms(self.started, self.completed) if self.started else 0
        out = {"QueryExecutionId": self.id, "Query": self.query, "StatementType": self.stype,
               "SubstatementType": self.substatement,
               "ResultConfiguration": {"OutputLocation": self.output},
               "QueryExecutionContext": {"Database": self.database, "Catalog": self.catalog},
               "Status": status, "WorkGroup": self.workgroup, "EngineVersion": ENGINE,
               "Statistics": {"EngineExecutionTimeInMillis": engine, "DataScannedInBytes": self.bytes,
                              "TotalExecutionTimeInMillis": queued + engine,
                              "QueryQueueTimeInMillis": queued,
                              "ResultReuseInformation": {"ReusedPreviousResult": self.reused}}}
        if self.params:
            out["ExecutionParameters"] = self.params
        if self.reuse_minutes is not None:
            out["ResultReuseConfiguration"] = {"ResultReuseByAgeConfiguration": {
                "Enabled": True, "MaxAgeInMinutes": self.reuse_minutes}}
        return out

    def log(self):
        return {"QueryExecutionId": self.id, "Query": self.query, "Database": self.database,
                "WorkGroup": self.workgroup, "State": self.state, "StateChangeReason": self.reason,
                "DataScannedInBytes": self.bytes, "Rows": self.rows, "Reused": self.reused,
                "StatementType": self.stype, "SubmissionDateTime": self.submitted}


class StandIn:
    def __init__(self, s3_endpoint, cache_dir=None, workgroup_output=None, min_runtime_ms=0,
                 timestamp_digits=6, syntax_errors="reject", workgroups=("primary",)):
        self.s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                               aws_access_key_id="test", aws_secret_access_key="test",
                               config=Config(s3={"addressing_style": "path"}))
        if cache_dir is None:
            cache_dir = tempfile.mkdtemp(prefix="athena-standin-")
            atexit.register(shutil.rmtree, cache_dir, True)
        self.cache = Path(cache_dir).resolve()
        self.digits = timestamp_digits
        self.defaults = {"min_runtime_ms": min_runtime_ms, "syntax_errors": syntax_errors}
        self.initial = (list(workgroups), workgroup_output)
        self.lock = threading.RLock()
        self.executions, self.tokens, self.results = {}, {}, {}
        self.databases, self.tables = {"default"}, {}
        self.queue, self.current, self.schema_files = queue.Queue(), None, set()
        self.con = duckdb.connect()
        for setting in ("SET TimeZone = 'UTC'", "SET enable_external_file_cache = false",
                        "SET parquet_metadata_cache = false"):
            try:
                self.con.execute(setting)
            except duckdb.Error:
                pass
        try:
            self.con.execute("CALL enable_logging('FileSystem')")
            self.fs_log = True
        except duckdb.Error:
            self.fs_log = False
        self.reset()
        threading.Thread(target=self.worker, daemon=True, name="athena-standin-worker").start()

    def reset(self):
        with self.lock:
            self.settings = dict(self.defaults, throttle=0, throttle_type=None, fail_next=None)
            names, output = self.initial
            self.workgroups = {n: {"output": output, "cutoff": None, "enforce": False,
                                   "created": time.time()} for n in names}
            self.calls = {}

    # ---- control ----
    def control(self, body):
        with self.lock:
            if body.get("reset"):
                self.reset()
            wg_name = body.get("workgroup", "primary")
            if any(k in body for k in ("workgroup_output", "bytes_scanned_cutoff",
                                       "enforce_workgroup_configuration", "workgroup")):
                wg = self.workgroups.setdefault(wg_name, {"output": None, "cutoff": None,
                                                          "enforce": False, "created": time.time()})
                wg["output"] = body.get("workgroup_output", wg["output"])
                wg["cutoff"] = body.get("bytes_scanned_cutoff", wg["cutoff"])
                wg["enforce"] = body.get("enforce_workgroup_configuration", wg["enforce"])
            for key in ("throttle", "throttle_type", "fail_next", "min_runtime_ms", "syntax_errors"):
                if key in body:
                    self.settings[key] = body[key]
            if "expire" in body:
                bucket, key = split_s3(self.get(body["expire"]).output)
                self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [
                    {"Key": key}, {"Key": key + ".metadata"}]})
            return {"settings": self.settings, "workgroups": self.workgroups}

    # ---- API ----
    def call(self, op, req):
        with self.lock:
            self.calls[op] = self.calls.get(op, 0) + 1
            if self.settings["throttle"] > 0:
                self.settings["throttle"] -= 1
                kind = self.settings["throttle_type"] or (  # what Athena answers, by call
                    "TooManyRequestsException" if op == "StartQueryExecution"
                    else "ThrottlingException")
                if op == "StartQueryExecution" and kind == "TooManyRequestsException":
                    raise ApiError(CONCURRENCY, kind, Reason="CONCURRENT_QUERY_LIMIT_EXCEEDED")
                raise ApiError("Rate exceeded", kind)
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            raise ApiError(f"Operation {op} is not supported by this Athena stand-in",
                           "UnknownOperationException")
        return handler(req)

    def get(self, qid):
        with self.lock:
            if qid not in self.executions:
                raise ApiError(f"QueryExecution {qid} was not found", code="QUERY_EXECUTION_NOT_FOUND")
            return self.executions[qid]

    def op_GetWorkGroup(self, req):
        name = req.get("WorkGroup", "")
        with self.lock:
            if name not in self.workgroups:
                raise ApiError("WorkGroup is not found.", code="INVALID_INPUT")
            wg = self.workgroups[name]
            conf = {"ResultConfiguration": {"OutputLocation": wg["output"]} if wg["output"] else {},
                    "EnforceWorkGroupConfiguration": wg["enforce"],
                    "PublishCloudWatchMetricsEnabled": False, "RequesterPaysEnabled": False,
                    "EngineVersion": ENGINE}
            if wg["cutoff"] is not None:
                conf["BytesScannedCutoffPerQuery"] = wg["cutoff"]
            return {"WorkGroup": {"Name": name, "State": "ENABLED", "Configuration": conf,
                                  "Description": "athena stand-in", "CreationTime": wg["created"]}}

    def op_StartQueryExecution(self, req):
        sql = req.get("QueryString")
        if not isinstance(sql, str) or not sql.strip() or len(sql.encode()) > 262144:
            raise ApiError("QueryString must be 1 to 262144 bytes long", code="INVALID_INPUT")
        ctx = req.get("QueryExecutionContext") or {}
        database = (ctx.get("Database") or "default").lower()
        wg_name = req.get("WorkGroup") or "primary"
        with self.lock:
            wg = self.workgroups.get(wg_name)
            if wg is None:
                raise ApiError("WorkGroup is not found.", code="INVALID_INPUT")
            out = (req.get("ResultConfiguration") or {}).get("OutputLocation")
            out = wg["output"] if wg["enforce"] and wg["output"] or not out else out
            if not out:
                raise ApiError(NO_OUTPUT, code="INVALID_INPUT")
            split_s3(out)
            token = req.get("ClientRequestToken")
            if token is not None and not 32 <= len(token) <= 128:
                raise ApiError("1 validation error detected: Value at 'clientRequestToken' failed to "
                               "satisfy constraint: Member must have length between 32 and 128",
                               code="INVALID_INPUT")
            if token in self.tokens:
                prev = self.executions[self.tokens[token]]
                if (prev.query, prev.database, prev.location) != (sql, database, out):
                    raise ApiError("Idempotent parameters do not match",
                                   code="IDEMPOTENT_PARAMETER_MISMATCH")
                return {"QueryExecutionId": prev.id}
            stype, sub, early = self.classify(sql)
            qid = str(uuid.uuid4())
            reuse = ((req.get("ResultReuseConfiguration") or {})
                     .get("ResultReuseByAgeConfiguration") or {})
            ex = Execution(id=qid, query=sql, database=database,
                           catalog=ctx.get("Catalog") or "AwsDataCatalog",
                           workgroup=wg_name, location=out, stype=stype, substatement=sub,
                           output=f"{out.rstrip('/')}/{qid}.{'csv' if stype == 'DML' else 'txt'}",
                           params=req.get("ExecutionParameters"), submitted=time.time(),
                           reuse_minutes=(reuse.get("MaxAgeInMinutes") or 60)
                           if reuse.get("Enabled") else None,
                           early=early, fail=self.settings["fail_next"],
                           min_runtime=self.settings["min_runtime_ms"] / 1000)
            self.settings["fail_next"] = None
            self.executions[qid] = ex
            if token:
                self.tokens[token] = qid
        self.queue.put(ex)
        return {"QueryExecutionId": qid}

    def classify(self, sql):
        """(StatementType, SubstatementType, error to fail with); raises for a malformed query."""
        body = strip_comments(sql)
        m = re.match(r"(create|drop|alter|msck|show|describe|desc)\b\s*(\w*)", body, re.I)
        if m:
            verb, what = m[1].upper(), m[2].upper()
            utility = verb in ("SHOW", "DESCRIBE", "DESC")
            sub = {"SCHEMA": "DATABASE", "EXTERNAL": "TABLE"}.get(what, what)
            return ("UTILITY" if utility else "DDL"), f"{verb}_{sub}" if sub else verb, None
        try:
            statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
            if len(statements) > 1:
                raise ApiError(f"Only one sql statement is allowed. Got: {sql}", code="MALFORMED_QUERY")
            if statements and isinstance(statements[0], exp.Query):
                return "DML", "SELECT", None
            message = "Queries of this type are not supported"
        except sqlglot.errors.ParseError as e:
            err = e.errors[0] if e.errors else {}
            message = f"line {err.get('line', 1)}:{err.get('col', 1)}: {err.get('description', e)}"
        except sqlglot.errors.TokenError as e:
            message = f"line 1:1: {e}"
        if self.settings["syntax_errors"] == "reject":
            raise ApiError(message, code="MALFORMED_QUERY")
        return "DML", "SELECT", QueryError(f"SYNTAX_ERROR: {message}")

    def op_GetQueryExecution(self, req):
        ex = self.get(req.get("QueryExecutionId"))
        with self.lock:
            return {"QueryExecution": ex.describe()}

    def op_StopQueryExecution(self, req):
        ex = self.get(req.get("QueryExecutionId"))
        with self.lock:
            if ex.state in ("QUEUED", "RUNNING"):
                ex.cancel.set()
                self.finish(ex, "CANCELLED", "Query cancelled by user")
                if self.current is ex:
                    self.con.interrupt()
        return {}

    def op_GetQueryResults(self, req):
        ex = self.get(req.get("QueryExecutionId"))
        size = req.get("MaxResults") or 1000
        if not isinstance(size, int) or not 1 <= size <= 1000:
            raise ApiError(f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
                           "satisfy constraint: Member must have value less than or equal to 1000",
                           code="INVALID_INPUT")
        if ex.state in ("QUEUED", "RUNNING"):
            raise ApiError(f"Query has not yet finished. Current state: {ex.state}",
                           code="INVALID_QUERY_EXECUTION_STATE")
        if ex.state == "FAILED":
            raise ApiError("Query did not finish successfully. Final query state: FAILED",
                           code="INVALID_QUERY_EXECUTION_STATE")
        if ex.state == "CANCELLED":
            raise ApiError("Could not find results", code="RESULT_NOT_FOUND")
        if ex.stype != "DML":
            return {"ResultSet": {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}}}
        offset = 0
        if req.get("NextToken"):
            try:
                token = json.loads(base64.urlsafe_b64decode(req["NextToken"]))
                assert token["q"] == ex.id
                offset = int(token["o"])
            except Exception:  # noqa: BLE001
                raise ApiError("The NextToken is not valid", code="INVALID_INPUT") from None
        columns, rows = self.read_result(ex)
        page = rows[offset:offset + size]
        out = {"UpdateCount": 0, "ResultSet": {
            "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in page],
            "ResultSetMetadata": {"ColumnInfo": columns}}}
        if offset + size < len(rows):
            out["NextToken"] = base64.urlsafe_b64encode(
                json.dumps({"q": ex.id, "o": offset + size}).encode()).decode()
        return out

    def read_result(self, ex):
        """ColumnInfo and rows (header first) from the stored result objects."""
        bucket, key = split_s3(ex.output)
        try:
            etag = self.s3.head_object(Bucket=bucket, Key=key)["ETag"]
            if self.results.get(ex.id, (None,))[0] != etag:
                text = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
                meta = self.s3.get_object(Bucket=bucket, Key=key + ".metadata")["Body"].read()
                meta = json.loads(meta)
                self.results[ex.id] = (etag, meta["ColumnInfo"], parse_csv(text))
        except ClientError as e:
            if e.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                raise ApiError(f"Query results of {ex.id} are no longer available: the result "
                               f"object {ex.output} has expired or was deleted",
                               code="RESULT_NOT_FOUND") from None
            raise
        return self.results[ex.id][1:]

    # ---- worker ----
    def finish(self, ex, state, reason=None, error=None):
        with self.lock:
            if ex.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return
            ex.state, ex.reason, ex.error, ex.completed = state, reason, error, time.time()

    def worker(self):
        while True:
            ex = self.queue.get()
            with self.lock:
                if ex.state != "QUEUED":
                    continue
                ex.state, ex.started, self.current = "RUNNING", time.time(), ex
            try:
                if ex.fail:
                    f = ex.fail if isinstance(ex.fail, dict) else {"reason": ex.fail}
                    raise QueryError(f["reason"], f.get("category", 1), f.get("type", 200),
                                     f.get("retryable", True))
                if ex.early:
                    raise ex.early
                self.run_ddl(ex) if ex.stype != "DML" else self.run_query(ex)
                if ex.cancel.wait(max(0.0, ex.started + ex.min_runtime - time.time())):
                    continue
                self.finish(ex, "SUCCEEDED")
            except QueryError as e:
                if ex.cancel.wait(max(0.0, ex.started + ex.min_runtime - time.time())):
                    continue
                error = None if e.state == "CANCELLED" else {
                    "ErrorCategory": e.category, "ErrorType": e.kind, "Retryable": e.retryable,
                    "ErrorMessage": str(e)}
                self.finish(ex, e.state, str(e), error)
            except duckdb.InterruptException:
                self.finish(ex, "CANCELLED", "Query cancelled by user")
            except Exception as e:  # noqa: BLE001 - any other failure is the engine's
                self.finish(ex, "FAILED", f"GENERIC_INTERNAL_ERROR: {e}", {
                    "ErrorCategory": 1, "ErrorType": 200, "Retryable": False,
                    "ErrorMessage": f"GENERIC_INTERNAL_ERROR: {e}"})
            finally:
                with self.lock:
                    self.current = None

    def run_ddl(self, ex):
        s = strip_comments(ex.query).rstrip("; \n\t")
        ddl = lambda m: QueryError(m, 2, 1003)  # noqa: E731
        with self.lock:
            if m := re.fullmatch(rf"create\s+(?:database|schema)\s+(if\s+not\s+exists\s+)?({IDENT}).*",
                                 s, re.I | re.S):
                if ident(m[2]) in self.databases and not m[1]:
                    raise ddl(f"FAILED: AlreadyExistsException: Database {ident(m[2])} already exists")
                self.databases.add(ident(m[2]))
            elif m := re.fullmatch(
                    rf"drop\s+(?:database|schema)\s+(if\s+exists\s+)?({IDENT})(\s+cascade)?",
                    s, re.I | re.S):
                name = ident(m[2])
                if name not in self.databases and not m[1]:
                    raise ddl("FAILED: SemanticException [Error 10072]: Database does not exist: "
                              + name)
                if any(db == name for db, _ in self.tables) and not m[3]:
                    raise ddl(f"FAILED: InvalidOperationException: Database {name} is not empty")
                self.databases.discard(name)
                self.tables = {k: v for k, v in self.tables.items() if k[0] != name}
            elif m := re.match(rf"create\s+external\s+table\s+(if\s+not\s+exists\s+)?{QNAME}\s*\(",
                               s, re.I | re.S):
                db, name = (ident(m[2]), ident(m[3])) if m[3] else (ex.database, ident(m[2]))
                if db not in self.databases:
                    raise ddl(f"FAILED: SemanticException [Error 10072]: Database does not exist: {db}")
                if (db, name) in self.tables:
                    if m[1]:
                        return self.write_text(ex)
                    raise ddl(f"FAILED: AlreadyExistsException: Table {name} already exists")
                self.tables[(db, name)] = self.table_ddl(db, name, s, m.end() - 1)
            elif m := re.fullmatch(rf"drop\s+table\s+(if\s+exists\s+)?{QNAME}", s, re.I | re.S):
                db, name = (ident(m[2]), ident(m[3])) if m[3] else (ex.database, ident(m[2]))
                if (db, name) not in self.tables and not m[1]:
                    raise ddl(f"FAILED: SemanticException [Error 10001]: Table not found {db}.{name}")
                self.tables.pop((db, name), None)
            else:
                raise QueryError(f"NOT_SUPPORTED: this Athena stand-in does not run {ex.substatement} "
                                 "statements", 2, 1200)
        self.write_text(ex)

    def table_ddl(self, db, name, s, start):
        block, end = paren_block(s, start)
        rest = s[end:]
        parts = []
        if m := re.search(r"partitioned\s+by\s*\(", rest, re.I):
            parts = columns(paren_block(rest, m.start())[0])
        if len(parts) > 1:
            raise QueryError("NOT_SUPPORTED: the stand-in reads one partition column at most", 2, 1200)
        props = {}
        if m := re.search(r"tblproperties\s*\(", rest, re.I):
            props = {unquote(k): unquote(v) for k, v in re.findall(
                rf"{LIT}\s*=\s*{LIT}", paren_block(rest, m.start())[0])}
        location = re.search(rf"location\s+{LIT}", rest, re.I)
        root = unquote(location[1]) if location else None
        template = props.get("storage.location.template", "")
        if parts and "${" + parts[0][0] + "}" in template:
            root = template[:template.index(f"{parts[0][0]}=${{")]
        if not root or not root.startswith("s3://"):
            raise QueryError("FAILED: SemanticException: the table needs an s3:// LOCATION", 2, 1003)
        return {"db": db, "name": name, "columns": columns(block), "partitions": parts,
                "root": root.rstrip("/") + "/", "properties": props}

    def write_text(self, ex):
        bucket, key = split_s3(ex.output)
        self.s3.put_object(Bucket=bucket, Key=key, Body=b"")

    def resolve(self, ex, tree):
        """Checks and qualifies the tables a query names; returns the catalog entries."""
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        used = {}
        for t in list(tree.find_all(exp.Table)):
            if not isinstance(t.this, exp.Identifier):
                raise QueryError(f"FUNCTION_NOT_FOUND: line {position(ex.query, t)}: "
                                 f"Table function '{t.this.sql()}' not registered", 2, 1303)
            name, db = t.name.lower(), (t.db or "").lower()
            if not db and name in ctes:
                continue
            where = position(ex.query, t)
            if t.catalog and t.catalog.lower() != "awsdatacatalog":
                raise QueryError(f"CATALOG_NOT_FOUND: line {where}: Catalog '{t.catalog}' "
                                 "does not exist", 2, 1301)
            db = db or ex.database
            with self.lock:
                if db not in self.databases:
                    raise QueryError(f"SCHEMA_NOT_FOUND: line {where}: Schema '{db}' "
                                     "does not exist", 2, 1301)
                if (db, name) not in self.tables:
                    raise QueryError(f"TABLE_NOT_FOUND: line {where}: Table "
                                     f"'awsdatacatalog.{db}.{name}' does not exist", 2, 1301)
                used[(db, name)] = self.tables[(db, name)]
            t.set("catalog", None)
            t.set("db", exp.to_identifier(db, quoted=True))
            t.set("this", exp.to_identifier(name, quoted=True))
        return list(used.values())

    def bind_parameters(self, ex, tree):
        holes = list(tree.find_all(exp.Placeholder, bfs=False))
        values = ex.params or []
        if holes and len(holes) != len(values):
            raise QueryError(f"INVALID_PARAMETER_USAGE: The query has {len(holes)} parameters but "
                             f"{len(values)} values were given", 2, 1000)
        for hole, value in zip(holes, values):
            try:  # an expression without columns stays one; anything else is a string
                select = sqlglot.parse_one(f"SELECT {value}", read="athena")
                assert isinstance(select, exp.Select) and len(select.expressions) == 1
                assert set(k for k, v in select.args.items() if v) == {"expressions"}
                node = select.expressions[0]
                assert not list(node.find_all(exp.Column))
            except Exception:  # noqa: BLE001
                node = exp.Literal.string(value)
            hole.replace(node)

    def mirror(self, table):
        """Makes the cache folder hold exactly the table's Parquet objects (by ETag)."""
        bucket, prefix = split_s3(table["root"])
        local = self.cache / table["db"] / table["name"]
        part = table["partitions"][0][0] if table["partitions"] else None
        pattern = re.compile(rf"{re.escape(part)}=([^/]+)/([^/]+)" if part else r"([^/]+)")
        seen = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                m = pattern.fullmatch(obj["Key"][len(prefix):])
                file = m and m[m.lastindex]
                if file and file.endswith(".parquet") and not file.startswith(("_", ".")) \
                        and m[1] not in (".", "..", SCHEMA) and not m[0].startswith(SCHEMA):
                    seen[obj["Key"][len(prefix):]] = obj["ETag"]
        etags = table.setdefault("etags", {})
        for rel, etag in seen.items():
            path = local / rel
            if etags.get(rel) != etag or not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.part")
                self.s3.download_file(bucket, prefix + rel, str(tmp))
                os.replace(tmp, path)
                etags[rel] = etag
        schema = local / (f"{part}={SCHEMA}/schema.parquet" if part else f"{SCHEMA}.parquet")
        for path in local.glob(f"{part}=*/*.parquet" if part else "*.parquet"):
            rel = path.relative_to(local).as_posix()
            if rel not in seen and path != schema:
                path.unlink()
                etags.pop(rel, None)
        return local, part, schema, sorted(local / rel for rel in seen)

    def view(self, table):
        """(Re)creates the DuckDB view of a table over its mirrored files.

        DuckDB reads the first file of a glob to learn the schema, even when a partition filter
        then skips that file; an empty Parquet file with the same schema, sorted first, takes
        that read (and is left out of the bytes scanned), so pruned partitions cost nothing."""
        local, part, schema, files = self.mirror(table)
        q = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731
        cols = [(c, duck_type(t)) for c, t in table["columns"]] + ([(part, "VARCHAR")] if part else [])
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {q(table['db'])}")
        name = f"{q(table['db'])}.{q(table['name'])}"
        if files:
            arrow = pq.read_schema(files[0])
            arrow = arrow.remove(arrow.get_field_index(part)) if part in arrow.names else arrow
            if not schema.exists() or not pq.read_schema(schema).equals(arrow):
                schema.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(arrow.empty_table(), schema)
            self.schema_files.add(str(schema))
            glob = str(local / (f"{part}=*/*.parquet" if part else "*.parquet")).replace("'", "''")
            hive = f", hive_partitioning = true, hive_types = {{'{part}': 'VARCHAR'}}" if part else ""
            source = f"read_parquet('{glob}'{hive})"
            present = {n.lower() for n in arrow.names} | {part}
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT " + ", ".join(
                q(c) if c in present else f"CAST(NULL AS {t}) AS {q(c)}" for c, t in cols) +
                f" FROM {source}")  # as in Athena, a declared column missing from the files is NULL
        else:
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT " + ", ".join(
                f"CAST(NULL AS {t}) AS {q(c)}" for c, t in cols) + " WHERE false")

    def scanned(self, start):
        """Distinct bytes read from the cached files since `start` (overlapping reads once)."""
        if not self.fs_log:
            return read_rchar() - start
        reads = {}
        for (message,) in self.con.execute(
                "SELECT message FROM duckdb_logs WHERE type = 'FileSystem'").fetchall():
            entry = json.loads(message)
            path = entry.get("path", "")
            if entry.get("op") == "READ" and path.startswith(str(self.cache)) \
                    and path not in self.schema_files:
                pos = int(entry.get("pos", 0))
                reads.setdefault(path, []).append((pos, pos + int(entry.get("bytes", 0))))
        total = 0
        for ranges in reads.values():
            end = -1
            for a, b in sorted(ranges):
                total += max(0, b - max(a, end))
                end = max(end, b)
        return total

    def run_query(self, ex):
        if ex.reuse_minutes is not None and self.reuse(ex):
            return
        tree = sqlglot.parse_one(ex.query, read="athena")
        self.bind_parameters(ex, tree)
        for table in self.resolve(ex, tree):
            self.view(table)
        if ex.cancel.is_set():
            return
        projections = tree.selects if isinstance(tree, exp.Query) else []
        sql = tree.sql(dialect="duckdb")
        if self.fs_log:
            self.con.execute("CALL truncate_duckdb_logs()")
        start = read_rchar()
        try:
            relation = self.con.sql(sql)
            names, types = relation.columns, relation.types
            result = getattr(relation, "to_arrow_table", None) or relation.arrow
            result = result()
        except duckdb.InterruptException:
            raise
        except (duckdb.BinderException, duckdb.CatalogException) as e:
            first = str(e).splitlines()[0]
            if m := re.search(r'column "?([^"\s]+)"? not found', first, re.I):
                raise QueryError(f"COLUMN_NOT_FOUND: line 1:1: Column '{m[1]}' cannot be resolved "
                                 "or requester is not authorized to access requested resources",
                                 2, 1006) from None
            if m := re.search(r"Function with name (\S+) does not exist", first):
                raise QueryError(f"FUNCTION_NOT_FOUND: line 1:1: Function '{m[1]}' not registered",
                                 2, 1303) from None
            raise QueryError(f"SYNTAX_ERROR: {first}", 2, 1000) from None
        except (duckdb.ConversionException, duckdb.InvalidInputException,
                duckdb.OutOfRangeException) as e:
            raise QueryError(f"INVALID_CAST_ARGUMENT: {str(e).splitlines()[0]}", 2, 1100) from None
        finally:
            ex.bytes = self.scanned(start)
        with self.lock:
            cutoff = self.workgroups[ex.workgroup]["cutoff"]
        if cutoff is not None and ex.bytes > cutoff:
            raise QueryError(CUTOFF, state="CANCELLED")
        if len(projections) == len(names) and not any(
                isinstance(p, exp.Star) or isinstance(p.this, exp.Star) for p in projections):
            names = [p.alias if isinstance(p, exp.Alias) else p.name if isinstance(p, exp.Column)
                     else f"_col{i}" for i, p in enumerate(projections)]
        info = []
        for n, t in zip(names, types):
            kind, precision, scale = athena_type(t, self.digits)
            info.append({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": n,
                         "Label": n, "Type": kind, "Precision": precision, "Scale": scale,
                         "Nullable": "UNKNOWN", "CaseSensitive": kind in ("varchar", "char")})
        cols = [[render(v, self.digits) for v in c.to_pylist()] for c in result.columns]
        rows = [list(names)] + [list(r) for r in zip(*cols)] if cols else [list(names)]
        ex.rows = len(rows) - 1
        bucket, key = split_s3(ex.output)
        self.s3.put_object(Bucket=bucket, Key=key, Body=to_csv(rows).encode(), ContentType="text/csv")
        self.s3.put_object(Bucket=bucket, Key=key + ".metadata",
                           Body=json.dumps({"ColumnInfo": info}).encode())

    def reuse(self, ex):
        with self.lock:
            since = time.time() - ex.reuse_minutes * 60
            previous = sorted((p for p in self.executions.values()
                               if p is not ex and p.state == "SUCCEEDED" and p.completed >= since
                               and (p.query, p.params, p.database, p.workgroup) ==
                               (ex.query, ex.params, ex.database, ex.workgroup)),
                              key=lambda p: -p.completed)
        bucket, key = split_s3(ex.output)
        for p in previous:
            src_bucket, src_key = split_s3(p.output)
            try:
                for suffix in ("", ".metadata"):
                    self.s3.copy_object(Bucket=bucket, Key=key + suffix,
                                        CopySource={"Bucket": src_bucket, "Key": src_key + suffix})
            except ClientError:
                continue
            ex.reused, ex.rows = True, p.rows
            return True
        return False


def read_rchar():
    try:
        return int(re.search(r"rchar: (\d+)", Path("/proc/self/io").read_text())[1])
    except (OSError, TypeError):
        return 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes
    standin: StandIn = None

    def log_message(self, *args):
        pass

    def send(self, status, body, error=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        s = self.standin
        with s.lock:
            if self.path == "/_standin/executions":
                return self.send(200, [e.log() for e in s.executions.values()])
            if self.path == "/_standin/calls":
                return self.send(200, dict(s.calls))
        self.send(404, {"message": "not found"})

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = b""
            while size := int(self.rfile.readline().split(b";")[0], 16):
                raw += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
        else:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            req = json.loads(raw or b"{}")
            if self.path == "/_standin/faults":
                return self.send(200, self.standin.control(req))
            target = self.headers.get("X-Amz-Target", "")
            if not target.startswith("AmazonAthena."):
                raise ApiError(f"Unknown target {target!r}", "UnknownOperationException")
            self.send(200, self.standin.call(target.split(".", 1)[1], req))
        except ApiError as e:
            self.send(400, e.body(), e.kind)
        except json.JSONDecodeError as e:
            kind = "SerializationException"
            self.send(400, {"__type": kind, "Message": str(e)}, kind)
        except Exception as e:  # noqa: BLE001
            kind = "InternalServerException"
            self.send(500, {"__type": kind, "Message": repr(e)}, kind)


def start(s3_endpoint, port=0, **options):
    """Starts the stand-in on 127.0.0.1 in a background thread; returns (server, url).

    `server.standin` is the StandIn; stop with `server.shutdown(); server.server_close()`."""
    handler = type("BoundHandler", (Handler,), {"standin": StandIn(s3_endpoint, **options)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.standin = handler.standin
    threading.Thread(target=server.serve_forever, daemon=True, name="athena-standin-http").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--s3-endpoint", required=True)
    p.add_argument("--cache-dir")
    p.add_argument("--workgroup", action="append", default=[],
                   help="workgroups that exist besides primary (repeatable)")
    p.add_argument("--workgroup-output", help="the workgroups' result location (s3://bucket/prefix/)")
    p.add_argument("--min-runtime-ms", type=int, default=0)
    p.add_argument("--timestamp-digits", type=int, choices=(3, 6), default=6)
    p.add_argument("--syntax-errors", choices=("reject", "failed"), default="reject")
    a = p.parse_args(argv)
    server, url = start(a.s3_endpoint, a.port, cache_dir=a.cache_dir,
                        workgroup_output=a.workgroup_output, min_runtime_ms=a.min_runtime_ms,
                        timestamp_digits=a.timestamp_digits, syntax_errors=a.syntax_errors,
                        workgroups=["primary", *a.workgroup])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit cleanly: atexit removes the cache
    print(f"listening on {url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
