"""The independent Python reference (tests/python/reference) against the index of the shared datasets.

Every record of every JSON-lines / plain-text file is tokenized by the reference and its set of
(field, term) pairs compared with the `indices` rows of that record: a second, independent check
of the indexer, and the validation of the reference used to check the search engine.
Header-driven files (CSV/TSV, VPC flow logs: reference.HEADER_DRIVEN_PATTERNS) are compared on
terms only, whatever the field; JSON documents have no reference records.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pyarrow as pa
import pytest

import helpers
import reference as ref
from reference import And, Not, Or, Term

MAX_REPORTED = 20
# VPC flow logs write `-` for a missing value: minerva stores no term for it, the reference
# (whole line under "") has the token `-`.
HEADER_DRIVEN_MISSING_OK = {"-"}


@pytest.fixture(scope="module")
def con(datasets_index):
    """A private DuckDB connection over the session index (temporary tables stay here)."""
    c = helpers.connect()
    helpers.create_views(c, datasets_index.data)
    yield c
    c.close()


@pytest.fixture(scope="module")
def inputs(datasets_index, con):
    """(path, kind, object_id, reference records) of every input file."""
    sources = dict(con.execute("SELECT DISTINCT source, object_id FROM messages").fetchall())
    out = []
    for path in datasets_index.inputs:
        oid = sources.get(path.as_uri()) or sources.get("file://" + str(path))
        out.append((path, ref.file_kind(path), oid, ref.read_records(path)))
    return out


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_record_is_in_the_index(inputs, con):
    """Same record seqs per file in `messages` as in the reference (records without tokens too)."""
    seqs = {oid: set(s) for oid, s in
            con.execute("SELECT object_id, list(seq) FROM messages GROUP BY object_id").fetchall()}
    bad = []
    for path, kind, oid, records in inputs:
        if kind == "json_document":
            continue
        expected = {r.seq for r in records}
        actual = seqs.get(oid, set())
        if expected != actual:
            bad.append(f"{_name(path)}: missing seqs {sorted(expected - actual)[:10]}, "
                       f"extra {sorted(actual - expected)[:10]}")
    assert not bad, "\n".join(bad)


def test_index_pairs_match_reference(inputs, con, full_datasets):
    """Per record of JSON-lines / text files: index (field, term) pairs == reference pairs."""
    rows = {"object_id": [], "seq": [], "field": [], "term": []}
    checked, skipped = {"object_id": []}, {"object_id": [], "seq": []}
    names = {}
    for path, kind, oid, records in inputs:
        if kind != "lines":
            continue
        assert oid is not None, f"{path} is not in the index"
        names[oid] = _name(path)
        checked["object_id"].append(oid)
        for record in records:
            if record.approximate:
                skipped["object_id"].append(oid)
                skipped["seq"].append(record.seq)
                continue
            for field, term in record.pairs():
                rows["object_id"].append(oid)
                rows["seq"].append(record.seq)
                rows["field"].append(field)
                rows["term"].append(term)
    # The full shared set has 80 line files; the in-repository subset 26 (its READMEs too).
    assert len(checked["object_id"]) >= (80 if full_datasets else 26)
    assert len(rows["term"]) > (2_000_000 if full_datasets else 200_000)
    con.register("ref_pairs", pa.table(rows))
    con.register("ref_checked", pa.table(checked))
    con.register("ref_skipped", pa.table(skipped, schema=pa.schema(
        [("object_id", pa.string()), ("seq", pa.int64())])))
    con.execute("""CREATE OR REPLACE TEMP TABLE idx_pairs AS
        SELECT object_id, seq, field, term FROM indices
        WHERE object_id IN (SELECT object_id FROM ref_checked)
          AND (object_id, seq) NOT IN (SELECT (object_id, seq) FROM ref_skipped)""")
    diff = con.execute("""
        SELECT 'missing' AS kind, * FROM (SELECT * FROM ref_pairs EXCEPT SELECT * FROM idx_pairs)
        UNION ALL
        SELECT 'extra', * FROM (SELECT * FROM idx_pairs EXCEPT SELECT * FROM ref_pairs)
        ORDER BY 2, 3, 1, 4, 5""").fetchall()
    by_record = collections.defaultdict(lambda: {"missing": [], "extra": []})
    for kind, oid, seq, field, term in diff:
        by_record[(names[oid], seq)][kind].append((field, term))
    report = [f"{name} seq {seq}: missing {d['missing'][:8]} extra {d['extra'][:8]}"
              for (name, seq), d in list(by_record.items())[:MAX_REPORTED]]
    assert not by_record, (f"{len(by_record)} records differ (missing = in the reference, not in "
                           "the index; extra = in the index only):\n" + "\n".join(report))


def test_header_driven_terms_match_reference(inputs, con):
    """CSV/TSV/VPC: the terms of each record (whatever the field) are the whole line's tokens,
    but for `-` (a VPC missing value, not indexed)."""
    files = [(path, oid, records) for path, kind, oid, records in inputs if kind == "header_driven"]
    assert files, "no header-driven file in the datasets"
    index = collections.defaultdict(set)
    for oid, seq, term in con.execute(
            "SELECT object_id, seq, term FROM indices WHERE list_contains(?, object_id)",
            [[oid for _, oid, _ in files]]).fetchall():
        index[(oid, seq)].add(term)
    bad = []
    for path, oid, records in files:
        for record in records:
            expected, actual = record.terms(), index.get((oid, record.seq), set())
            if actual - expected or (expected - actual) - HEADER_DRIVEN_MISSING_OK:
                bad.append(f"{_name(path)} seq {record.seq}: missing "
                           f"{sorted(expected - actual - HEADER_DRIVEN_MISSING_OK)[:8]} "
                           f"extra {sorted(actual - expected)[:8]}")
    assert not bad, "\n".join(bad[:MAX_REPORTED])


@pytest.mark.parametrize("query, sql", [
    (Term(None, ["10.0.0.1"]), "term = '10.0.0.1'"),
    (Term("id.orig_h", ["10.47.22.25"]), "field = 'id.orig_h' AND term = '10.47.22.25'"),
    (Term(None, ["ssh"], prefix=True), "starts_with(term, 'ssh')"),
    (Term("Event.System.EventID", ["4625"]), "field = 'Event.System.EventID' AND term = '4625'"),
])
def test_search_single_token_agrees_with_index(inputs, con, query, sql, full_datasets):
    """reference.search of one-token terms == the records whose index rows match (no phrase)."""
    paths = [p for p, kind, _, _ in inputs if kind == "lines"]
    oids = {oid: str(p) for p, kind, oid, _ in inputs if kind == "lines"}
    expected = ref.search(paths, query)
    actual = {(oids[oid], seq) for oid, seq in
              con.execute(f"SELECT DISTINCT object_id, seq FROM indices WHERE {sql}").fetchall()
              if oid in oids}
    helpers.skip_unless_found(expected, full_datasets)
    assert expected, f"{query} matches nothing: pick another example"
    assert expected == actual, (sorted(expected - actual)[:10], sorted(actual - expected)[:10])


@pytest.mark.parametrize("text, expected", [
    ("tani@cookpad.com", ["tani", "cookpad", "com"]),
    ("C:\\Windows\\System32\\cmd.exe", ["c", "windows", "system32", "cmd", "exe"]),
    ("ADMIN$ stratus-red-team-role user_name a+b~c#d%e", ["admin$", "stratus-red-team-role",
                                                          "user_name", "a+b~c#d%e"]),
    ("src=10.1.2.3:443 1234.5.6.78901", ["src", "10.1.2.3", "443", "1234", "5", "6", "78901"]),
    ("1.2.3.4.5 1.2.3 v1.2.3.4 01.002.3.255", ["1", "2", "3", "4", "5", "1", "2", "3", "v1",
                                              "2", "3", "4", "01.002.3.255"]),
    ("::ffff:10.0.0.1 [2001:DB8::1]:80 fe80::1%eth0", ["::ffff:10.0.0.1", "10.0.0.1",
                                                      "2001:db8::1", "80", "fe80::1", "eth0"]),
    ("12:34:56 a::b :: x::y", ["12", "34", "56", "a::b", "::", "x", "y"]),
    ("漢字テスト ひらがな café-x", ["漢", "字", "テスト", "ひ", "ら", "が", "な", "café", "x"]),
    ("x" * 200, ["x" * 128]),
    ("é" * 100, ["é" * 64]),
])
def test_reference_tokenizer(text, expected):
    """The reference tokenizer on the spec's examples."""
    if not ref.EXACT_UNICODE and not text.isascii():
        pytest.skip("non-ASCII segmentation is approximate without the `regex` module")
    assert ref.tokens(text) == expected


