//! A small memory budget splits an hour into several part files; together they hold every
//! record exactly once and each file is sorted on its own.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use minerva_indexer::IndexerConfig;

use crate::support::{IndexRow, Rng, Single, assert_records, expected_lines, index_bytes_with};

fn small_budget() -> IndexerConfig {
    IndexerConfig {
        memory_budget_bytes: 1 << 20,
        parallelism: 1,
        ..Default::default()
    }
}

/// Checks the part files of every `dt` folder: numbered from 0 without gaps, each `indices`
/// file sorted by (term, field) and each `messages` file by seq, and every index row stored
/// in the part of its message. Returns the number of parts per folder.
fn check_parts(single: &Single) -> BTreeMap<String, usize> {
    let id = &single.messages[0].object_id;
    let mut parts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &single.files {
        let (folder, name) = file.rsplit_once('/').expect("folder");
        let dt = folder.split_once('/').expect("table").1.to_owned();
        parts.entry(dt).or_default().insert(name.to_owned());
    }
    let mut counts = BTreeMap::new();
    for (dt, names) in &parts {
        let want: BTreeSet<String> = (0..names.len())
            .map(|p| format!("{id}-{p:04}.parquet"))
            .collect();
        assert_eq!(names, &want, "parts of {dt}");
        counts.insert(dt.clone(), names.len());
    }
    let mut by_file: BTreeMap<&str, Vec<&IndexRow>> = BTreeMap::new();
    for row in &single.indices {
        by_file.entry(&row.file).or_default().push(row);
    }
    for (file, rows) in &by_file {
        for pair in rows.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let ordered =
                (a.term.as_bytes(), a.field.as_bytes()) <= (b.term.as_bytes(), b.field.as_bytes());
            assert!(ordered, "{file} is not sorted: {a:?} before {b:?}");
        }
    }
    let mut message_file: BTreeMap<i64, &str> = BTreeMap::new();
    let mut last: BTreeMap<&str, i64> = BTreeMap::new();
    for m in &single.messages {
        message_file.insert(m.seq, m.file.trim_start_matches("messages/"));
        let previous = last.insert(&m.file, m.seq);
        assert!(
            previous.is_none_or(|p| p < m.seq),
            "{} is not sorted by seq",
            m.file
        );
    }
    for row in &single.indices {
        assert_eq!(
            row.file.trim_start_matches("indices/"),
            message_file[&row.seq],
            "{row:?}"
        );
    }
    counts
}

/// Asserts that every record `i` has the term `user{i}` under `user`.
fn assert_user_terms(single: &Single, n: usize) {
    let pairs: HashSet<(i64, &str, &str)> = single
        .indices
        .iter()
        .map(|r| (r.seq, r.field.as_str(), r.term.as_str()))
        .collect();
    for i in 0..n {
        let term = format!("user{i}");
        assert!(
            pairs.contains(&(i as i64, "user", term.as_str())),
            "record {i} lost {term}"
        );
    }
}

#[test]
fn one_hour_over_budget_is_written_as_several_sorted_parts() {
    const N: usize = 25_000;
    let mut rng = Rng::new(42);
    let text: String = (0..N)
        .map(|i| {
            format!(
                "{{\"timestamp\":\"2024-04-01T09:{:02}:{:02}Z\",\"user\":\"user{i}\",\"src\":\"10.{}.{}.{}\",\"action\":\"{}\",\"session\":\"{:016x}\"}}\n",
                i * 60 / N,
                i % 60,
                rng.below(256),
                rng.below(256),
                rng.below(256),
                ["login", "logout", "read", "write"][i % 4],
                rng.next_u64()
            )
        })
        .collect();
    assert!(text.len() > 3_000_000);
    let single = index_bytes_with("big.jsonl", text.as_bytes(), &small_budget(), None);
    assert_records(&single, &expected_lines(text.as_bytes()));
    let counts = check_parts(&single);
    assert_eq!(counts.keys().collect::<Vec<_>>(), ["dt=2024-04-01-09"]);
    assert!(counts["dt=2024-04-01-09"] >= 3, "only {counts:?} parts");
    assert_eq!(single.report.files_written, single.files.len() as u64);
    assert_eq!(single.report.index_rows, single.indices.len() as u64);
    assert_user_terms(&single, N);
}

#[test]
fn several_hours_over_budget_keep_every_record_once() {
    const N: usize = 30_000;
    let mut rng = Rng::new(9);
    let text: String = (0..N)
        .map(|i| {
            let hour = 10 + rng.below(3);
            match i % 10 {
                // Untimed lines take the previous record's time.
                9 => format!("   continuation of record {} user user{i}\n", i - 1),
                _ => format!(
                    "2024-04-02T{hour}:{:02}:{:02}Z host{} user user{i} op {:x}\n",
                    rng.below(60),
                    rng.below(60),
                    rng.below(50),
                    rng.next_u64()
                ),
            }
        })
        .collect();
    let single = index_bytes_with("mixed.log", text.as_bytes(), &small_budget(), None);
    assert_records(&single, &expected_lines(text.as_bytes()));
    let counts = check_parts(&single);
    let dts: Vec<&String> = counts.keys().collect();
    assert_eq!(
        dts,
        ["dt=2024-04-02-10", "dt=2024-04-02-11", "dt=2024-04-02-12"]
    );
    assert!(counts.values().sum::<usize>() > 3, "no split: {counts:?}");
    // Continuation lines share the time of the line before them.
    let time: BTreeMap<i64, i64> = single
        .messages
        .iter()
        .map(|m| (m.seq, m.timestamp))
        .collect();
    for seq in (9..N as i64).step_by(10) {
        assert_eq!(time[&seq], time[&(seq - 1)], "record {seq}");
    }
    let pairs: HashSet<(i64, &str)> = single
        .indices
        .iter()
        .map(|r| (r.seq, r.term.as_str()))
        .collect();
    for i in 0..N {
        assert!(
            pairs.contains(&(i as i64, format!("user{i}").as_str())),
            "record {i}"
        );
    }
}
