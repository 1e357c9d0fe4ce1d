"""`minerva search`: the Athena SQL is real SQL that finds what the embedded engine finds.

Athena itself cannot run here, so every Athena statement printed by `minerva search --explain`
is parsed by sqlglot (read="athena"), transpiled to DuckDB and executed over the same Parquet
files; its records must equal DataFusion's hits (for exact lookups) or contain them (for
phrases, which the engine then checks against the messages).
"""

from __future__ import annotations

import json

import pytest
import sqlglot

import helpers
import reference as ref

# Queries over the shared datasets: IPs with near-twins, fields on nested JSON, boolean
# operators, phrases, prefixes.
QUERIES = [
    "10.0.0.1",
    "id.orig_h=10.47.1.100",
    "id.resp_h:10.0.0.1 -steamcontent",
    "id.resp_h:10.0.0.1 -query=valve2304.steamcontent.com",
    '"failed password" root',
    "sshd AND (root OR admin)",
    "mimikatz*",
    "alert.signature_id=2010935",
    "src_ip=10.128.0.221 -alert.severity=3",
    "Event.System.EventID=4624 Event.EventData.LogonType=3",
]

# Text that must be searched literally: nothing here may change the SQL's structure.
INJECTIONS = [
    "x' OR '1'='1",
    "'; DROP TABLE indices; --",
    "a\\' OR 1=1 --",
    "50%",
    "_",
    "term' UNION SELECT object_id, seq, \"timestamp\", dt, tag FROM indices --",
    "日本'語",
    "\\\\' ) OR ( '1'='1",
]


def explain(minerva_bin, data, query):
    """The index lookup each engine would be sent (the last statement it prints), and whether
    it is exact. `--explain` prints one statement per line, exactly as sent."""
    blocks = {}
    for engine in ("embedded", "athena"):
        proc = helpers.run_minerva(
            minerva_bin,
            ["search", "--explain", "--engine", engine, "--data", str(data), "--", query],
        )
        assert proc.returncode == 0, proc.stderr
        header, *statements = proc.stdout.splitlines()
        assert header.startswith(f"-- {engine} (exact: "), header
        assert statements and all(s.endswith(";") for s in statements), proc.stdout
        exact = header.endswith("(exact: true)")
        # Exact queries send the summary then the lookup; phrases send the candidate lookup.
        assert len(statements) == (2 if exact else 1), proc.stdout
        blocks["datafusion" if engine == "embedded" else engine] = (
            statements[-1].rstrip(";"), exact)
    return blocks


def search_hits(minerva_bin, data, query):
    proc = helpers.run_minerva(
        minerva_bin,
        ["search", "--output", "jsonl", "--limit", "0", "--data", str(data), "--", query],
    )
    assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr}"
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    assert (proc.returncode == 0) == bool(hits), "exit code 0 with hits, 1 without"
    return hits


@pytest.fixture(scope="module")
def athena_db(datasets_index):
    con = helpers.connect()
    con.execute("CREATE SCHEMA minerva")
    for table in ("messages", "indices"):
        glob = str(datasets_index.data / table / "dt=*" / "*.parquet")
        con.execute(
            f"CREATE VIEW minerva.{table} AS SELECT * FROM read_parquet('{glob}', "
            "hive_partitioning = true, hive_types = {'dt': 'VARCHAR'})"
        )
    yield con
    con.close()


def run_athena_sql(con, sql):
    parsed = sqlglot.parse_one(sql, read="athena")
    duck_sql = parsed.sql(dialect="duckdb")
    rows = con.execute(f"SELECT object_id, seq FROM ({duck_sql}) AS athena").fetchall()
    return set(rows)


@pytest.mark.parametrize("query", QUERIES)
def test_athena_sql_agrees_with_datafusion(minerva_bin, datasets_index, athena_db, query,
                                          full_datasets):
    blocks = explain(minerva_bin, datasets_index.data, query)
    athena_sql, exact = blocks["athena"]
    assert blocks["datafusion"][1] == exact
    candidates = run_athena_sql(athena_db, athena_sql)
    hits = search_hits(minerva_bin, datasets_index.data, query)
    found = {(h["object_id"], h["seq"]) for h in hits}
    assert len(found) == len(hits), "a record was returned twice"
    helpers.skip_unless_found(hits, full_datasets)
    assert hits, f"the chosen query {query!r} should find something in the shared datasets"
    if exact:
        assert found == candidates
    else:
        assert found <= candidates and found


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_corpus_is_searched_literally(minerva_bin, datasets_index, athena_db, text):
    # Quoted, the text is a phrase of its tokens; none of these phrases is in the data.
    query = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    blocks = explain(minerva_bin, datasets_index.data, query)
    for name, (sql, _) in blocks.items():
        statements = sqlglot.parse(sql, read="athena" if name == "athena" else None)
        assert len(statements) == 1, f"{name}: the text split the statement: {sql}"
        assert "DROP" not in {t.key.upper() for t in statements[0].find_all(sqlglot.exp.Drop)}
    # The transpiled statement runs, and the engine finds exactly what a literal search of the
    # raw files finds (the brute-force reference, tests/python/reference).
    run_athena_sql(athena_db, blocks["athena"][0])
    hits = search_hits(minerva_bin, datasets_index.data, query)
    got = {(h["source"][len("file://"):], h["seq"]) for h in hits}
    files = [p for p in datasets_index.inputs if ref.file_kind(p) != "json_document"]
    assert got == ref.search(files, ref.Term.of(None, text))
    # The tables are intact.
    assert athena_db.execute("SELECT count(*) FROM minerva.indices").fetchone()[0] > 0


def test_exit_codes_and_errors(minerva_bin, datasets_index):
    data = str(datasets_index.data)
    miss = helpers.run_minerva(minerva_bin, ["search", "--data", data, "zz-no-such-token-zz"])
    assert miss.returncode == 1 and miss.stdout == ""
    bad = helpers.run_minerva(minerva_bin, ["search", "--data", data, "(unbalanced"])
    assert bad.returncode == 2
    assert "byte" in bad.stderr, bad.stderr
    only_not = helpers.run_minerva(minerva_bin, ["search", "--data", data, "--", "-root"])
    assert only_not.returncode == 2


def test_jsonl_fields(minerva_bin, datasets_index, needle):
    hits = search_hits(minerva_bin, datasets_index.data, needle)
    assert hits
    for hit in hits[:50]:
        assert set(hit) >= {"timestamp", "tag", "source", "seq", "message", "object_id"}
        assert hit["timestamp"].endswith("Z")
        assert needle in hit["message"]
    times = [h["timestamp"] for h in hits]
    assert times == sorted(times, reverse=True), "newest first"