def test_reference_fields_and_search(tmp_path):
    """Fields, phrases within one value, prefixes and boolean operators of the reference."""
    path = tmp_path / "sample.log"
    path.write_bytes(b"\xef\xbb\xbf{\"user\": {\"name\": \"Alice Smith\"}, \"tags\": [\"a b\", \"c\"],"
                     b" \"n\": 1.50, \"ok\": true, \"none\": null, \"e\": \"\"}\r\n"
                     b"  \n"
                     b"{\"x\": NaN}\n"
                     b"from ::ffff:10.0.0.1 user alice-smith\r")
    records = ref.read_records(path)
    assert [r.seq for r in records] == [0, 2, 3]
    assert records[0].pairs() == {("user.name", "alice"), ("user.name", "smith"), ("tags", "a"),
                                  ("tags", "b"), ("tags", "c"), ("n", "1"), ("n", "50"),
                                  ("ok", "true")}
    assert records[1].pairs() == {("", "x"), ("", "nan")}
    assert records[2].message == "from ::ffff:10.0.0.1 user alice-smith"

    def hits(query):
        return sorted(seq for _, seq in ref.search([path], query))

    assert hits(Term.of(None, "Alice Smith")) == [0]
    assert hits(Term.of("user.name", "alice sm", prefix=True)) == [0]
    assert hits(Term.of(None, "b c")) == []  # not across array elements
    assert hits(Term.of(None, "10.0.0.1")) == [3]
    assert hits(Term.of(None, "from ::ffff:10.0.0.1 user")) == [3]
    assert hits(Term.of(None, "alice")) == [0]
    assert hits(Or(Term.of(None, "x"), Term.of("tags", "c"))) == [0, 2]
    assert hits(And(Term.of(None, "user"), Not(Term.of("ok", "true")))) == [3]
    assert hits(Term.of("user", "alice")) == []


