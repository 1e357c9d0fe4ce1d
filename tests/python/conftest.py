"""Fixtures of the minerva end-to-end tests.

Environment (exported by scripts/test.sh):
- MINERVA_BIN: the `minerva` binary (default: $CARGO_TARGET_DIR or ~/.cache/minerva-target,
  then debug/minerva);
- MINERVA_DATASETS: the full shared real logs; without it the permissively licensed subset kept
  in tests/data/datasets is used and the tests that need other files are skipped (counted in
  the summary);
- MINERVA_TEST_S3_ENDPOINT: an S3-compatible server (moto); S3 tests skip without it.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import helpers  # noqa: E402


@pytest.fixture(scope="session")
def minerva_bin() -> str:
    default_target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/minerva-target"))
    path = os.environ.get("MINERVA_BIN") or str(Path(default_target, "debug", "minerva"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"minerva binary not found at {path}: build it or set MINERVA_BIN")
    return path


IN_REPO_DATASETS = Path(__file__).resolve().parents[1] / "data" / "datasets"


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    configured = os.environ.get("MINERVA_DATASETS")
    path = Path(configured) if configured else IN_REPO_DATASETS
    if not (path / "README.md").is_file():
        pytest.fail(f"datasets not found at {path}: set MINERVA_DATASETS to the shared real logs")
    return path.resolve()


def pytest_terminal_summary(terminalreporter):
    """Says how many tests were skipped, grouped by reason."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    terminalreporter.write_sep("=", f"{len(skipped)} skipped")
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{count:4d} × {reason}")


@pytest.fixture(scope="session")
def full_datasets(datasets_dir) -> bool:
    """True with the team's full shared datasets, False with the in-repository subset."""
    return all((datasets_dir / f).is_dir() for f in ("loghub_2k", "zeek_wrccdc2018_brimdata"))


@pytest.fixture(scope="session")
def needle(full_datasets) -> str:
    """An IP address with records in the datasets (Zeek DNS server; else a Suricata source)."""
    return "10.0.0.1" if full_datasets else "10.128.0.221"


@dataclass
class IndexedDatasets:
    data: Path  # the --data folder
    report: dict  # the parsed --report-json
    inputs: list[Path]  # every input file, as listed independently in Python


@pytest.fixture(scope="session")
def datasets_index(minerva_bin, datasets_dir, tmp_path_factory) -> IndexedDatasets:
    """The whole shared dataset folder indexed once into a temporary folder."""
    root = tmp_path_factory.mktemp("datasets-index")
    data = root / "data"
    report = helpers.index(minerva_bin, str(data), [str(datasets_dir)], report=root / "report.json")
    return IndexedDatasets(data=data, report=report, inputs=helpers.input_files(datasets_dir))


@pytest.fixture(scope="session")
def merged_datasets_index(minerva_bin, datasets_index, tmp_path_factory) -> IndexedDatasets:
    """A copy of `datasets_index` after `minerva merge --all`: few large files per hour."""
    data = tmp_path_factory.mktemp("datasets-merged") / "data"
    shutil.copytree(datasets_index.data, data)
    proc = helpers.run_minerva(minerva_bin, ["merge", "--all", "--data", str(data)])
    assert proc.returncode == 0, proc.stderr
    small = len(list(datasets_index.data.rglob("*.parquet")))
    merged = len(list(data.rglob("*.parquet")))
    assert merged < small, f"merging left {merged} of {small} files"
    return IndexedDatasets(data=data, report=datasets_index.report, inputs=datasets_index.inputs)


@pytest.fixture()
def duck() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection (UTC session time zone)."""
    con = helpers.connect()
    yield con
    con.close()


@pytest.fixture(scope="session")
def datasets_db(datasets_index) -> duckdb.DuckDBPyConnection:
    """DuckDB with `messages` and `indices` views over the indexed shared datasets."""
    con = helpers.connect()
    helpers.create_views(con, datasets_index.data)
    yield con
    con.close()


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    endpoint = os.environ.get("MINERVA_TEST_S3_ENDPOINT")
    if not endpoint:
        pytest.skip("MINERVA_TEST_S3_ENDPOINT is not set: start `moto_server -H 127.0.0.1 -p PORT` "
                    "and export MINERVA_TEST_S3_ENDPOINT=http://127.0.0.1:PORT (scripts/test.sh does)")
    return endpoint
