"""Hour sketches: after `minerva merge`, a needle search over a week reads only the hours that
may hold it (`--stats` says "N of 168 hours"), and finds exactly what the same search finds on
the small files, which have no sketches and read every hour. Late data in a merged hour is
found before the next merge. Sketch files are invisible to Parquet readers.

The hours a needle really occurs in are computed from the hits of the unsketched search, never
from minerva's own pruning.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import helpers

START = "2024-03-04T00:00:00Z"
END = "2024-03-11T00:00:00Z"  # 7 days: 168 hours
HOURS_IN_RANGE = 168
# A sketch answers "maybe" for about 0.1 % of absent keys (some keys fare worse: every hour holds
# the same common terms); a needle's few hours plus this many.
FALSE_POSITIVE_HOURS = 4


@pytest.fixture(scope="module")
def week(minerva_bin, tmp_path_factory):
    """Generated logs over 7 days, indexed (small files) and a merged copy."""
    root = tmp_path_factory.mktemp("sketch")
    raw = root / "raw"
    proc = helpers.run_minerva(minerva_bin, [
        "generate", "--out", str(raw), "--size", "12MB", "--span", "7d", "--start", START,
        "--files-per-kind", "2"])
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((raw / "manifest.json").read_text())
    small = root / "small"
    helpers.index(minerva_bin, str(small), [str(raw)], extra=["--exclude", "**/manifest.json"])
    merged = root / "merged"
    shutil.copytree(small, merged)
    proc = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", str(merged)])
    assert proc.returncode == 0, proc.stderr
    needles = [n["value"] for n in manifest["needles"]]
    return small, merged, needles


def search(minerva_bin, data: Path, query: str, start=START, end=END):
    """Hits (object_id, seq, hour) and the hours read / in range from --stats."""
    proc = helpers.run_minerva(minerva_bin, [
        "search", "--output", "jsonl", "--limit", "0", "--stats", "--from", start, "--to", end,
        "--data", str(data), "--", query])
    assert proc.returncode in (0, 1), proc.stderr
    hits = sorted((h["object_id"], h["seq"], h["timestamp"][:13])
                  for h in map(json.loads, proc.stdout.splitlines()))
    stats = proc.stderr.strip().splitlines()[-1]
    found = re.search(r"(\d+) of (\d+) hours", stats)
    assert found, stats
    return hits, int(found.group(1)), int(found.group(2))


def test_needles_read_only_the_hours_that_hold_them(minerva_bin, week):
    small, merged, needles = week
    assert len(needles) >= 8
    # An IPv4 needle and its near-twins, an IPv6 one, and more (each search of the small files
    # reads all 168 hours, which is what makes this test slow).
    for needle in needles[:8]:
        expected, read_small, in_range = search(minerva_bin, small, needle)
        assert (read_small, in_range) == (HOURS_IN_RANGE, HOURS_IN_RANGE), needle
        got, read, in_range = search(minerva_bin, merged, needle)
        assert got == expected, f"{needle!r}: the sketches lost or invented hits"
        holding = {hour for _, _, hour in expected}
        assert len(holding) <= read <= len(holding) + FALSE_POSITIVE_HOURS, (
            f"{needle!r}: {read} hours read, {len(holding)} hold it")
        assert in_range == HOURS_IN_RANGE


def test_an_absent_term_reads_no_hour(minerva_bin, week):
    _, merged, _ = week
    for query in ["zz-no-such-term-41", "user=zz-no-such-user-7 OR zz-absent-9"]:
        hits, read, _ = search(minerva_bin, merged, query)
        assert hits == []
        assert read <= FALSE_POSITIVE_HOURS, f"{query!r}: {read} hours read"


def test_common_terms_prefixes_and_cidr_answer_as_before(minerva_bin, week):
    small, merged, needles = week
    # `sshd` is in every hour: the sketches' sample of hours rules none out, so the whole
    # range is read. (`GetObject`, as common, took ~70 s per search of the small files in a
    # debug build: its few hundred hits are scattered over every hour's CloudTrail objects.)
    for query in ["sshd", "sshd AND root", "AKIANEEDLE*", "10.0.0.0/8", f"{needles[0]} OR sshd"]:
        expected, _, _ = search(minerva_bin, small, query)
        got, read, _ = search(minerva_bin, merged, query)
        assert got == expected, query
        assert expected, f"{query!r} should find something"
        assert read >= len({hour for _, _, hour in expected}), query
        if query == "sshd":
            assert read == HOURS_IN_RANGE == len({hour for _, _, hour in expected})


def test_late_data_in_a_merged_hour_is_found_before_the_next_merge(minerva_bin, week, tmp_path):
    _, merged, _ = week
    data = tmp_path / "data"
    shutil.copytree(merged, data)
    late = tmp_path / "late.log"
    late.write_text('{"time":"2024-03-06T05:30:00Z","user":"late-arrival-9","action":"login"}\n')
    hits, before, _ = search(minerva_bin, data, "late-arrival-9")
    assert hits == [] and before <= FALSE_POSITIVE_HOURS
    helpers.index(minerva_bin, str(data), [str(late)])
    hits, read, _ = search(minerva_bin, data, "late-arrival-9")
    assert [hour for _, _, hour in hits] == ["2024-03-06T05"]
    assert 1 <= read <= before + 1, "the hour with an unmerged file is read"
    proc = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", str(data)])
    assert proc.returncode == 0, proc.stderr
    again, read, _ = search(minerva_bin, data, "late-arrival-9")
    assert again == hits and 1 <= read <= before + 1


def test_sketches_sit_beside_merged_indices_and_parquet_readers_skip_them(minerva_bin, week):
    small, merged, _ = week
    sketches = sorted(merged.rglob("_s-*.sbbf1"))
    parts = sorted(merged.glob("indices/*/m-*.parquet"))
    assert sketches and parts
    assert all(s.parent.parent.name == "indices" for s in sketches), "only indices are sketched"
    assert {p.name[2:34] for p in parts} <= {s.name[3:35] for s in sketches}, (
        "every merged indices group has its sketch")
    assert all(s.stat().st_size % 32 == 0 for s in sketches)
    # Sized by the keys they hold: 16 bits per distinct term and field/term pair, raised by the
    # fold to keep the density (measured: 2.44 bytes per key), not by anything else.
    con = helpers.connect()
    for sketch in sketches:
        group_parts = f"{sketch.parent}/m-{sketch.name[3:35]}-*.parquet"
        keys = con.execute("SELECT count(DISTINCT term) + count(DISTINCT (field, term)) "
                           f"FROM read_parquet('{group_parts}')").fetchone()[0]
        assert 2 * keys <= sketch.stat().st_size <= 3 * keys + 64, (sketch, keys)
    con.close()
    # DuckDB over the folder (hive partitions, every *.parquet) sees the same postings.
    counts = []
    for data in (small, merged):
        con = helpers.connect()
        helpers.create_views(con, data)
        counts.append(con.execute("SELECT count(*) FROM indices").fetchone()[0])
        con.close()
    assert counts[0] == counts[1] > 0
