"""`minerva search` over the shared datasets equals a brute-force search of the raw files, on
the index as the indexer wrote it (one small file per object and hour) and after `minerva merge`.

The reference (tests/python/reference) re-reads every raw file with its own implementation of
the token rules, written from the spec, and evaluates the query on every record. Each query
below must give exactly the same records, (source, seq), as the engine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import helpers
import reference as ref
from reference import And, Cidr, Not, Or, Term

# (query text for minerva, the same query for the reference)
CASES = [
    # IPs with near-twins in the data (10.0.0.1 vs 10.0.0.10x, 10.47.1.100 vs 10.47.1.10).
    ("10.0.0.1", Term.of(None, "10.0.0.1")),
    ("10.47.1.10", Term.of(None, "10.47.1.10")),
    ("173.234.31.186", Term.of(None, "173.234.31.186")),
    ("10.128.0.221", Term.of(None, "10.128.0.221")),  # Suricata (in tests/data/datasets)
    ("src_ip=54.235.163.229", Term.of("src_ip", "54.235.163.229")),
    # Users and hosts.
    ("root", Term.of(None, "root")),
    ("LabSZ", Term.of(None, "LabSZ")),
    # Fields on nested JSON.
    ("id.orig_h=10.47.1.100", Term.of("id.orig_h", "10.47.1.100")),
    ("Event.System.EventID=4624", Term.of("Event.System.EventID", "4624")),
    ("alert.severity:1", Term.of("alert.severity", "1")),
    # Boolean operators.
    ("sshd AND (root OR admin)",
     And(Term.of(None, "sshd"), Or(Term.of(None, "root"), Term.of(None, "admin")))),
    ("failed -root", And(Term.of(None, "failed"), Not(Term.of(None, "root")))),
    ("mimikatz OR sekurlsa", Or(Term.of(None, "mimikatz"), Term.of(None, "sekurlsa"))),
    # Phrases: a multi-token word and a quoted phrase.
    ('"failed password" root', And(Term.of(None, "failed password"), Term.of(None, "root"))),
    ("C:\\Windows\\System32\\cmd.exe", Term.of(None, "C:\\Windows\\System32\\cmd.exe")),
    ('"invalid user" -"from 173.234.31.186"',
     And(Term.of(None, "invalid user"), Not(Term.of(None, "from 173.234.31.186")))),
    # Prefixes.
    ("mimi*", Term.of(None, "mimi", prefix=True)),
    # IPv4 CIDR blocks: one prefix range, several, an address list, a field, a negation.
    ("10.47.27.0/24", Cidr(None, "10.47.27.0/24")),
    ("10.47.24.0/21", Cidr(None, "10.47.24.0/21")),
    ("10.128.0.0/10", Cidr(None, "10.128.0.0/10")),  # Suricata (in tests/data/datasets)
    ("src_ip=10.128.0.0/24", Cidr("src_ip", "10.128.0.0/24")),
    ("10.128.0.240/30", Cidr(None, "10.128.0.240/30")),
    ("192.168.0.0/16 -192.168.0.2", And(Cidr(None, "192.168.0.0/16"),
                                        Not(Term.of(None, "192.168.0.2")))),
    ("query=*.local", None),  # not a valid query: '*' needs text before it
]


@pytest.fixture(scope="module")
def line_files(datasets_index):
    return [p for p in datasets_index.inputs if ref.file_kind(p) != "json_document"]


@pytest.fixture(params=["small-files", "merged"])
def index_data(request, datasets_index) -> Path:
    if request.param == "merged":
        return request.getfixturevalue("merged_datasets_index").data
    return datasets_index.data


@pytest.mark.parametrize("text,query", [c for c in CASES if c[1] is not None],
                         ids=[c[0] for c in CASES if c[1] is not None])
def test_search_equals_brute_force(minerva_bin, index_data, line_files, text, query,
                                   full_datasets):
    proc = helpers.run_minerva(
        minerva_bin,
        ["search", "--output", "jsonl", "--limit", "100000", "--data", str(index_data),
         "--", text],
    )
    assert proc.returncode in (0, 1), proc.stderr
    got = set()
    lines = proc.stdout.splitlines()
    for line in lines:
        hit = json.loads(line)
        assert hit["source"].startswith("file://")
        got.add((str(Path(hit["source"][len("file://"):])), hit["seq"]))
    assert len(got) == len(lines), f"{text!r}: a record was returned twice"
    # Header-driven files (CSV/TSV/VPC) keep their field names outside the message; the
    # reference skips them for field queries, so the engine's hits there are left out too.
    skip = ref.uses_fields(query)
    expected = ref.search(line_files, query)
    if skip:
        header = {str(p) for p in line_files if ref.file_kind(p) == "header_driven"}
        got = {g for g in got if g[0] not in header}
    assert got == expected, (
        f"{text!r}: {len(got - expected)} unexpected, {len(expected - got)} missing; "
        f"e.g. unexpected {sorted(got - expected)[:3]}, missing {sorted(expected - got)[:3]}"
    )
    helpers.skip_unless_found(expected, full_datasets)
    assert expected, f"the chosen query {text!r} should find something"


def test_invalid_query_is_a_usage_error(minerva_bin, datasets_index):
    proc = helpers.run_minerva(
        minerva_bin, ["search", "--data", str(datasets_index.data), "--", "query=*.local"])
    assert proc.returncode == 2
    assert "'*'" in proc.stderr
