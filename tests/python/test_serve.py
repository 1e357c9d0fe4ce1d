"""`minerva serve` end to end: the REST API against the CLI, the OpenAPI contract
(schemathesis), the web UI in real Chromium (tests/e2e), --watch freshness and a bounded load
test. Figures (freshness, load p50/p99, peak RSS) are printed; run pytest with -s to see them.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

import pytest

import helpers
from serving import ALL_TIME, Server, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]

# Every line holds `xssneedle`; a UI that runs any of them sets window.__xss.
XSS_LINES = [
    "<script>window.__xss=1</script> xssneedle",
    '<img src=x onerror="window.__xss=1"> xssneedle',
    '<a href="javascript:window.__xss=1">click</a> xssneedle',
    "</textarea><script>window.__xss=1</script> xssneedle",
    "{{constructor.constructor('window.__xss=1')()}} xssneedle",
    "${window.__xss=1} xssneedle",
    json.dumps({"user": "<svg onload=window.__xss=1>", "note": "xssneedle",
                "link": "javascript:window.__xss=1"}),
]


@pytest.fixture(scope="module")
def server(minerva_bin, datasets_index, tmp_path_factory):
    """`minerva serve` over a copy of the shared-datasets index plus an XSS corpus, watching
    an empty folder."""
    root = tmp_path_factory.mktemp("serve")
    data = root / "data"
    shutil.copytree(datasets_index.data, data)
    xss = root / "xss"
    xss.mkdir()
    (xss / "xss.log").write_text("\n".join(XSS_LINES) + "\n")
    helpers.index(minerva_bin, str(data), [str(xss)])
    watch = root / "watch"
    watch.mkdir()
    port = free_port()
    log = root / "serve.log"
    env = dict(os.environ, MINERVA_LOG="info")
    env.pop("MINERVA_API_TOKEN", None)
    proc = subprocess.Popen(
        [minerva_bin, "serve", "--data", str(data), "--listen", f"127.0.0.1:{port}",
         "--watch", str(watch), "--watch-interval-ms", "250"],
        stdout=subprocess.PIPE, stderr=open(log, "w"), text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    srv = Server(proc, url, watch, log)
    wait_healthy(srv)
    yield srv
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    assert "test-token" not in log.read_text()


def test_serve_refuses_a_public_address_without_a_token(minerva_bin, tmp_path):
    proc = helpers.run_minerva(minerva_bin, ["serve", "--data", str(tmp_path),
                                             "--listen", "0.0.0.0:0"],
                               env={"MINERVA_API_TOKEN": ""}, timeout=30)
    assert proc.returncode == 2
    assert "without a token" in proc.stderr


@pytest.mark.parametrize("query", ["10.0.0.1", "userIdentity.userName=root", "sshd -root",
                                   '"failed password"'])
def test_api_hits_equal_the_cli(server, minerva_bin, query):
    view = server.search(query)
    assert view["state"] == "succeeded", view
    api = [(h["object_id"], h["seq"], h["timestamp"], h["tag"], h["message"])
           for h in server.hits(view["id"])]
    assert len(api) == view["total"] == sum(view["tag_counts"].values())
    proc = helpers.run_minerva(minerva_bin, ["search", "--data", str(server_data(server)),
                                             "--from", ALL_TIME[0], "--to", ALL_TIME[1],
                                             "--limit", "100000", "--output", "jsonl", query])
    assert proc.returncode in (0, 1), proc.stderr
    cli = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(h[0], h[1]) for h in api] == [(c["object_id"], c["seq"]) for c in cli]
    assert [h[4] for h in api] == [c["message"] for c in cli]
    assert view["bytes_scanned"] > 0 and view["cost_usd"] > 0


def server_data(server: Server) -> Path:
    return server.watch.parent / "data"


def test_xss_corpus_is_returned_verbatim(server):
    view = server.search("xssneedle")
    assert view["total"] == len(XSS_LINES)
    messages = sorted(h["message"] for h in server.hits(view["id"]))
    assert messages == sorted(XSS_LINES)


def test_openapi_contract_holds(server):
    """schemathesis generates requests from /api/v1/openapi.json and checks every response
    against it (status codes, content types, schemas, no 5xx, auth, deleted resources).

    `positive_data_acceptance` is left out: a schema-valid request can still be invalid by
    rules OpenAPI cannot state (end after start, the query grammar), and those get a 400."""
    schemathesis = shutil.which("schemathesis", path=str(Path(os.sys.executable).parent))
    assert schemathesis, "schemathesis is not installed (tests/python/requirements.txt)"
    proc = subprocess.run(
        [schemathesis, "run", f"{server.url}/api/v1/openapi.json", "--url",
         f"{server.url}/api/v1", "--checks", "all",
         "--exclude-checks", "positive_data_acceptance", "--max-examples", "25",
         "--suppress-health-check", "all", "--no-color"],
        capture_output=True, text=True, timeout=900)
    print(proc.stdout[-3000:])
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]


def test_watched_files_are_searchable_within_seconds(server):
    """Lines appended to a watched file are found by a search in ≤ 5 s (measured)."""
    path = server.watch / "fresh.log"
    latencies = []
    for i in range(3):
        needle = f"freshneedle{i}x{int(time.time())}"
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} app: event {needle}\n"
        started = time.monotonic()
        with open(path, "a") as f:
            f.write(line)
        while True:
            view = server.search(needle)
            if view["total"] == 1:
                break
            assert time.monotonic() - started < 5.0, f"{needle} not searchable after 5 s"
            time.sleep(0.05)
        latencies.append(time.monotonic() - started)
    print(f"\nfreshness: appended line searchable after {', '.join(f'{x:.2f}' for x in latencies)} s")
    # Every line once, with line numbers continuing across appends.
    view = server.search("freshneedle0x* OR freshneedle1x* OR freshneedle2x*")
    hits = server.hits(view["id"])
    assert sorted(h["seq"] for h in hits) == [0, 1, 2]


def test_100_concurrent_searches(server, minerva_bin):
    """A bounded load test: 100 searches at once on loopback; no errors, memory bounded.

    Over the index as the merger leaves it (merged while the server runs), which is what a
    deployment searches most of the time; on the 6,000 small files of the copy, the same load
    took ~700 s of the test run in a debug build."""
    data = server.watch.parent / "data"
    merged = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", str(data)])
    assert merged.returncode == 0, merged.stderr
    queries = ["10.0.0.1", "sshd", "root", "error", "173.234.31.186", "ConsoleLogin",
               "userIdentity.userName=root", '"failed password"', "session opened", "kernel"]
    results, errors = [], []

    def one(i: int):
        started = time.monotonic()
        try:
            view = server.search(queries[i % len(queries)], timeout=900)
            if view["state"] != "succeeded":
                errors.append(view)
            status, body = server.request("GET", f"/api/v1/search/{view['id']}/logs?limit=50")
            if status != 200:
                errors.append(body)
            results.append(time.monotonic() - started)
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=1200)
    wall = time.monotonic() - started
    assert not errors, errors[:5]
    assert len(results) == 100
    results.sort()
    p50, p99 = statistics.median(results), results[98]
    rss_mib = server.peak_rss_kib() / 1024
    print(f"\nload: 100 concurrent searches in {wall:.1f} s; p50 {p50:.2f} s, p99 {p99:.2f} s; "
          f"serve peak RSS {rss_mib:.0f} MiB")
    assert rss_mib < 2048, f"serve peak RSS {rss_mib:.0f} MiB"


# The UI test's queries (tests/e2e/ui.test.mjs) for the in-repository datasets; its defaults
# are chosen for the full shared set.
IN_REPO_UI_QUERIES = {
    "MINERVA_E2E_QUERY": "10.128.0.221",        # Suricata alerts
    "MINERVA_E2E_MANY_QUERY": "microsoft",      # Windows event logs, one tag per ATT&CK tactic
    "MINERVA_E2E_JSON_QUERY": "54.235.163.229",
    "MINERVA_E2E_JSON_FIELD": "alert.signature_id",
}


def test_web_ui_in_chromium(server, full_datasets):
    """tests/e2e/ui.test.mjs in real Chromium: search, timeline zoom, tag filter, paging,
    JSON detail and click-to-filter, XSS corpus inert, state in the URL."""
    e2e = ROOT / "tests" / "e2e"
    assert (e2e / "node_modules" / "playwright-core").is_dir(), \
        "run `npm install` in tests/e2e (scripts/test.sh does)"
    shots = ROOT / "test-artifacts" / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    env = dict(os.environ, MINERVA_URL=server.url, MINERVA_SCREENSHOTS=str(shots))
    if not full_datasets:
        env.update(IN_REPO_UI_QUERIES)
    proc = subprocess.run(["node", "--test", "ui.test.mjs"], cwd=e2e, capture_output=True,
                          text=True, env=env, timeout=900)
    print(proc.stdout[-4000:])
    assert proc.returncode == 0, proc.stdout[-10000:] + proc.stderr[-3000:]
    pngs = sorted(shots.glob("*.png"))
    assert len(pngs) >= 5, pngs
    print("screenshots:\n" + "\n".join(f"  {p}" for p in pngs))
