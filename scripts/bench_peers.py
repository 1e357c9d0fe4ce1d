#!/usr/bin/env python3
"""Side-by-side benchmark of minerva, tantivy, ClickHouse (chDB) and `rg -w -F` on the same logs.

Driven by scripts/bench-peers.sh, which creates the virtualenv this runs in. Usage:

    bench_peers.py main --bin MINERVA --raw DIR --work DIR --runs N --rg RG
    bench_peers.py tantivy-ingest RAW INDEX_DIR RESULT.json      (one measured child process)
    bench_peers.py tantivy-search INDEX_DIR QUERIES.json RUNS RESULT.json
    bench_peers.py chdb-ingest RAW DB_DIR RESULT.json
    bench_peers.py chdb-merge DB_DIR RESULT.json
    bench_peers.py chdb-search DB_DIR QUERIES.json RUNS RESULT.json

Each engine ingests in a process of its own; its peak RSS and CPU time come from wait4() on
that process. Hit counts are checked against a reference count by minerva's word rule
(tests/python/reference/tokenizer.py: a record matches when its tokens contain the query's
tokens adjacent and in order, case-insensitively), so `10.1.2.3` never matches `110.1.2.3`.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The reference tokenizer of the tests (written from the spec, standard library only).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "python"))
from reference import tokenizer as reference_tokenizer  # noqa: E402

TANTIVY_HEAP = 256_000_000


# ---------------------------------------------------------------------------------------------
# Input files and sizes


def raw_files(raw: Path) -> list[Path]:
    """The generated log files: every regular file but the manifest and hidden files."""
    return sorted(p for p in raw.rglob("*") if p.is_file() and p.name != "manifest.json"
                  and not any(part.startswith(".") for part in p.relative_to(raw).parts))


def tree_bytes(path: Path) -> int:
    """Bytes of every regular file under `path` (apparent sizes)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def lines_of(path: Path):
    """Lines of a file as text, without the line break (gzip is not expected: generate writes
    plain files unless --gzip)."""
    with open(path, "rb") as f:
        for raw in f:
            yield raw.rstrip(b"\r\n").decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# Reference: the tests' independent implementation of minerva's token rules


def _contains_run(tokens: list[str], needle: list[str]) -> bool:
    n = len(needle)
    first = needle[0]
    for i, t in enumerate(tokens):
        if t == first and tokens[i:i + n] == needle:
            return True
    return False


def reference_counts(files: list[Path], queries: list[str]) -> list[int]:
    """Records (non-blank lines) that contain each query's tokens adjacent and in order."""
    wanted = [reference_tokenizer.query_tokens(q) for q in queries]
    counts = [0] * len(queries)
    for path in files:
        for line in lines_of(path):
            lower = line.lower()
            tokens = None
            for i, toks in enumerate(wanted):
                if toks and all(t in lower for t in toks):
                    tokens = tokens if tokens is not None else reference_tokenizer.tokens(line)
                    counts[i] += _contains_run(tokens, toks)
    return counts


def manifest_counts(manifest: dict, value: str) -> int | None:
    for needle in manifest.get("needles", []):
        if needle["value"] == value:
            return len({(o["file"], o["line"]) for o in needle["occurrences"]})
    return None


# ---------------------------------------------------------------------------------------------
# Measured child processes


def measured(cmd: list[str], **kw) -> dict:
    """Runs `cmd`, returns wall seconds, user+sys CPU seconds and peak RSS (MiB) of that child."""
    kw.setdefault("stdout", sys.stderr.fileno())  # stdout carries only the table
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"bench-peers: {' '.join(map(str, cmd[:3]))} … failed (exit {proc.returncode})")
    return {"seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mib": usage.ru_maxrss / 1024}


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child_python(*args) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *map(str, args)]


