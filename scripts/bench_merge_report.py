#!/usr/bin/env python3
"""Part 1 of scripts/bench-merge.sh: measures an indexed folder, merges it, measures again.

Usage: bench_merge_report.py MINERVA_BIN RAW_DIR DATA_DIR OUT_DIR
"""
import json
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

binary, raw, data, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
NEEDLES = ["172.31.255.77", "zq-needle-user", "tani@cookpad.com", "AKIANEEDLE0000000001",
           "/needle/secret-path"]
raw_bytes = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file() and p.name != "manifest.json")


def layout():
    files = Counter()
    table_bytes = Counter()
    for p in data.rglob("*.parquet"):
        files[(p.parent.parent.name, p.parent.name)] += 1
        table_bytes[p.parent.parent.name] += p.stat().st_size
    per_table = {}
    for table in ("indices", "messages"):
        counts = [n for (t, _), n in files.items() if t == table]
        per_table[table] = (len(counts), statistics.median(counts), max(counts), table_bytes[table])
    return sum(table_bytes.values()), per_table


def search(query):
    proc = subprocess.run([binary, "search", "--data", str(data), "--stats", "--limit", "100000",
                           "--output", "jsonl", "--", query], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    stats = proc.stderr.strip().splitlines()[-1]
    hits = sorted((json.loads(line)["object_id"], json.loads(line)["seq"])
                  for line in proc.stdout.splitlines())
    read = int(stats.split(" read ")[1].split(" bytes")[0])
    return hits, read, stats


def measure(label):
    stored, per_table = layout()
    print(f"{label}: stored {stored/1e6:.1f} MB = {stored/raw_bytes:.3f} of raw {raw_bytes/1e6:.0f} MB")
    for table, (parts, median, most, size) in per_table.items():
        print(f"  {table}: {size/1e6:.1f} MB = {size/raw_bytes:.3f} of raw, {parts} partitions, "
              f"files per partition median {median:g}, max {most}")
    results = {}
    for needle in NEEDLES:
        hits, read, stats = search(needle)
        results[needle] = (hits, read)
        print(f"  needle {needle!r}: {len(hits)} hits, read {read/1e6:.2f} MB = {read/stored:.3%} of stored")
        print(f"    {stats}")
    return stored, results


stored_before, before = measure("before merge")
subprocess.run([sys.executable, "scripts/peak_rss.py", str(out / "merge.rss.json"), "--",
                binary, "merge", "--data", str(data), "--all", "--report-json",
                str(out / "merge.report.json")], check=True)
rss = json.loads((out / "merge.rss.json").read_text())
print(f"merge: {rss['seconds']:.1f} s, peak RSS {rss['peak_rss_mib']:.0f} MiB")
stored_after, after = measure("after merge")
for needle in NEEDLES:
    assert before[needle][0] == after[needle][0], f"{needle}: merged data answers differently"
print("every needle search returns the same records before and after")
second = subprocess.run([binary, "merge", "--data", str(data), "--all"], capture_output=True,
                        text=True, check=True)
print(f"second merge: {second.stdout.strip()}")
print("| needle | hits | bytes read before | share | after | share |")
print("|---|---:|---:|---:|---:|---:|")
for needle in NEEDLES:
    (hits, b), (_, a) = before[needle], after[needle]
    print(f"| `{needle}` | {len(hits)} | {b/1e6:.2f} MB | {b/stored_before:.2%} | {a/1e6:.2f} MB | "
          f"{a/stored_after:.2%} |")
