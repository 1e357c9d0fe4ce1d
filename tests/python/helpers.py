"""Helpers shared by the end-to-end tests: running the binary and an independent reading of
the raw inputs (lines, JSON leaves) computed in Python, never by minerva."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
import pyarrow.parquet as pq

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
# Rust's `u8::is_ascii_whitespace` (the WHATWG set): space, TAB, LF, FF, CR. Note that the
# vertical tab (0x0B) is *not* in it, unlike Python's `bytes.isspace`.
ASCII_WHITESPACE = b" \t\n\x0c\r"


def run_minerva(binary: str, args: list[str], env: dict | None = None, timeout: int = 600):
    """Runs `minerva ARGS` and returns the CompletedProcess (text mode, never raises)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [binary, *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )


def index(binary: str, data: str, inputs: list[str], report: Path | None = None,
          env: dict | None = None, extra: list[str] | None = None) -> dict | None:
    """Runs `minerva index` and asserts it succeeded; returns the parsed report, if asked."""
    args = ["index", "--quiet", "--data", str(data)]
    if report is not None:
        args += ["--report-json", str(report)]
    args += list(extra or []) + [str(i) for i in inputs]
    proc = run_minerva(binary, args, env=env)
    assert proc.returncode == 0, f"minerva {args} failed ({proc.returncode}):\n{proc.stderr}"
    return json.loads(Path(report).read_text()) if report is not None else None


def input_files(root: Path) -> list[Path]:
    """The files minerva indexes under `root`: recursive, hidden entries skipped, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [Path(dirpath, f) for f in sorted(filenames) if not f.startswith(".")]
    return sorted(out)


def content(path: Path) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip magic number."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == GZIP_MAGIC else data


def is_blank(line: bytes) -> bool:
    return all(b in ASCII_WHITESPACE for b in line)


def split_lines(data: bytes) -> list[bytes]:
    """Lines without their `\\n`, a trailing `\\r` removed, the first line's BOM removed."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final newline ends the last line, it does not start a new one
    if lines and lines[0].startswith(BOM):
        lines[0] = lines[0][len(BOM):]
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def expected_records(data: bytes) -> dict[int, tuple[str, bytes | None]]:
    """seq -> (message, raw) for every non-blank line, as the spec describes them."""
    out = {}
    for seq, line in enumerate(split_lines(data)):
        if is_blank(line):
            continue
        try:
            out[seq] = (line.decode("utf-8"), None)
        except UnicodeDecodeError:
            out[seq] = (line.decode("utf-8", errors="replace"), line)
    return out


def is_json_document(data: bytes) -> bool:
    """True for a whole-file JSON document (array of records, `{"Records": [...]}` or one
    pretty-printed object), which is not read line by line."""
    body = data.removeprefix(BOM).strip(ASCII_WHITESPACE)
    try:
        value = json.loads(body)
    except ValueError:
        return False
    if isinstance(value, list) or (isinstance(value, dict) and isinstance(value.get("Records"), list)):
        return True
    return b"\n" in body


def json_leaves(line: bytes | str):
    """(dotted path, exact text) of every scalar of a JSON object, numbers kept as written."""
    value = json.loads(line, parse_int=str, parse_float=str)

    def walk(path, v):
        if isinstance(v, dict):
            for k, child in v.items():
                yield from walk(f"{path}.{k}" if path else k, child)
        elif isinstance(v, list):
            for child in v:
                yield from walk(path, child)
        elif isinstance(v, bool):
            yield path, "true" if v else "false"
        elif v is None or v == "":
            return
        else:
            yield path, v

    yield from walk("", value)


def parquet_files(data_dir: Path, table: str) -> list[Path]:
    return sorted(Path(data_dir, table).glob("dt=*/*.parquet"))


def all_data_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).rglob("*") if p.is_file())


def total_rows(files) -> int:
    return sum(pq.read_metadata(f).num_rows for f in files)


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def create_views(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Views `messages` and `indices` over a data folder, with the `dt` partition column."""
    for table in ("messages", "indices"):
        glob = str(Path(data, table, "dt=*", "*.parquet"))
        con.execute(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{glob}', "
            "hive_partitioning = true, hive_types = {'dt': 'VARCHAR'})"
        )


# Real inputs of three kinds kept in tests/data/datasets (JSON lines: Kubernetes audit,
# Suricata alerts, gzipped Windows events), for tests that do not depend on what files say.
IN_REPO_SAMPLES = ["k8s_audit_falco/k8s_audit_events.ndjson",
                   "suricata_eve_alerts_hassanabad/eve_alerts_wrccdc-2017.ndjson",
                   "windows_evtx_mdecrevoisier/TA0002-Execution.jsonl.gz"]


def samples_or_in_repo(datasets_dir: Path, samples: list[str]) -> list[str]:
    """`samples` when the datasets hold them all, else IN_REPO_SAMPLES."""
    return samples if all((datasets_dir / f).exists() for f in samples) else IN_REPO_SAMPLES


def need_datasets(datasets_dir: Path, *files: str) -> None:
    """Skips the calling test when one of `files` (relative to the datasets folder) is missing:
    the in-repository subset lacks the logs whose licences forbid copying them here."""
    missing = sorted({f.split("/")[0] for f in files if not (datasets_dir / f).exists()})
    if missing:
        skip_needing(missing)


def skip_unless_found(found, full_datasets: bool) -> None:
    """A query chosen for the shared datasets must find something there; with the in-repository
    subset one that finds nothing is skipped (its other assertions would hold vacuously)."""
    if not found and not full_datasets:
        pytest.skip("a query chosen for the shared datasets finds nothing in tests/data/datasets: "
                    "set MINERVA_DATASETS to the shared datasets")


def skip_needing(folders: list[str]) -> None:
    """Skips the calling test, which needs these shared dataset folders."""
    pytest.skip(f"needs {', '.join(folders)} (not redistributable, not in tests/data/datasets): "
                "set MINERVA_DATASETS to the shared datasets")
