"""`minerva serve --watch` restarted between appends: the ingest ledger (`_ledger/` next to the
index) lets the new process continue every file where the old one stopped, so no line is
indexed twice, line numbers continue, and a gzip file indexed before the restart is not
indexed again."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from serving import Server, free_port, wait_healthy


def start(minerva_bin: str, data: Path, watch: Path, log: Path) -> Server:
    port = free_port()
    env = dict(os.environ, MINERVA_LOG="info")
    env.pop("MINERVA_API_TOKEN", None)
    proc = subprocess.Popen(
        [minerva_bin, "serve", "--data", str(data), "--listen", f"127.0.0.1:{port}",
         "--watch", str(watch), "--watch-interval-ms", "200"],
        stdout=subprocess.DEVNULL, stderr=open(log, "a"), env=env)
    srv = Server(proc, f"http://127.0.0.1:{port}", watch, log)
    wait_healthy(srv)
    return srv


def stop(srv: Server) -> None:
    srv.proc.terminate()
    try:
        srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        srv.proc.wait()


def hits_of(srv: Server, query: str) -> list[dict]:
    view = srv.search(query)
    assert view["state"] == "succeeded", view
    return srv.hits(view["id"])


def wait_for(srv: Server, query: str, count: int, seconds: float = 20) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        hits = hits_of(srv, query)
        if len(hits) >= count or time.monotonic() > deadline:
            return hits
        time.sleep(0.1)


def line(needle: str) -> str:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps({"time": now, "event": needle}) + "\n"


def test_a_restarted_watch_indexes_nothing_twice(minerva_bin, tmp_path):
    data, watch, log = tmp_path / "data", tmp_path / "watch", tmp_path / "serve.log"
    watch.mkdir()
    app = watch / "app.log"
    app.write_text(line("restartneedle0") + line("restartneedle1"))
    with gzip.open(watch / "old.log.gz", "wt") as f:
        f.write(line("restartgz"))

    srv = start(minerva_bin, data, watch, log)
    try:
        assert len(wait_for(srv, "restartneedle*", 2)) == 2
        assert len(wait_for(srv, "restartgz", 1)) == 1
        with open(app, "a") as f:
            f.write(line("restartneedle2"))
        assert len(wait_for(srv, "restartneedle*", 3)) == 3
    finally:
        stop(srv)

    # Appended while no server runs, then a new process.
    with open(app, "a") as f:
        f.write(line("restartneedle3"))
    srv = start(minerva_bin, data, watch, log)
    try:
        hits = wait_for(srv, "restartneedle*", 4)
        # Give the follower a few more scans to (wrongly) index something again.
        time.sleep(1.5)
        hits = hits_of(srv, "restartneedle*")
        needles = sorted(json.loads(h["message"])["event"] for h in hits)
        assert needles == [f"restartneedle{i}" for i in range(4)], needles
        assert sorted(h["seq"] for h in hits) == [0, 1, 2, 3]
        assert len(hits_of(srv, "restartgz")) == 1, "the gzip file was indexed again"
        # And it still follows the file after the restart.
        with open(app, "a") as f:
            f.write(line("restartneedle4"))
        assert len(wait_for(srv, "restartneedle4", 1)) == 1
        assert len(hits_of(srv, "restartneedle*")) == 5
    finally:
        stop(srv)
    ledger = list((data / "_ledger").glob("*.json"))
    assert len(ledger) == 2, ledger  # one entry per watched file
    entry = next(json.loads(p.read_text()) for p in ledger
                 if json.loads(p.read_text())["source"].endswith("app.log"))
    assert entry["tail"]["lines"] == 5
    assert entry["tail"]["consumed"] == app.stat().st_size
    if "panicked" in log.read_text():
        pytest.fail(log.read_text())