def version_of(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def p50(times: list[float]) -> float:
    return statistics.median(times)


# ---------------------------------------------------------------------------------------------
# tantivy


def tantivy_ingest(raw: str, index_dir: str, result: str) -> None:
    import tantivy

    files = raw_files(Path(raw))
    Path(index_dir).mkdir(parents=True, exist_ok=False)
    t0, c0 = time.perf_counter(), self_cpu()
    builder = tantivy.SchemaBuilder()
    # The default tokenizer (split on non-alphanumerics, lowercase, drop tokens over 40 bytes),
    # positions for phrase queries, and the line stored so that hits can be shown.
    builder.add_text_field("line", stored=True, tokenizer_name="default", index_option="position")
    index = tantivy.Index(builder.build(), path=index_dir)
    writer = index.writer(heap_size=TANTIVY_HEAP, num_threads=os.cpu_count() or 1)
    docs = 0
    for path in files:
        for line in lines_of(path):
            if line.strip():
                writer.add_document(tantivy.Document(line=line))
                docs += 1
    writer.commit()
    writer.wait_merging_threads()
    Path(result).write_text(json.dumps({"seconds": time.perf_counter() - t0,
                                        "cpu_seconds": self_cpu() - c0, "docs": docs}))


def tantivy_query_text(query: str) -> str:
    return '"' + query.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tantivy_search(index_dir: str, queries: str, runs: str, result: str) -> None:
    import tantivy

    index = tantivy.Index.open(index_dir)
    index.reload()
    searcher = index.searcher()
    out = []
    for query in json.loads(Path(queries).read_text()):
        times, count = [], None
        for _ in range(int(runs)):
            t = time.perf_counter()
            parsed = index.parse_query(tantivy_query_text(query), ["line"])  # a phrase query
            count = searcher.search(parsed, limit=1, count=True).count
            times.append(time.perf_counter() - t)
        out.append({"p50": p50(times), "hits": count})
    Path(result).write_text(json.dumps({"queries": out, "segments": searcher.num_segments}))


# ---------------------------------------------------------------------------------------------
# ClickHouse (chDB)

CHDB_INDEXES = {
    # ClickHouse's inverted text index (GA in 26.2): a dictionary and posting lists per part.
    "text": "INDEX tx line TYPE text(tokenizer = 'splitByNonAlpha', preprocessor = lower(line))",
    # The older token bloom filter skip index, on the lowercased line.
    "tokenbf": "INDEX tx lower(line) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1",
}


def sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def chdb_ingest(raw: str, db_dir: str, result: str) -> None:
    from chdb import session

    files = raw_files(Path(raw))
    if any(c in str(p) for p in files for c in ",{}*?'"):
        sys.exit("bench-peers: file names with , { } * ? ' are not supported for chDB's file()")
    t0, c0 = time.perf_counter(), self_cpu()
    sess = session.Session(db_dir)
    wanted = os.environ.get("BENCH_CHDB_INDEX", "text")
    kinds = [wanted] + [k for k in CHDB_INDEXES if k != wanted]
    kind, errors = None, []
    for k in kinds:
        try:
            # Parts replaced by a merge are deleted within seconds (not 8 minutes), so that
            # the size after OPTIMIZE is what stays on disk.
            sess.query("CREATE TABLE logs (line String, " + CHDB_INDEXES[k] +
                       ") ENGINE = MergeTree ORDER BY tuple() SETTINGS old_parts_lifetime = 1, "
                       "cleanup_delay_period = 1, cleanup_delay_period_random_add = 0")
            kind = k
            break
        except Exception as e:  # an older chDB without the text index: use the token bloom
            errors.append(f"{k}: {str(e).splitlines()[0][:200]}")
    if kind is None:
        sys.exit("bench-peers: chDB refused every index type: " + "; ".join(errors))
    if kind != wanted:
        print(f"bench-peers: chDB: {errors[0]}; using {kind}", file=sys.stderr)
    glob = f"{raw}/{{{','.join(str(p.relative_to(raw)) for p in files)}}}"
    sess.query(f"INSERT INTO logs SELECT line FROM file({sql_string(glob)}, 'LineAsString') "
               "WHERE notEmpty(trimBoth(line))")
    rows = int(sess.query("SELECT count() FROM logs", "CSV").bytes().decode().strip())
    parts = int(sess.query("SELECT count() FROM system.parts WHERE table = 'logs' AND active",
                           "CSV").bytes().decode().strip())
    seconds, cpu = time.perf_counter() - t0, self_cpu() - c0
    version = sess.query("SELECT version()", "CSV").bytes().decode().strip().strip('"')
    # Parts already replaced by a background merge but not yet deleted do not count.
    leftover = sess.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE table = 'logs' "
                          "AND NOT active", "CSV").bytes().decode().strip()
    sess.close()
    Path(result).write_text(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "rows": rows,
                                        "parts": parts, "index": kind, "version": version,
                                        "inactive_bytes": int(leftover or 0)}))


