"""Record times: the stored `timestamp` (UTC microseconds) of real records equals the time
written in the record, parsed here with Python's datetime (zones applied, no zone = UTC)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

import helpers

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(text: str) -> datetime:
    """RFC 3339 with `Z` or `±HHMM`/`±HH:MM` and an optional fraction (up to µs)."""
    fmt = "%Y-%m-%dT%H:%M:%S.%f%z" if "." in text else "%Y-%m-%dT%H:%M:%S%z"
    return datetime.strptime(text, fmt)


def json_field(name):
    def extract(line: bytes):
        value = dict(helpers.json_leaves(line)).get(name)
        return iso(value) if value else None
    return extract


def text_prefix(pattern: str, fmt: str, fraction_ms: bool = False):
    regex = re.compile(pattern)

    def extract(line: bytes):
        m = regex.match(line.decode("utf-8", "replace"))
        if not m:
            return None
        t = datetime.strptime(m.group(1), fmt).replace(tzinfo=UTC)
        return t.replace(microsecond=int(m.group(2)) * 1000) if fraction_ms else t
    return extract


# (dataset file, how the record's own time is written in each line)
CASES = {
    # Zeek: "ts":"2018-03-24T17:15:20.865716Z" (its "_write_ts" is the logging time, not used)
    "zeek_wrccdc2018_brimdata/dns.head8000.ndjson.gz": json_field("ts"),
    "zeek_wrccdc2018_brimdata/ssl.head4000.ndjson": json_field("ts"),
    # Suricata: "timestamp":"2018-03-24T14:37:19.037299-0600" (a UTC offset to apply)
    "suricata_eve_alerts_hassanabad/eve_alerts_wrccdc-2018.ndjson": json_field("timestamp"),
    "suricata_eve_alerts_hassanabad/eve_alerts_first-org-conf-2015.ndjson": json_field("timestamp"),
    # Kubernetes audit (v1beta1): "timestamp":"2018-10-25T13:58:49Z" (whole seconds), next to the
    # finer "requestReceivedTimestamp": the generic `timestamp` field is the record's time.
    "k8s_audit_falco/k8s_audit_events.ndjson": json_field("timestamp"),
    # CloudTrail: "eventTime":"2014-03-06T17:10:34Z"
    "aws_samples_elastic_grafana/cloudtrail_examples_elastic_beats.ndjson": json_field("eventTime"),
    # Zookeeper: "2015-07-29 17:41:44,747 - INFO ..."
    "loghub_2k/Zookeeper_2k.log": text_prefix(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ",
                                              "%Y-%m-%d %H:%M:%S", fraction_ms=True),
    "loghub_2k/Hadoop_2k.log": text_prefix(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ",
                                           "%Y-%m-%d %H:%M:%S", fraction_ms=True),
    # Spark: "17/06/09 20:10:40 INFO ..."
    "loghub_2k/Spark_2k.log": text_prefix(r"^(\d\d/\d\d/\d\d \d\d:\d\d:\d\d) ", "%y/%m/%d %H:%M:%S"),
    # HDFS: "081109 203615 148 INFO ..."
    "loghub_2k/HDFS_2k.log": text_prefix(r"^(\d{6} \d{6}) ", "%y%m%d %H%M%S"),
    # Windows CBS: "2016-09-28 04:30:30, Info ..."
    "loghub_2k/Windows_2k.log": text_prefix(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d), ",
                                            "%Y-%m-%d %H:%M:%S"),
    # Apache error log: "[Sun Dec 04 04:47:44 2005] [notice] ..."
    "loghub_2k/Apache_2k.log": text_prefix(r"^\[(\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4})\] ",
                                           "%a %b %d %H:%M:%S %Y"),
    # OpenStack: "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO ..."
    # (the first date is part of the log file's name; the record's time follows it)
    "loghub_2k/OpenStack_2k.log": text_prefix(
        r"^\S+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) ", "%Y-%m-%d %H:%M:%S", fraction_ms=True),
}


@pytest.mark.parametrize("rel", sorted(CASES))
def test_stored_time_is_the_records_own_time(datasets_index, datasets_db, datasets_dir, rel):
    helpers.need_datasets(datasets_dir, rel)
    path = datasets_dir / rel
    stored = dict(datasets_db.execute(
        "SELECT seq, epoch_us(timestamp) FROM messages WHERE source = ?", [f"file://{path}"]).fetchall())
    assert stored, rel
    extract = CASES[rel]
    checked = 0
    for seq, line in enumerate(helpers.split_lines(helpers.content(path))):
        if helpers.is_blank(line):
            continue
        expected = extract(line)
        if expected is None:
            continue  # no time of its own (e.g. a continuation line)
        want = (expected - EPOCH) // timedelta(microseconds=1)
        assert stored[seq] == want, (rel, seq, line[:120])
        checked += 1
    assert checked >= 0.9 * len(stored), (rel, checked, len(stored))
