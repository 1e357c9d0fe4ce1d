"""A `minerva serve` process driven over HTTP by the end-to-end tests."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ALL_TIME = ("1970-01-01T00:00:00Z", "2060-01-01T00:00:00Z")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, url: str, watch: Path, log: Path):
        self.proc, self.url, self.watch, self.log = proc, url, watch, log

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                return resp.status, raw
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def search(self, query: str, start: str = ALL_TIME[0], end: str = ALL_TIME[1],
               timeout: float = 120) -> dict:
        status, body = self.request("POST", "/api/v1/search",
                                    {"query": query, "start": start, "end": end})
        assert status == 201, body
        search_id = json.loads(body)["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.request("GET", f"/api/v1/search/{search_id}")
            assert status == 200, body
            view = json.loads(body)
            if view["state"] not in ("queued", "running"):
                return view
            time.sleep(0.02)
        raise AssertionError(f"search {query!r} did not finish in {timeout} s")

    def hits(self, search_id: str) -> list[dict]:
        out, offset = [], 0
        while True:
            status, body = self.request(
                "GET", f"/api/v1/search/{search_id}/logs?offset={offset}&limit=1000")
            assert status == 200, body
            page = json.loads(body)
            out += page["hits"]
            offset += len(page["hits"])
            if not page["hits"] or offset >= page["total"]:
                return out

    def peak_rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0


def wait_healthy(srv: Server, seconds: float = 30) -> None:
    """Waits for /healthz; fails the test with the server's log if it does not come up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if srv.request("GET", "/healthz", timeout=1)[0] == 200:
                return
        except OSError:
            pass
        if srv.proc.poll() is not None:
            break
        time.sleep(0.1)
    srv.proc.kill()
    pytest.fail(f"serve did not start:\n{srv.log.read_text()}")
