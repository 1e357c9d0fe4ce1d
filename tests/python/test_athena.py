"""`minerva search --engine athena` and `serve --engine athena` through the real aws-sdk-athena
client, against the Athena stand-in (tests/python/athena_standin.py: Athena's JSON API, sqlglot
and DuckDB underneath) over the same Parquet files on moto's S3.

The tables are created by `minerva athena setup` (the generated DDL with partition projection);
every reference query must give exactly the embedded engine's hits (same order) and the
brute-force reference's records; the injection corpus stays inert; paging is stateless (a page
asked from a second `serve` process equals the first's); throttling is retried; failures, the
bytes-scanned cutoff and expired results become clear errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import athena_standin
import helpers
import reference as ref
from test_search_reference import CASES
from test_search_sql import INJECTIONS
from serving import ALL_TIME, Server, free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
               "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(s3={"addressing_style": "path"}))


@pytest.fixture(scope="module")
def standin(s3_endpoint, tmp_path_factory):
    server, url = athena_standin.start(s3_endpoint,
                                       cache_dir=str(tmp_path_factory.mktemp("standin")))
    yield url
    server.shutdown()
    server.server_close()


def control(url: str, path: str, body: dict | None = None):
    import urllib.request
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def upload_tree(s3, bucket: str, prefix: str, root: Path) -> int:
    files = [p for p in root.rglob("*") if p.is_file()]

    def put(path: Path):
        s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root).as_posix()}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, files))
    return len(files)


@pytest.fixture(scope="module")
def athena(minerva_bin, s3, s3_endpoint, standin, datasets_index, merged_datasets_index):
    """Both indexes on S3, their tables created by `minerva athena setup`; the environment for
    minerva processes, per database."""
    bucket = f"athena-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    base_env = {**CREDENTIALS, "AWS_ENDPOINT_URL": s3_endpoint,
                "AWS_ENDPOINT_URL_ATHENA": standin,
                "MINERVA_ATHENA_OUTPUT": f"s3://{bucket}/results/"}
    setups = {}
    for db, index in (("small_files", datasets_index), ("merged", merged_datasets_index)):
        upload_tree(s3, bucket, db, index.data)
        data = f"s3://{bucket}/{db}"
        proc = helpers.run_minerva(minerva_bin, ["athena", "setup", "--data", data,
                                                 "--athena-database", db], env=base_env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.count("ok: ") == 3, proc.stderr
        env = {**base_env, "MINERVA_ENGINE": "athena", "MINERVA_ATHENA_DATABASE": db,
               "MINERVA_DATA": data}
        setups[db] = (env, index.data)
    return {"url": standin, "bucket": bucket, "setups": setups}


def jsonl(proc) -> list[dict]:
    assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr}"
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert (proc.returncode == 0) == bool(hits), proc.stderr
    return hits


def search(minerva_bin, text, env=None, data=None, extra=()):
    args = ["search", "--output", "jsonl", "--limit", "0", *extra]
    if data is not None:
        args += ["--data", str(data)]
    return helpers.run_minerva(minerva_bin, [*args, "--", text], env=env)


def test_ddl_command_prints_the_generated_statements(minerva_bin):
    proc = helpers.run_minerva(minerva_bin, ["athena", "ddl", "--data", "s3://minerva-index/prod"])
    assert proc.returncode == 0, proc.stderr
    golden = (Path(__file__).parents[1] / "golden/athena/ddl.sql").read_text()
    assert proc.stdout.strip() == golden.strip()
    bad = helpers.run_minerva(minerva_bin, ["athena", "ddl", "--data", "s3://x'/p"])
    assert bad.returncode == 2 and "invalid" in bad.stderr


# Every reference case runs on the merged index (what Athena mostly reads). The small files
# (6,000+ objects, each statement lists and reads them through moto) run one case per SQL shape:
# a needle, a field, a nested field, OR, a phrase with a negated phrase, a prefix, a CIDR block
# as prefixes, one as an address list, and a block minus an address. The rest cost ~450 s and
# render the same statements; the embedded engine checks them all on small files
# (test_search_reference).
SMALL_FILES_CASES = {
    "10.128.0.221", "src_ip=54.235.163.229", "Event.System.EventID=4624", "mimikatz OR sekurlsa",
    '"invalid user" -"from 173.234.31.186"', "mimi*", "10.47.24.0/21", "10.128.0.240/30",
    "192.168.0.0/16 -192.168.0.2",
}
ATHENA_CASES = [pytest.param(text, query, db, id=f"{text}-{db}")
                for text, query in CASES if query is not None
                for db in ("small_files", "merged")
                if db == "merged" or text in SMALL_FILES_CASES]


def test_small_files_cases_are_reference_cases():
    assert SMALL_FILES_CASES <= {text for text, _ in CASES}


@pytest.mark.parametrize("text,query,db", ATHENA_CASES)
def test_athena_equals_embedded_and_reference(minerva_bin, athena, datasets_index, db, text,
                                              query):
    env, local = athena["setups"][db]
    got = jsonl(search(minerva_bin, text, env=env))
    embedded = jsonl(search(minerva_bin, text, data=local, extra=["--engine", "embedded"]))
    assert got == embedded, f"{text!r}: Athena and the embedded engine differ"
    files = [p for p in datasets_index.inputs if ref.file_kind(p) != "json_document"]
    records = {(h["source"][len("file://"):], h["seq"]) for h in got}
    assert len(records) == len(got), "a record was returned twice"
    expected = ref.search(files, query)
    if ref.uses_fields(query):
        header = {str(p) for p in files if ref.file_kind(p) == "header_driven"}
        records = {r for r in records if r[0] not in header}
    assert records == expected


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_corpus_is_inert_on_athena(minerva_bin, athena, text, needle):
    env, local = athena["setups"]["merged"]
    query = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    got = jsonl(search(minerva_bin, query, env=env))
    assert got == jsonl(search(minerva_bin, query, data=local, extra=["--engine", "embedded"]))
    # The tables are intact afterwards.
    assert jsonl(search(minerva_bin, needle, env=env))


def executions(url):
    return control(url, "/_standin/executions")


def test_statements_and_bytes_per_search(minerva_bin, athena, needle):
    env, local = athena["setups"]["merged"]
    before = len(executions(athena["url"]))
    proc = helpers.run_minerva(minerva_bin, ["search", "--stats", "--limit", "10", needle],
                               env=env)
    assert proc.returncode == 0, proc.stderr
    sent = executions(athena["url"])[before:]
    # An exact needle: the summary and the ordered lookup, then one message fetch for the page.
    assert len(sent) == 3, [e["Query"][:120] for e in sent]
    assert all(e["State"] == "SUCCEEDED" for e in sent)
    assert all(e["Query"].startswith("/* minerva-search v1 ") for e in sent[:2])
    assert all(e["DataScannedInBytes"] > 0 for e in sent)
    # --stats counts the search's statements (the page fetch is the third).
    assert "2 statements" in proc.stderr, proc.stderr


def test_errors_are_clear(minerva_bin, athena, needle):
    env, _ = athena["setups"]["merged"]
    url = athena["url"]
    # Throttled calls are retried with backoff; the search succeeds.
    control(url, "/_standin/faults", {"throttle": 3})
    assert jsonl(search(minerva_bin, needle, env=env))
    # A failed statement fails the search with Athena's reason.
    control(url, "/_standin/faults", {"fail_next": "GENERIC_INTERNAL_ERROR: boom"})
    proc = search(minerva_bin, "root", env=env)
    assert proc.returncode == 2 and "GENERIC_INTERNAL_ERROR: boom" in proc.stderr, proc.stderr
    # The workgroup's bytes-scanned cutoff.
    control(url, "/_standin/faults", {"bytes_scanned_cutoff": 1})
    try:
        proc = search(minerva_bin, "root", env=env)
        assert proc.returncode == 2 and "bytes-scanned limit" in proc.stderr, proc.stderr
    finally:
        control(url, "/_standin/faults", {"bytes_scanned_cutoff": None})
    # A bad identifier never reaches Athena.
    proc = helpers.run_minerva(minerva_bin, ["search", "--athena-database", "x;drop", "root"],
                               env=env)
    assert proc.returncode == 2 and "invalid Athena database" in proc.stderr


def start_serve(minerva_bin, env, tmp_path) -> Server:
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    full_env = {**os.environ, **env, "MINERVA_LOG": "info"}
    full_env.pop("MINERVA_API_TOKEN", None)
    proc = subprocess.Popen([minerva_bin, "serve", "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=open(log, "w"), text=True,
                            env=full_env)
    srv = Server(proc, f"http://127.0.0.1:{port}", None, log)
    for _ in range(300):
        try:
            if srv.request("GET", "/healthz", timeout=1)[0] == 200:
                return srv
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"serve did not start:\n{log.read_text()}")


def test_paging_is_stateless_across_processes(minerva_bin, athena, tmp_path, full_datasets):
    env, _ = athena["setups"]["merged"]
    # Over 2,000 hits, and a phrase, in whichever datasets the tests read.
    common, phrase = ("root", '"failed password"') if full_datasets else (
        "microsoft", '"microsoft windows"')
    one, two = start_serve(minerva_bin, env, tmp_path), start_serve(minerva_bin, env, tmp_path)
    try:
        view = one.search(common)
        assert view["state"] == "succeeded" and view["engine"] == "athena", view
        assert view["total"] > 100, view
        sid = view["id"]
        # The second process has never seen this search.
        status, body = two.request("GET", f"/api/v1/search/{sid}")
        assert status == 200, body
        other = json.loads(body)
        assert (other["total"], other["tag_counts"]) == (view["total"], view["tag_counts"])
        pages = {}
        for srv in (one, two):
            status, body = srv.request("GET", f"/api/v1/search/{sid}/logs?offset=1995&limit=20")
            assert status == 200, body
            pages[srv.url] = json.loads(body)["hits"]
        assert pages[one.url] == pages[two.url] and pages[one.url]
        # Every hit once, in order, from the second process; equal to the CLI.
        hits = two.hits(sid)
        assert len(hits) == view["total"]
        assert len({(h["object_id"], h["seq"]) for h in hits}) == len(hits)
        cli = jsonl(search(minerva_bin, common, env=env))
        assert [(h["object_id"], h["seq"]) for h in hits] == \
            [(h["object_id"], h["seq"]) for h in cli]
        status, body = two.request("GET", f"/api/v1/search/{sid}/export")
        assert status == 200
        assert len(body.splitlines()) == view["total"]
        # Timeline buckets add up to the total; a tag's page total is its count.
        status, body = two.request("GET", f"/api/v1/search/{sid}/timeline?buckets=60")
        timeline = json.loads(body)
        assert sum(sum(b["counts"].values()) for b in timeline["buckets"]) == view["total"]
        tag, count = max(view["tag_counts"].items(), key=lambda kv: kv[1])
        status, body = one.request("GET", f"/api/v1/search/{sid}/logs?limit=5&tag={tag}")
        page = json.loads(body)
        assert page["total"] == count and all(h["tag"] == tag for h in page["hits"])
        # An unknown or malformed id is a 404; an expired result a 410.
        assert two.request("GET", "/api/v1/search/e.nope.nope")[0] == 404
        hits_execution = sid.split(".")[2]
        control(athena["url"], "/_standin/faults", {"expire": hits_execution})
        fresh = start_serve(minerva_bin, env, tmp_path)
        try:
            status, body = fresh.request("GET", f"/api/v1/search/{sid}/logs?offset=0&limit=5")
            assert status == 410, body
            assert json.loads(body)["error"]["code"] == "expired"
        finally:
            fresh.proc.terminate()
        # Phrases are checked by whichever process reads them.
        view = one.search(phrase)
        assert view["state"] == "succeeded" and view["total"] > 0
        other = None
        for _ in range(600):
            status, body = two.request("GET", f"/api/v1/search/{view['id']}")
            other = json.loads(body)
            if other["state"] != "running":
                break
            time.sleep(0.05)
        assert other["total"] == view["total"]
    finally:
        for srv in (one, two):
            srv.proc.terminate()
            srv.proc.wait(timeout=30)


def test_estimate_before_running(minerva_bin, athena, tmp_path):
    env, local = athena["setups"]["merged"]
    srv = start_serve(minerva_bin, env, tmp_path)
    try:
        status, body = srv.request("POST", "/api/v1/search/estimate",
                                   {"query": "root", "start": ALL_TIME[0], "end": ALL_TIME[1]})
        assert status == 200, body
        estimate = json.loads(body)
        stored = sum(p.stat().st_size for p in (local / "indices").rglob("*.parquet"))
        assert estimate["index_bytes"] == stored
        assert estimate["statements"] == 2
        # At least the 10 MB minimum of each statement (to float rounding).
        assert estimate["max_cost_usd"] >= 2 * 10_000_000 * 5 / 1e12 * (1 - 1e-9)
    finally:
        srv.proc.terminate()