# Edge cases: one line each in one file (seq = position); the reference vs. a fresh index of it.
EDGE_CASES = [
    ("bom", "\ufeffbom first line".encode()),
    ("crlf", b"crlf line\r"),
    ("blank", b" \t \x0c"),
    ("ipv4", b"1234.5.6.78901 1.2.3.4.5 v1.2.3.4 01.002.3.255 10.1.2.3:8080 1..2.3.4.5 256.1.1.1 "
             b"a1.1.1.1 0.0.0.0"),
    ("ipv6", b"::ffff:10.0.0.1 [2001:DB8::1]:80 a::b :: x::y 12:34:56 ::1. 1:2:3:4:5:6:7:8:9 "
             b"::ffff:010.0.0.1 dead::beef:1.2.3.4 2001:db8::1/64 1::2::3 ::g"),
    ("ipv6-zone", b"fe80::1%eth0 up"),
    ("symbols", b"ADMIN$ a+b~c#d%e ^caret` %41 $HOME ~user #tag +1 -- - _ stratus-red-team-role"),
    ("delimiters", b"\"q\" 's' <t> {b} (p) |p| *s* !b? ;s, =e tani@cookpad.com C:\\Windows\\cmd.exe"),
    ("controls", "tab\tsep\x0bvt\x0cff\x1fus\x7fdel nbsp\u00a0sep\u3000ideo\u2028ls".encode()),
    ("dots-and-url", b"a.b..c...d . .. end. http://user:pw@10.0.0.1:8080/p?q=1&r=2#frag"),
    ("unicode", "漢字テスト ひらがな café-x naïve_état İstanbul ǅ ẞ aaa\u0301bbb \U0001F600smile "
                "한국어 العربية ไทย 𝐀𝐁𝐂 Ⅻ ½ ﬁ".encode()),
    ("final-sigma", "ΟΔΥΣΣΕΥΣ ΣΑΣ".encode()),
    ("cap", ("x" * 200 + " " + "é" * 100 + " " + "a" * 127 + "éz").encode()),
    ("invalid-utf8", b"\xff\xfe bad utf8 \xc3("),
    ("json-nan", b'{"a": NaN}'),
    ("json-duplicate-keys", b'{"a": 1, "a": 2}'),
    ("json-empty-keys", b'{"": "empty key", "b": {"": "x"}}'),
    ("json-values", b'{"n": [1, [2, [3]], {"m": -0.0}], "big": 123456789012345678901234567890, '
                    b'"e": 1E+5, "f": 1.50e+10, "t": true, "f2": false, "z": null, "s": "", '
                    b'"esc": "\\u0041dmin\\u0040corp.com \\ud83d\\ude00 x"}'),
    ("json-nested", b'{"a.b": {"c": "d.e"}, "arr": [{"p": 1}, {"p": [2, {"q": "r s"}]}]}'),
    ("json-lone-surrogate", b'{"u": "\\ud800 lone"}'),
    ("json-leading-space", b'  {"lead": "space"}'),
    ("json-trailing-text", b'{"x": "y"} trailing'),
    ("json-array-line", b"[1,2]"),
    ("final-cr", b"last line\r"),  # the end of the file: no "\n"
]
EDGE_XFAIL: dict[str, str] = {}


@pytest.fixture(scope="module")
def edge(minerva_bin, tmp_path_factory):
    """(reference records by seq, index pairs by seq, messages by seq) of the edge-case file."""
    root = tmp_path_factory.mktemp("reference-edge")
    path = root / "edge.log"
    path.write_bytes(b"\n".join(raw for _, raw in EDGE_CASES))
    helpers.index(minerva_bin, str(root / "data"), [str(path)])
    c = helpers.connect()
    helpers.create_views(c, root / "data")
    pairs = collections.defaultdict(set)
    for seq, field, term in c.execute("SELECT seq, field, term FROM indices").fetchall():
        pairs[seq].add((field, term))
    messages = dict(c.execute("SELECT seq, message FROM messages").fetchall())
    c.close()
    return {r.seq: r for r in ref.read_records(path)}, pairs, messages


@pytest.mark.parametrize("seq", [
    pytest.param(i, id=name, marks=[pytest.mark.xfail(strict=True, reason=EDGE_XFAIL[name])]
                 if name in EDGE_XFAIL else [])
    for i, (name, _) in enumerate(EDGE_CASES)])
def test_edge_case_pairs(edge, seq):
    """One edge-case line: same record (or none), message and (field, term) pairs."""
    records, pairs, messages = edge
    record = records.get(seq)
    assert (record.message if record else None) == messages.get(seq)
    expected = record.pairs() if record else set()
    actual = pairs.get(seq, set())
    assert expected == actual, f"missing {sorted(expected - actual)}, extra {sorted(actual - expected)}"
