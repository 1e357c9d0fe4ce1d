//! Indexing the same objects again rewrites the same files with the same bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use minerva_indexer::IndexerConfig;

use crate::support::{
    check_consistency, data_files, gzip, index_paths, read_indices, read_messages,
};

/// A folder of inputs in several formats; returns the number of records it holds.
fn write_corpus(dir: &Path) -> usize {
    fs::create_dir_all(dir.join("sub")).expect("mkdir");
    let mut records = 0;
    let mut put = |name: &str, bytes: Vec<u8>, n: usize| {
        fs::write(dir.join(name), bytes).expect("write");
        records += n;
    };
    let jsonl: String = (0..500)
        .map(|i| {
            format!(
                "{{\"timestamp\":\"2024-01-0{}T{:02}:{:02}:00Z\",\"user\":\"u{i}\"}}\n",
                1 + i % 3,
                i % 24,
                i % 60
            )
        })
        .collect();
    put("events.jsonl", jsonl.into_bytes(), 500);
    let text: String = (0..300)
        .map(|i| format!("2024-01-02 03:{:02}:00 sshd[{i}]: Accepted key\n", i % 60))
        .collect();
    put("sub/auth.log", gzip(text.as_bytes()), 300);
    put(
        "sub/users.csv",
        b"time,user\n2024-01-01T00:00:00Z,ann\n2024-01-01T05:00:00Z,ben\n".to_vec(),
        3,
    );
    let trail = r#"{"Records":[{"eventTime":"2024-01-03T00:00:00Z","eventSource":"s3.amazonaws.com"},{"eventTime":"2024-01-03T01:00:00Z","eventSource":"ec2.amazonaws.com"}]}"#;
    put("sub/trail.json", trail.as_bytes().to_vec(), 2);
    put(
        "notes.txt",
        b"no time at all\n\nbut two records\n".to_vec(),
        2,
    );
    put(".hidden.log", b"hidden files are skipped\n".to_vec(), 0);
    records
}

fn snapshot(data: &Path) -> BTreeMap<String, Vec<u8>> {
    data_files(data)
        .into_iter()
        .map(|f| (f.clone(), fs::read(data.join(&f)).expect("read")))
        .collect()
}

#[test]
fn indexing_twice_rewrites_identical_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, data) = (dir.path().join("logs"), dir.path().join("data"));
    let records = write_corpus(&input);

    let config = IndexerConfig {
        parallelism: 2,
        ..Default::default()
    };
    let first_report = index_paths(&[&input], &data, &config);
    assert_eq!(first_report.objects.len(), 5);
    assert!(first_report.objects.iter().all(|o| o.error.is_none()));
    let first = snapshot(&data);
    let messages = read_messages(&data);
    assert_eq!(messages.len(), records);
    assert_eq!(first_report.records(), records as u64);
    assert_eq!(first_report.files_written(), first.len() as u64);
    check_consistency(&messages, &read_indices(&data), &data_files(&data));

    // Again, into the same folder, one object at a time.
    let config = IndexerConfig {
        parallelism: 1,
        ..Default::default()
    };
    let second_report = index_paths(&[&input], &data, &config);
    let second = snapshot(&data);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (file, bytes) in &first {
        assert!(second[file] == *bytes, "{file} changed");
    }
    assert_eq!(read_messages(&data).len(), records);
    assert_eq!(second_report.records(), first_report.records());

    // And into a fresh folder: the same bytes again.
    let other = dir.path().join("other");
    index_paths(&[&input], &other, &config);
    assert!(
        snapshot(&other) == first,
        "a fresh run wrote different files"
    );
}

#[test]
fn the_data_folder_inside_the_input_is_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().to_path_buf();
    let records = write_corpus(&input.join("logs"));
    let data = input.join("minerva-data");
    let config = IndexerConfig {
        parallelism: 2,
        ..Default::default()
    };
    let first = index_paths(&[&input], &data, &config);
    assert_eq!(first.objects.len(), 5);
    let files = snapshot(&data);
    let second = index_paths(&[&input], &data, &config);
    assert_eq!(
        second.objects.len(),
        5,
        "the data folder itself was indexed"
    );
    assert!(snapshot(&data) == files);
    assert_eq!(read_messages(&data).len(), records);
}

#[cfg(unix)]
#[test]
fn files_whose_names_differ_only_in_invalid_utf8_are_distinct_objects() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, data) = (dir.path().join("logs"), dir.path().join("data"));
    fs::create_dir_all(&input).expect("mkdir");
    let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    for (name, text) in [
        (&b"app\xff.log"[..], "alpha line\n"),
        (b"app\xfe.log", "bravo line\n"),
    ] {
        let path = input.join(OsStr::from_bytes(name));
        fs::write(&path, text).expect("write");
        let file = fs::File::options().write(true).open(&path).expect("open");
        file.set_modified(mtime).expect("mtime");
    }
    let config = IndexerConfig {
        parallelism: 1,
        ..Default::default()
    };
    let report = index_paths(&[&input], &data, &config);
    assert_eq!(report.objects.len(), 2);
    let messages = read_messages(&data);
    let ids: std::collections::BTreeSet<&str> =
        messages.iter().map(|m| m.object_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "one object id for two files: {messages:?}");
    assert_eq!(messages.len(), 2);
}