def chdb_merge(db_dir: str, result: str) -> None:
    from chdb import session

    t0, c0 = time.perf_counter(), self_cpu()
    sess = session.Session(db_dir)
    sess.query("OPTIMIZE TABLE logs FINAL")
    seconds, cpu = time.perf_counter() - t0, self_cpu() - c0

    def scalar(sql: str) -> int:
        return int(sess.query(sql, "CSV").bytes().decode().strip() or 0)

    parts = scalar("SELECT count() FROM system.parts WHERE table = 'logs' AND active")
    # Wait (not timed) for the replaced parts to be deleted; past 60 s, count them out.
    deadline = time.monotonic() + 60
    while scalar("SELECT count() FROM system.parts WHERE table = 'logs' AND NOT active") and \
            time.monotonic() < deadline:
        time.sleep(0.5)
    leftover = scalar("SELECT sum(bytes_on_disk) FROM system.parts "
                      "WHERE table = 'logs' AND NOT active")
    sess.close()
    Path(result).write_text(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "parts": parts,
                                        "inactive_bytes": leftover}))


def chdb_search(db_dir: str, queries: str, runs: str, result: str) -> None:
    from chdb import session

    sess = session.Session(db_dir)

    def scalar(sql: str) -> str:
        return sess.query(sql, "CSV").bytes().decode().strip().strip('"')

    index = scalar("SELECT type FROM system.data_skipping_indices WHERE table = 'logs'")
    out = []
    for query in json.loads(Path(queries).read_text()):
        lit = sql_string(query)
        single = scalar(f"SELECT length(tokens({lit}, 'splitByNonAlpha'))") == "1"
        if index == "text":  # case-insensitive through the index's lower() preprocessor
            where = f"hasToken(line, {lit})" if single else f"hasPhrase(line, {lit})"
        else:  # token bloom: every token must be a whole token, then a substring check
            toks = re.findall(r"[0-9a-z\u0080-\U0010ffff]+", query.lower())
            where = " AND ".join(f"hasToken(lower(line), {sql_string(t)})" for t in toks)
            if not single:
                pattern = query.lower().replace("\\", "\\\\").replace("%", "\\%")
                where += " AND lower(line) LIKE " + sql_string("%" + pattern.replace("_", "\\_") + "%")
        times, count = [], None
        for _ in range(int(runs)):
            t = time.perf_counter()
            count = int(scalar(f"SELECT count() FROM logs WHERE {where}"))
            times.append(time.perf_counter() - t)
        out.append({"p50": p50(times), "hits": count, "where": where})
    sess.close()
    Path(result).write_text(json.dumps({"queries": out, "index": index}))


# ---------------------------------------------------------------------------------------------
# The run


STATS_RE = re.compile(r"^(\d+) hits", re.M)


