//! Compressed input that is cut short or followed by garbage: what was decoded is kept, and
//! the object's report carries an error naming it.

use std::io::Read;

use flate2::read::MultiGzDecoder;

use crate::support::{Rng, Single, assert_records, expected_lines, gzip, index_bytes};

/// What flate2 decodes from `gz` before it fails, and whether it failed.
fn decode_prefix(gz: &[u8]) -> (Vec<u8>, bool) {
    let mut decoder = MultiGzDecoder::new(gz);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => return (out, false),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, true),
        }
    }
}

fn check_truncated_gzip(lines: usize, min_records: usize) {
    let mut rng = Rng::new(7);
    let text: String = (0..lines)
        .map(|i| {
            format!(
                "{i:06} user{} login from 10.0.{}.{} id {:016x}\n",
                i % 97,
                i % 256,
                rng.below(256),
                rng.next_u64()
            )
        })
        .collect();
    let mut gz = gzip(text.as_bytes());
    gz.truncate(gz.len() / 2);
    let (decoded, failed) = decode_prefix(&gz);
    assert!(failed, "a truncated gzip must fail to decode");
    assert!(text.as_bytes().starts_with(&decoded));
    let expected = expected_lines(&decoded);
    let complete = decoded.iter().filter(|&&b| b == b'\n').count();
    let partial = usize::from(!decoded.ends_with(b"\n"));
    assert_eq!(expected.len(), complete + partial);
    assert!(
        expected.len() >= min_records,
        "only {} lines decoded",
        expected.len()
    );

    let single = index_bytes("auth.log.gz", &gz);
    assert_records(&single, &expected);
    assert!(single.report.gzip);
    assert_failed(&single);
}

#[test]
fn truncated_gzip_keeps_what_was_decoded_and_reports_an_error() {
    // Cut after the first 64 KiB of content (read while sniffing the format), and within it.
    check_truncated_gzip(5_000, 1_000);
    check_truncated_gzip(300, 50);
    // Cut inside the gzip header: nothing to store, still an error.
    let gz = gzip(b"one\ntwo\n");
    let single = index_bytes("header.gz", &gz[..6]);
    assert!(single.messages.is_empty() && single.files.is_empty());
    assert_failed(&single);
}

fn assert_failed(single: &Single) {
    let error = single
        .report
        .error
        .as_deref()
        .expect("the failure is reported");
    assert!(error.contains(&single.uri), "{error}");
}

#[test]
fn a_truncated_gzip_document_is_read_as_lines() {
    let records: Vec<String> = (0..3_000)
        .map(|i| format!("    {{\"eventTime\": \"2024-02-03T04:{:02}:00Z\", \"eventSource\": \"s3.amazonaws.com\", \"n\": {i}}}", i % 60))
        .collect();
    let doc = format!("{{\"Records\": [\n{}\n]}}\n", records.join(",\n"));
    let mut gz = gzip(doc.as_bytes());
    gz.truncate(gz.len() * 2 / 3);
    let (decoded, failed) = decode_prefix(&gz);
    assert!(failed && decoded.len() > 64 * 1024);
    let single = index_bytes("trail.json.gz", &gz);
    assert_records(&single, &expected_lines(&decoded));
    assert_failed(&single);
}

#[test]
fn garbage_after_a_gzip_member_is_reported() {
    let text: String = (0..2_000)
        .map(|i| format!("line {i} of the first member\n"))
        .collect();
    let mut gz = gzip(text.as_bytes());
    gz.extend_from_slice(&gzip(b"second member\n"));
    gz.extend_from_slice(b"\0\0\0\0 not gzip at all\n");
    let single = index_bytes("rotated.log.gz", &gz);
    let mut want = text.clone();
    want.push_str("second member\n");
    assert_records(&single, &expected_lines(want.as_bytes()));
    assert_failed(&single);
}
