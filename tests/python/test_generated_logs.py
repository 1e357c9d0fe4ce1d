"""What a new user meets first: generated logs indexed and searched over the generated range.

`minerva generate --start 2024-01-01…` writes sshd syslog lines with no year; each file's
modification time is its last record's, so the indexer gives them the right year. A date in the
path wins over the file time (a copy made today of 2024's logs). Tags name the log type, not
each file (`sshd`, `aws.cloudtrail`), whatever the file's sequence number.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from helpers import run_minerva

START, END = "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"


@pytest.fixture(scope="module")
def generated(minerva_bin, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "logs"
    proc = run_minerva(minerva_bin, ["generate", "--out", str(out), "--size", "1MB",
                                     "--span", "24h", "--start", START,
                                     "--kinds", "sshd,cloudtrail", "--files-per-kind", "2"])
    assert proc.returncode == 0, proc.stderr
    return out


def search(minerva_bin, data: Path, query: str) -> list[dict]:
    proc = run_minerva(minerva_bin, ["search", "--data", str(data), "--from", START, "--to", END,
                                     "--output", "jsonl", "--limit", "0", "--", query])
    assert proc.returncode in (0, 1), proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def sshd_needles(logs: Path) -> list[tuple[str, dict]]:
    manifest = json.loads((logs / "manifest.json").read_text())
    return [(n["value"], o) for n in manifest["needles"] if n["twin_of"] is None
            for o in n["occurrences"] if o["file"].startswith("sshd/")]


def test_generated_files_are_dated_by_their_last_record(generated):
    manifest = json.loads((generated / "manifest.json").read_text())
    for entry in manifest["files"]:
        mtime = (generated / entry["path"]).stat().st_mtime
        last = time.mktime(time.strptime(entry["last_time"][:19], "%Y-%m-%dT%H:%M:%S")) \
            - time.timezone
        assert last < mtime <= last + 2, entry


def test_yearless_syslog_lines_are_found_in_the_generated_range(minerva_bin, generated,
                                                                  tmp_path):
    data = tmp_path / "data"
    proc = run_minerva(minerva_bin, ["index", "--quiet", "--data", str(data),
                                     str(generated / "sshd"), str(generated / "cloudtrail")])
    assert proc.returncode == 0, proc.stderr
    needles = sshd_needles(generated)
    assert needles, "the generator plants needles in sshd files"
    for value, occurrence in needles:
        hits = search(minerva_bin, data, value)
        sshd = [h for h in hits if h["source"].endswith(occurrence["file"])
                and h["seq"] == occurrence["line"]]
        assert len(sshd) == 1, (value, occurrence, hits)
        assert sshd[0]["timestamp"] == occurrence["time"], (sshd[0], occurrence)
        assert sshd[0]["tag"] == "sshd"
    tags = {h["tag"] for h in search(minerva_bin, data, needles[0][0])}
    assert "sshd" in tags and not any(t.startswith("sshd-") for t in tags), tags
    assert "aws.cloudtrail" in {h["tag"] for h in search(minerva_bin, data, "GetCallerIdentity")}


def test_a_date_in_the_path_gives_the_year_before_the_file_time(minerva_bin, generated,
                                                                 tmp_path):
    # Today's copy of 2024's logs: the file time says this year, the path says 2024-01-01.
    dated = tmp_path / "archive" / "2024" / "01" / "01"
    dated.mkdir(parents=True)
    copy = dated / "sshd-0000.log"
    shutil.copyfile(generated / "sshd" / "sshd-0000.log", copy)
    now = time.time()
    os.utime(copy, (now, now))
    data = tmp_path / "data"
    proc = run_minerva(minerva_bin, ["index", "--quiet", "--data", str(data), str(copy)])
    assert proc.returncode == 0, proc.stderr
    value, occurrence = next((v, o) for v, o in sshd_needles(generated)
                             if o["file"] == "sshd/sshd-0000.log")
    hits = search(minerva_bin, data, value)
    assert [h["timestamp"] for h in hits if h["seq"] == occurrence["line"]] \
        == [occurrence["time"]], hits
