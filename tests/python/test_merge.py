"""`minerva merge`: every record is kept exactly once whatever stops a merge, two merges at once
lose nothing, searches never show a record twice while inputs and outputs both exist, and a
second run changes nothing.

A merge is stopped for real: MINERVA_MERGE_FAILPOINT=STEP makes the process exit (70) when it
reaches STEP. Records are counted with DuckDB over every Parquet file, independently of minerva.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import helpers

# Small parts and row groups, a small fan-in and no grace for orphans, so that a few MB of logs
# go through multi-part groups and several rounds.
FLAGS = ["--all", "--target-size", "60KB", "--max-fan-in", "4", "--orphan-grace-secs", "0",
         "--indices-row-group-rows", "4096", "--messages-row-group-rows", "512"]
FAILPOINTS = ["merge-start", "part-open:0", "part-written:0", "part-written:1", "sketch-written",
              "marker-written", "input-deleted:0", "input-deleted:2"]


@pytest.fixture(scope="module")
def generated(minerva_bin, tmp_path_factory):
    """A template index of generated logs (2 h, 15 objects) and the baseline answers."""
    root = tmp_path_factory.mktemp("merge")
    raw = root / "raw"
    proc = helpers.run_minerva(minerva_bin, ["generate", "--out", str(raw), "--size", "6MB",
                                             "--span", "2h", "--files-per-kind", "3"])
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((raw / "manifest.json").read_text())
    template = root / "template"
    helpers.index(minerva_bin, str(template), [str(raw)], extra=["--exclude", "**/manifest.json"])
    needles = [n["value"] for n in manifest["needles"]][:4]
    queries = needles + ["GetObject", "AKIANEEDLE*", "sshd AND root"]
    baseline = {q: search(minerva_bin, template, q) for q in queries}
    assert all(baseline[q] for q in queries), "every query should find something"
    return template, records(template), baseline


def search(minerva_bin, data: Path, query: str, limit: int = 100000) -> list:
    """Hits as (object_id, seq, message); `limit` 0 takes the export stream instead of pages."""
    proc = helpers.run_minerva(minerva_bin, ["search", "--output", "jsonl", "--limit", str(limit),
                                             "--data", str(data), "--", query])
    assert proc.returncode in (0, 1), proc.stderr
    hits = [(h["object_id"], h["seq"], h["message"]) for h in map(json.loads, proc.stdout.splitlines())]
    assert len(hits) == len(set(hits)), f"{query!r}: a record was returned twice"
    return sorted(hits)


def records(data: Path) -> tuple[Counter, Counter]:
    """How many times each record (messages) and each posting (indices) is stored."""
    con = helpers.connect()
    helpers.create_views(con, data)
    messages = Counter(con.execute("SELECT object_id, seq FROM messages").fetchall())
    postings = Counter(con.execute("SELECT term, field, object_id, seq FROM indices").fetchall())
    con.close()
    return messages, postings


def merge(minerva_bin, data: Path, failpoint: str | None = None, flags=FLAGS, report=None):
    env = {"MINERVA_MERGE_FAILPOINT": failpoint} if failpoint else None
    args = ["merge", "--data", str(data), *flags]
    if report is not None:
        args += ["--report-json", str(report)]
    return helpers.run_minerva(minerva_bin, args, env=env)


def copy_template(generated, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(generated[0], data)
    return data


def assert_exactly_once(generated, data: Path):
    messages, postings = records(data)
    want_messages, want_postings = generated[1]
    assert set(messages) == set(want_messages), "records lost or invented"
    assert set(postings) == set(want_postings), "postings lost or invented"
    assert max(messages.values()) == 1, "a record is stored twice"
    assert max(postings.values()) == 1, "a posting is stored twice"


def assert_searches_unchanged(minerva_bin, generated, data: Path):
    for query, expected in generated[2].items():
        assert search(minerva_bin, data, query) == expected, query


def assert_settled(minerva_bin, data: Path, tmp_path: Path):
    """A run right after a complete one changes nothing, and every merged file is committed
    and records its inputs."""
    listing = sorted(p.relative_to(data) for p in data.rglob("*") if p.is_file())
    report = tmp_path / "again.json"
    proc = merge(minerva_bin, data, report=report)
    assert proc.returncode == 0, proc.stderr
    parts = json.loads(report.read_text())["partitions"]
    assert sum(p["merges"] + p["deleted"] for p in parts) == 0, parts
    assert sorted(p.relative_to(data) for p in data.rglob("*") if p.is_file()) == listing
    for path in data.rglob("m-*.parquet"):
        group = path.name[2:34]
        assert (path.parent / f"_m-{group}.json").is_file(), f"{path} has no commit marker"
        meta = pq.ParquetFile(path).metadata.metadata
        assert meta[b"minerva.merge.group"].decode() == group
        assert json.loads(meta[b"minerva.merge.inputs"]), "a merged file records its inputs"


def test_a_merge_compacts_and_answers_like_the_small_files(minerva_bin, generated, tmp_path):
    data = copy_template(generated, tmp_path)
    before = len(list(data.rglob("*.parquet")))
    report = tmp_path / "report.json"
    proc = merge(minerva_bin, data, flags=["--all"], report=report)
    assert proc.returncode == 0, proc.stderr
    partitions = json.loads(report.read_text())["partitions"]
    assert all(p["files_after"] == 1 for p in partitions), partitions
    assert len(list(data.rglob("*.parquet"))) == len(partitions) < before
    assert_exactly_once(generated, data)
    assert_searches_unchanged(minerva_bin, generated, data)
    assert_settled(minerva_bin, data, tmp_path)


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_a_merge_stopped_at_any_step_is_completed_by_the_next_run(
        minerva_bin, generated, tmp_path, failpoint):
    data = copy_template(generated, tmp_path)
    stopped = merge(minerva_bin, data, failpoint)
    assert stopped.returncode == 70, f"the failpoint {failpoint} was not reached: {stopped.stderr}"
    # Inputs and outputs may both exist now: searches still show every record once.
    assert_searches_unchanged(minerva_bin, generated, data)
    proc = merge(minerva_bin, data)
    assert proc.returncode == 0, proc.stderr
    assert_exactly_once(generated, data)
    assert_searches_unchanged(minerva_bin, generated, data)
    assert_settled(minerva_bin, data, tmp_path)


@pytest.mark.parametrize("first", ["part-written:0", "marker-written"])
def test_a_rerun_stopped_while_cleaning_up_is_completed_too(minerva_bin, generated, tmp_path,
                                                            first):
    data = copy_template(generated, tmp_path)
    # The first stop leaves an orphan part, or inputs of a committed group: the rerun's first
    # step is to delete one of them, and it is stopped there.
    assert merge(minerva_bin, data, first).returncode == 70
    assert merge(minerva_bin, data, "cleanup-deleted:0").returncode == 70
    assert_searches_unchanged(minerva_bin, generated, data)
    assert merge(minerva_bin, data).returncode == 0
    assert_exactly_once(generated, data)
    assert_settled(minerva_bin, data, tmp_path)


def test_two_merges_at_once_lose_nothing(minerva_bin, generated, tmp_path):
    data = copy_template(generated, tmp_path)
    # Runs that may overlap keep the default orphan grace (a young part may be the other run's
    # work in progress); fan-in 3 for the second run gives it other batches.
    grace = FLAGS.index("--orphan-grace-secs")
    flags = FLAGS[:grace] + FLAGS[grace + 2:]
    other_flags = [f if f != "4" else "3" for f in flags]
    env = dict(__import__("os").environ)
    procs = [subprocess.Popen([minerva_bin, "merge", "--data", str(data), *run_flags], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for run_flags in (flags, other_flags)]
    # Search while both run, through pages and through the export stream (`--limit 0`): every
    # answer is complete and shows each record once.
    failures = []

    def keep_searching():
        while any(p.poll() is None for p in procs):
            for (query, expected), limit in zip(list(generated[2].items())[:3], (0, 100000, 0)):
                try:
                    assert search(minerva_bin, data, query, limit) == expected, (query, limit)
                except AssertionError as e:  # collected: asserting in a thread would be lost
                    failures.append(str(e))
    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    searcher.join()
    assert not failures, failures[:3]
    messages, postings = records(data)
    assert set(messages) == set(generated[1][0]), "records lost"
    assert set(postings) == set(generated[1][1]), "postings lost"
    # A later run cleans up whatever the race left; nothing is lost and searches agree.
    assert merge(minerva_bin, data).returncode == 0
    assert_searches_unchanged(minerva_bin, generated, data)
    messages, _ = records(data)
    assert set(messages) == set(generated[1][0])


def test_late_data_in_an_old_hour_is_merged_with_it(minerva_bin, generated, tmp_path):
    data = copy_template(generated, tmp_path)
    assert merge(minerva_bin, data, flags=["--all"]).returncode == 0
    hour = sorted((data / "messages").iterdir())[0]
    late = tmp_path / "late.log"
    day, hh = hour.name[3:13], hour.name[14:16]
    late.write_text(f'{{"time":"{day}T{hh}:30:00Z","user":"late-arrival-7","action":"login"}}\n')
    helpers.index(minerva_bin, str(data), [str(late)])
    assert len(list(hour.glob("*.parquet"))) == 2
    assert merge(minerva_bin, data, flags=["--all"]).returncode == 0
    assert len(list(hour.glob("*.parquet"))) == 1, "the late file joined the hour's merged file"
    hits = search(minerva_bin, data, "late-arrival-7")
    assert len(hits) == 1
    assert_searches_unchanged(minerva_bin, generated, data)
