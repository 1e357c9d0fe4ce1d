//! Record times and hourly `dt=` partitions, including records that carry no time of their own.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use minerva_indexer::IndexerConfig;

use crate::support::{
    Single, assert_records, expected_lines, index_bytes, index_bytes_with, utc_us,
};

fn at(us: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(u64::try_from(us).expect("after 1970"))
}

fn with_mtime(name: &str, text: &str, mtime_us: i64) -> Single {
    let config = IndexerConfig {
        parallelism: 1,
        ..Default::default()
    };
    index_bytes_with(name, text.as_bytes(), &config, Some(at(mtime_us)))
}

fn times(single: &Single) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = single
        .messages
        .iter()
        .map(|m| (m.seq, m.timestamp))
        .collect();
    out.sort_unstable();
    out
}

fn folders(single: &Single) -> BTreeSet<String> {
    single
        .files
        .iter()
        .map(|f| f.rsplit_once('/').expect("folder").0.to_owned())
        .collect()
}

#[test]
fn records_land_in_the_folder_of_their_hour() {
    let text = "{\"timestamp\":\"2024-03-01T10:59:59.999999Z\",\"n\":\"a\"}\n\
                {\"timestamp\":\"2024-03-01T11:00:00Z\",\"n\":\"b\"}\n\
                {\"timestamp\":\"2024-03-01T13:30:00+01:00\",\"n\":\"c\"}\n\
                {\"timestamp\":1709294400,\"n\":\"d\"}\n\
                {\"timestamp\":\"2024-03-01T11:15:00Z\",\"n\":\"e\"}\n";
    let single = index_bytes("hours.jsonl", text.as_bytes());
    assert_records(&single, &expected_lines(text.as_bytes()));
    assert_eq!(
        times(&single),
        [
            (0, utc_us(2024, 3, 1, 10, 59, 59) + 999_999),
            (1, utc_us(2024, 3, 1, 11, 0, 0)),
            (2, utc_us(2024, 3, 1, 12, 30, 0)),
            (3, utc_us(2024, 3, 1, 12, 0, 0)),
            (4, utc_us(2024, 3, 1, 11, 15, 0)),
        ]
    );
    let id = &single.messages[0].object_id;
    let mut want = Vec::new();
    for table in ["indices", "messages"] {
        for hour in 10..=12 {
            want.push(format!("{table}/dt=2024-03-01-{hour}/{id}-0000.parquet"));
        }
    }
    assert_eq!(single.files, want);
    let partitions: Vec<&str> = single
        .report
        .partitions
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        partitions,
        ["2024-03-01-10", "2024-03-01-11", "2024-03-01-12"]
    );
    let in_11: BTreeSet<i64> = single
        .messages
        .iter()
        .filter(|m| m.file.starts_with("messages/dt=2024-03-01-11/"))
        .map(|m| m.seq)
        .collect();
    assert_eq!(in_11, BTreeSet::from([1, 4]));
    assert_eq!(
        single.report.min_time_us,
        Some(utc_us(2024, 3, 1, 10, 59, 59) + 999_999)
    );
    assert_eq!(
        single.report.max_time_us,
        Some(utc_us(2024, 3, 1, 12, 30, 0))
    );
}

#[test]
fn untimed_records_take_a_neighbours_time() {
    let text = "{\"msg\":\"leading one\"}\n\
                leading two has no time\n\
                \n\
                {\"@timestamp\":\"2024-03-01T10:15:00Z\",\"msg\":\"first\"}\n\
                {\"msg\":\"continuation\"}\n\
                {\"time\":\"2024-03-01T14:00:00Z\",\"msg\":\"second\"}\n\
                \x20   at com.example.Foo.run(Foo.java:42)\n\
                {\"time\":\"2024-03-01T14:05:00Z\",\"msg\":\"third\"}\n";
    // An mtime in another year: no record may take it.
    let single = with_mtime("app.log", text, utc_us(2022, 1, 1, 0, 0, 0));
    assert_records(&single, &expected_lines(text.as_bytes()));
    let (first, second) = (utc_us(2024, 3, 1, 10, 15, 0), utc_us(2024, 3, 1, 14, 0, 0));
    assert_eq!(
        times(&single),
        [
            (0, first),
            (1, first),
            (3, first),
            (4, first),
            (5, second),
            (6, second),
            (7, utc_us(2024, 3, 1, 14, 5, 0)),
        ]
    );
    let want: BTreeSet<String> = ["indices", "messages"]
        .iter()
        .flat_map(|t| {
            [
                format!("{t}/dt=2024-03-01-10"),
                format!("{t}/dt=2024-03-01-14"),
            ]
        })
        .collect();
    assert_eq!(folders(&single), want);
}

#[test]
fn no_timestamp_counts_only_records_given_the_object_time() {
    let text = "leading, no time\n\
                {\"time\":\"2024-03-01T10:00:00Z\"}\n\
                continuation, no time\n";
    let single = with_mtime("few.log", text, utc_us(2022, 1, 1, 0, 0, 0));
    let first = utc_us(2024, 3, 1, 10, 0, 0);
    assert_eq!(times(&single), [(0, first), (1, first), (2, first)]);
    // Documented as "records given the object's time": none were. (Counting the records that
    // lack a time of their own would give 2; the leading one alone is counted.)
    assert_eq!(single.report.no_timestamp, 0);
}

#[test]
fn objects_without_any_time_use_the_file_mtime() {
    let mtime = utc_us(2021, 6, 15, 8, 30, 0);
    let text = "no time here\n{\"msg\":\"nor here\"}\nstill nothing\n";
    let single = with_mtime("notime.log", text, mtime);
    assert_records(&single, &expected_lines(text.as_bytes()));
    assert!(
        single.messages.iter().all(|m| m.timestamp == mtime),
        "{:?}",
        times(&single)
    );
    assert_eq!(single.report.no_timestamp, 3);
    let want: BTreeSet<String> = ["indices/dt=2021-06-15-08", "messages/dt=2021-06-15-08"]
        .map(String::from)
        .into();
    assert_eq!(folders(&single), want);

    // The same for a JSON document and a gzip file.
    let doc = r#"[{"a":"one"},{"a":"two"}]"#;
    let single = with_mtime("doc.json", doc, mtime);
    assert_eq!(single.messages.len(), 2);
    assert!(single.messages.iter().all(|m| m.timestamp == mtime));
    let config = IndexerConfig {
        parallelism: 1,
        ..Default::default()
    };
    let gz = crate::support::gzip(text.as_bytes());
    let single = index_bytes_with("notime.log.gz", &gz, &config, Some(at(mtime)));
    assert_eq!(single.messages.len(), 3);
    assert!(single.messages.iter().all(|m| m.timestamp == mtime));
}

#[test]
fn fresh_files_without_times_are_never_dated_1970() {
    let text = "plain line\nanother plain line\n";
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_micros() as i64;
    let single = index_bytes("fresh.log", text.as_bytes());
    assert_eq!(single.messages.len(), 2);
    for m in &single.messages {
        // The file was written just now: its mtime is within a minute of `before`.
        assert!(
            (m.timestamp - before).abs() < 60_000_000,
            "timestamp {}",
            m.timestamp
        );
        assert!(
            !m.file.contains("dt=1970-") && !m.file.contains("dt=0000-"),
            "{}",
            m.file
        );
    }
}