def rfc3339(ts: dt.datetime) -> str:
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def pick_queries(manifest: dict) -> list[tuple[str, str]]:
    """(label, query): planted needles by role, the IPv4 needle's prefix twin, a common term."""
    needles = manifest.get("needles", [])

    def first(role, twin_of=None, description=""):
        for n in needles:
            if n["role"] == role and n["twin_of"] == twin_of and description in n["description"]:
                return n["value"]
        return None

    ipv4 = first("ipv4")
    picks = [("IPv4 needle", ipv4),
             ("IPv4 prefix twin", first("ipv4", ipv4, "prefix") if ipv4 else None),
             ("e-mail phrase", first("email")),
             ("URL path", first("url_path")),
             ("SHA-256", first("sha256")),
             ("common term", os.environ.get("BENCH_COMMON", "GetObject"))]
    return [(label, q) for label, q in picks if q]


def main(argv: list[str]) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="bench_peers.py main")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--raw", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rg", default="rg")
    args = ap.parse_args(argv)
    raw, work, runs = args.raw.resolve(), args.work.resolve(), args.runs
    work.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((raw / "manifest.json").read_text())
    files = raw_files(raw)
    raw_bytes = sum(p.stat().st_size for p in files)
    raw_mb = raw_bytes / 1e6
    picks = pick_queries(manifest)
    queries = [q for _, q in picks]
    (work / "queries.json").write_text(json.dumps(queries))

    def log(msg: str) -> None:
        print(f"== {msg}", file=sys.stderr, flush=True)

    # Reference counts, cross-checked against the generator's answer key.
    log(f"reference counts by minerva's word rule over {len(files)} files ({raw_mb:.0f} MB)")
    reference = reference_counts(files, queries)
    for q, ref in zip(queries, reference):
        planted = manifest_counts(manifest, q)
        if planted is not None and planted != ref:
            print(f"bench-peers: note: `{q}`: {ref} records by the word rule, {planted} planted "
                  "(manifest)", file=sys.stderr)
        if ref == 0:
            print(f"bench-peers: warning: `{q}` matches nothing in the data", file=sys.stderr)

    rows = {}

    # minerva: index, merge, search (the CLI, one process per search, over the merged index).
    data = work / "minerva-data"
    subprocess.run(["rm", "-rf", str(data)], check=True)
    log("minerva index")
    m_index = measured([args.bin, "index", "-q", "--data", str(data),
                        "--exclude", "**/manifest.json",
                        "--report-json", str(work / "minerva-index.json"), str(raw)])
    m_stored = tree_bytes(data)
    log("minerva merge --all")
    m_merge = measured([args.bin, "merge", "--data", str(data), "--all",
                        "--report-json", str(work / "minerva-merge.json")],
                       stdout=subprocess.DEVNULL)
    m_merged = tree_bytes(data)
    opts = manifest["options"]
    t_from = rfc3339(parse_time(opts["start"]) - dt.timedelta(hours=1))
    t_to = rfc3339(parse_time(opts["end"]) + dt.timedelta(hours=1))
    log(f"minerva search, {runs} runs per query, {t_from} .. {t_to}")
    m_queries = []
    for q in queries:
        times, hits = [], None
        for _ in range(runs):
            t = time.perf_counter()
            proc = subprocess.run([args.bin, "search", "--data", str(data), "--stats",
                                   "--limit", "1", "--output", "jsonl", "--color", "never",
                                   "--from", t_from, "--to", t_to, "--", q],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            found = STATS_RE.findall(proc.stderr)
            if proc.returncode not in (0, 1) or not found:
                sys.exit(f"bench-peers: minerva search {q!r} failed ({proc.returncode}): "
                         f"{proc.stderr.strip()[-500:]}")
            hits = int(found[-1])
            if "truncated" in proc.stderr:
                hits = f"{hits}+"
        m_queries.append({"p50": p50(times), "hits": hits})
    rows["minerva"] = {"index": "Parquet indices + messages (hourly partitions), merged",
                       "ingest": m_index, "stored": m_stored, "merged": m_merged,
                       "merge": m_merge, "queries": m_queries}

    # tantivy: one document per line, one commit.
    tv_dir = work / "tantivy-index"
    subprocess.run(["rm", "-rf", str(tv_dir)], check=True)
    log(f"tantivy ingest (writer heap {TANTIVY_HEAP // 1_000_000} MB, one commit)")
    tv_run = measured(child_python("tantivy-ingest", raw, tv_dir, work / "tantivy-ingest.json"))
    tv_in = json.loads((work / "tantivy-ingest.json").read_text())
    tv_stored = tree_bytes(tv_dir)
    log(f"tantivy search, {runs} runs per query")
    measured(child_python("tantivy-search", tv_dir, work / "queries.json", runs,
                          work / "tantivy-search.json"))
    tv_search = json.loads((work / "tantivy-search.json").read_text())
    rows["tantivy"] = {"index": f"tantivy-py {version_of('tantivy')}: default tokenizer, "
                                f"positions, stored line; phrase queries",
                       "ingest": {**tv_run, "seconds": tv_in["seconds"],
                                  "cpu_seconds": tv_in["cpu_seconds"]},
                       "stored": tv_stored, "merged": None, "queries": tv_search["queries"]}

    # ClickHouse (chDB): MergeTree on disk, one INSERT … SELECT FROM file(), then OPTIMIZE FINAL.
    ch_dir = work / "chdb"
    subprocess.run(["rm", "-rf", str(ch_dir)], check=True)
    log("chDB ingest (MergeTree, one INSERT from file())")
    ch_run = measured(child_python("chdb-ingest", raw, ch_dir, work / "chdb-ingest.json"))
    ch_in = json.loads((work / "chdb-ingest.json").read_text())
    ch_stored = tree_bytes(ch_dir) - ch_in["inactive_bytes"]
    log("chDB OPTIMIZE TABLE FINAL")
    ch_merge_run = measured(child_python("chdb-merge", ch_dir, work / "chdb-merge.json"))
    ch_merge_in = json.loads((work / "chdb-merge.json").read_text())
    ch_merged = tree_bytes(ch_dir) - ch_merge_in["inactive_bytes"]
    log(f"chDB search, {runs} runs per query")
    measured(child_python("chdb-search", ch_dir, work / "queries.json", runs,
                          work / "chdb-search.json"))
    ch_search = json.loads((work / "chdb-search.json").read_text())
    index_desc = {"text": "`text` index (splitByNonAlpha, lower); hasToken/hasPhrase",
                  "tokenbf": "`tokenbf_v1` skip index on lower(line); hasToken + LIKE"}
    rows["chdb"] = {"index": f"chDB {version_of('chdb')} (ClickHouse {ch_in['version']}): "
                             f"MergeTree, {index_desc.get(ch_in['index'], ch_in['index'])}",
                    "ingest": {**ch_run, "seconds": ch_in["seconds"],
                               "cpu_seconds": ch_in["cpu_seconds"]},
                    "stored": ch_stored, "merged": ch_merged, "merge": ch_merge_run,
                    "queries": ch_search["queries"]}

    # rg -w -F -i: no index; case-insensitive like the others.
    log(f"rg search, {runs} runs per query")
    rg_queries = []
    for q in queries:
        times, hits = [], 0
        for _ in range(runs):
            t = time.perf_counter()
            proc = subprocess.run([args.rg, "-w", "-F", "-i", "-c", "--no-filename",
                                   "--glob", "!manifest.json", "--", q, str(raw)],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            if proc.returncode not in (0, 1):
                sys.exit(f"bench-peers: rg failed: {proc.stderr.strip()}")
            hits = sum(int(x) for x in proc.stdout.split())
        rg_queries.append({"p50": p50(times), "hits": hits})
    rg_version = subprocess.run([args.rg, "--version"], capture_output=True,
                                text=True).stdout.split("\n")[0]
    rows["rg"] = {"index": f"{rg_version}: no index, `rg -w -F -i -c` over the files",
                  "ingest": None, "stored": raw_bytes, "merged": None, "queries": rg_queries}

    # The table.
    version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout
    records = json.loads((work / "minerva-index.json").read_text())["records"]
    print(f"\n{raw_mb:.0f} MB of generated logs ({len(files)} files, {records} records, "
          f"{manifest['options']['start']} .. {manifest['options']['end']}), {os.cpu_count()} "
          f"cores, {version.strip()}; p50 of {runs} runs per query.")
    print("Ingest: MB of raw input per wall second and per CPU second (user+sys); peak RSS of the "
          "ingest process. stored/raw: bytes on disk after ingest; merged: after `minerva merge "
          "--all` / ClickHouse `OPTIMIZE TABLE FINAL` (tantivy commits once).")
    print("Latency: minerva is a `minerva search --limit 1` process per run (start-up included); "
          "tantivy and chDB a count in an open index; rg a process per run. ✓/✗: hits equal the "
          "reference (minerva's word rule: tokens adjacent and in order, case-insensitive).\n")

    def short(q: str) -> str:
        return q if len(q) <= 24 else q[:16] + "…"

    def ms(seconds: float) -> str:
        v = seconds * 1000
        return f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms" if v >= 1 else f"{v:.3f} ms"

    def ratio(value):
        return "n/a" if value is None else f"{value / raw_bytes:.3f}"

    head = ["engine", "index", "ingest MB/s", "MB/s per CPU-s", "peak RSS MiB", "stored/raw",
            "merged/raw"] + [f"{label} `{short(q)}`" for label, q in picks] + ["right at word boundaries"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---", "---"] + ["---:"] * (len(head) - 3) + ["---"]) + "|")
    print("| reference | minerva's word rule (Python, full scan) | | | | | | "
          + " | ".join(str(r) for r in reference) + " | |")
    for name, row in rows.items():
        ing = row["ingest"]
        cells = [name, row["index"]]
        if ing:
            cells += [f"{raw_mb / ing['seconds']:.1f}", f"{raw_mb / ing['cpu_seconds']:.1f}",
                      f"{ing['peak_rss_mib']:.0f}"]
        else:
            cells += ["n/a", "n/a", "n/a"]
        cells += [ratio(row["stored"]), ratio(row["merged"])]
        wrong = []
        for q, ref, res in zip(queries, reference, row["queries"]):
            ok = res["hits"] == ref
            if not ok:
                wrong.append(f"`{short(q)}` {res['hits']}≠{ref}")
            cells.append(f"{ms(res['p50'])} · {res['hits']} {'✓' if ok else '✗'}")
        cells.append(f"yes ({len(queries)}/{len(queries)})" if not wrong else
                     f"no ({len(queries) - len(wrong)}/{len(queries)}): " + ", ".join(wrong))
        print("| " + " | ".join(cells) + " |")
    extra = [f"minerva index {m_index['seconds']:.1f} s, merge {m_merge['seconds']:.1f} s",
             f"tantivy ingest {tv_in['seconds']:.1f} s ({tv_in['docs']} docs, "
             f"{tv_search['segments']} segments)",
             f"chDB ingest {ch_in['seconds']:.1f} s ({ch_in['rows']} rows, {ch_in['parts']} part(s)),"
             f" OPTIMIZE {ch_merge_in['seconds']:.1f} s to {ch_merge_in['parts']} part(s)"]
    print("\n" + "; ".join(extra) + ".")


COMMANDS = {
    "tantivy-ingest": tantivy_ingest,
    "tantivy-search": tantivy_search,
    "chdb-ingest": chdb_ingest,
    "chdb-merge": chdb_merge,
    "chdb-search": chdb_search,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in {"main", *COMMANDS}:
        sys.exit(__doc__)
    if sys.argv[1] == "main":
        main(sys.argv[2:])
    else:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
