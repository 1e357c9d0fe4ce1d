//! Hostile and broken inputs: every non-blank line is stored exactly once, nothing panics, and
//! the report says what went wrong and where.

use minerva_core::tokenizer::MAX_TOKEN_BYTES;
use minerva_indexer::lines::MAX_RECORD_BYTES;

use crate::support::{Rng, Single, assert_records, expected_lines, index_bytes};

fn join(lines: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

/// Asserts one warning per 0-based line in `seqs`, each naming the file and the 1-based line.
pub fn assert_warnings(single: &Single, seqs: &[i64]) {
    assert_eq!(
        single.report.warnings.len(),
        seqs.len(),
        "{:?}",
        single.report.warnings
    );
    for seq in seqs {
        let needle = format!("{} line {}:", single.uri, seq + 1);
        assert!(
            single
                .report
                .warnings
                .iter()
                .any(|w| w.starts_with(&needle)),
            "no warning {needle:?} in {:?}",
            single.report.warnings
        );
    }
}

fn check_malformed_json(lines: &[&[u8]], malformed: &[i64]) {
    let input = join(lines);
    let single = index_bytes("events.jsonl", &input);
    assert_records(&single, &expected_lines(&input));
    assert_eq!(single.report.error, None);
    assert_eq!(single.report.unparsed, malformed.len() as u64);
    assert_eq!((single.report.truncated, single.report.blank), (0, 1));
    assert_warnings(&single, malformed);
    assert!(
        single
            .report
            .warnings
            .iter()
            .all(|w| w.contains("indexed as text"))
    );
    assert!(single.messages.iter().all(|m| m.tag == "events"));
    for (seq, line) in lines.iter().enumerate() {
        let seq = seq as i64;
        let text = String::from_utf8_lossy(line);
        if malformed.contains(&seq) {
            let terms = single.terms(seq);
            assert!(!terms.is_empty(), "malformed line {seq} has no terms");
            assert!(
                terms.iter().all(|(field, _)| field.is_empty()),
                "line {seq}: {terms:?}"
            );
        } else if text.contains("Alice") {
            assert!(
                single.has(seq, "user.name", "alice"),
                "{:?}",
                single.terms(seq)
            );
            assert!(single.has(seq, "user.id", "7"));
        } else if text.contains("Bob") {
            assert!(single.has(seq, "user.name", "bob"));
            assert!(single.has(seq, "tags", "red") && single.has(seq, "tags", "blue"));
        }
    }
}

#[test]
fn malformed_json_lines_are_indexed_as_text_and_reported() {
    let valid_a: &[u8] = br#"{"eventTime":"2024-05-01T10:00:00Z","user":{"name":"Alice","id":7}}"#;
    let valid_b: &[u8] = br#"{"user":{"name":"Bob"},"tags":["red","blue"]}"#;
    // A valid first line (JSON lines layout), then the same lines with a broken first line
    // (which first makes the indexer try the object as one document).
    check_malformed_json(
        &[
            valid_a,
            br#"{"a":1"#,
            br#"{"a":}"#,
            b"",
            b"{bad}",
            br#"{"a":1} x"#,
            valid_b,
            b"plain",
        ],
        &[1, 2, 4, 5],
    );
    check_malformed_json(
        &[
            br#"{"a":1"#,
            valid_a,
            br#"{"a":}"#,
            b"",
            b"{bad}",
            br#"{"a":1} x"#,
            valid_b,
            b"plain",
        ],
        &[0, 2, 4, 5],
    );
    let single = index_bytes(
        "x.jsonl",
        &join(&[br#"{"a":1} trailing"#, br#"{"b":"ok"}"#]),
    );
    assert!(single.has(0, "", "trailing") && single.has(1, "b", "ok"));
}

#[test]
fn invalid_utf8_is_kept_raw_and_the_text_is_lossy() {
    let lines: [&[u8]; 4] = [
        b"text line with bad \xff\xfe bytes here",
        b"{\"msg\":\"caf\xe9 latte\",\"user\":\"carol\"}",
        b"{\"msg\":\"valid \xc3\xa9t\xc3\xa9\"}",
        b"plain valid text \xe2\x82\xac",
    ];
    let input = join(&lines);
    let single = index_bytes("mixed.log", &input);
    assert_records(&single, &expected_lines(&input));
    assert!(single.message(0).raw.is_some() && single.message(1).raw.is_some());
    assert!(single.message(2).raw.is_none() && single.message(3).raw.is_none());
    assert!(single.message(0).message.contains('\u{FFFD}'));
    assert!(single.has(0, "", "bad") && single.has(0, "", "here"));
    // Invalid UTF-8 inside a JSON string is not JSON (RFC 8259): stored and indexed as text.
    assert_eq!(single.report.unparsed, 1);
    assert_warnings(&single, &[1]);
    assert!(single.has(1, "", "carol"));
    assert!(single.has(2, "msg", "été"));
}

#[test]
fn bom_and_crlf_are_stripped() {
    let json = b"\xEF\xBB\xBF{\"a\":\"x1\"}\r\n{\"a\":\"x2\"}\r\n\r\nplain words\r\n";
    let single = index_bytes("bom.jsonl", json);
    assert_records(&single, &expected_lines(json));
    assert_eq!(single.message(0).message, r#"{"a":"x1"}"#);
    assert_eq!((single.report.unparsed, single.report.blank), (0, 1));
    assert!(single.has(0, "a", "x1") && single.has(1, "a", "x2") && single.has(3, "", "words"));

    let text = b"\xEF\xBB\xBFfirst line\r\nsecond line\r\nlast\r";
    let single = index_bytes("bom.log", text);
    assert_records(&single, &expected_lines(text));
    assert_eq!(single.message(0).message, "first line");
    assert_eq!(single.message(2).message, "last");
    assert!(single.has(0, "", "first"));

    let csv = b"\xEF\xBB\xBFname,ip\r\nbob,10.1.2.3\r\n";
    let single = index_bytes("bom.csv", csv);
    assert_records(&single, &expected_lines(csv));
    assert!(single.has(1, "name", "bob"), "{:?}", single.terms(1));
    assert!(single.has(1, "ip", "10.1.2.3"));
}

#[test]
fn ten_megabyte_lines_are_stored_whole_with_capped_terms() {
    let value: String = "abcdefghij".repeat(1_000_000);
    let line = format!(r#"{{"blob":"{value}","user":"dave"}}"#);
    let input = format!("{line}\n{{\"user\":\"erin\"}}\n");
    let single = index_bytes("big.jsonl", input.as_bytes());
    assert_records(&single, &expected_lines(input.as_bytes()));
    assert_eq!(single.message(0).message.len(), line.len());
    assert_eq!(single.report.unparsed, 0);
    assert!(single.has(0, "user", "dave") && single.has(1, "user", "erin"));
    let blob: Vec<String> = single
        .terms(0)
        .into_iter()
        .filter(|(f, _)| f == "blob")
        .map(|(_, t)| t)
        .collect();
    assert_eq!(blob, [value[..MAX_TOKEN_BYTES].to_owned()]);

    let word = "Q".repeat(10 * 1024 * 1024);
    let input = format!("start {word} end\nnext line\n");
    let single = index_bytes("big.log", input.as_bytes());
    assert_records(&single, &expected_lines(input.as_bytes()));
    assert_eq!(single.message(0).message.len(), word.len() + 10);
    let capped = "q".repeat(MAX_TOKEN_BYTES);
    let want = [("", "end"), ("", capped.as_str()), ("", "start")];
    let want = want
        .map(|(f, t)| (f.to_owned(), t.to_owned()))
        .into_iter()
        .collect();
    assert_eq!(single.terms(0), want);
}

#[test]
fn lines_over_the_record_limit_are_cut_and_reported() {
    let mut input = vec![b'z'; MAX_RECORD_BYTES + 100];
    input.extend_from_slice(b"\nafter the long one\n");
    let single = index_bytes("huge.log", &input);
    let expected = vec![
        (0, vec![b'z'; MAX_RECORD_BYTES]),
        (1, b"after the long one".to_vec()),
    ];
    assert_records(&single, &expected);
    assert_eq!(single.report.truncated, 1);
    assert_warnings(&single, &[0]);
    assert!(single.has(1, "", "long"));
}

#[test]
fn a_line_of_exactly_the_limit_ending_in_crlf_is_not_cut() {
    let mut input = vec![b'y'; MAX_RECORD_BYTES];
    input.extend_from_slice(b"\r\nnext\r\n");
    let single = index_bytes("limit.log", &input);
    assert_records(&single, &expected_lines(&input));
    assert_eq!(single.report.truncated, 0, "{:?}", single.report.warnings);
}

#[test]
fn report_bytes_count_the_uncompressed_input() {
    let text = b"first line\n\nsecond line\n";
    assert_eq!(index_bytes("lf.log", text).report.bytes, text.len() as u64);
    let gz = crate::support::gzip(text);
    assert_eq!(
        index_bytes("lf.log.gz", &gz).report.bytes,
        text.len() as u64
    );
    let doc = br#"[{"a":1},{"a":2}]"#;
    assert_eq!(index_bytes("doc.json", doc).report.bytes, doc.len() as u64);
}

#[test]
fn report_bytes_count_crlf_bom_and_unterminated_input() {
    for text in [
        &b"first\r\nsecond\r\n"[..],
        b"\xEF\xBB\xBFfirst\nsecond\n",
        b"first\nsecond",
    ] {
        let single = index_bytes("x.log", text);
        assert_eq!(
            single.report.bytes,
            text.len() as u64,
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    const DEPTH: usize = 10_000;
    let objects = format!("{}\"x\"{}", "{\"a\":".repeat(DEPTH), "}".repeat(DEPTH));
    let arrays = format!(
        "{{\"arr\":{}\"y\"{}}}",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    let unclosed = "{\"a\":".repeat(DEPTH);
    let input = format!("{objects}\n{arrays}\n{unclosed}\n{{\"after\":\"ok\"}}\n");
    let single = index_bytes("deep.jsonl", input.as_bytes());
    assert_records(&single, &expected_lines(input.as_bytes()));
    let path = vec!["a"; DEPTH].join(".");
    assert!(single.has(0, &path, "x"));
    assert!(single.has(1, "arr", "y"));
    assert!(single.has(3, "after", "ok"));
    assert_eq!(single.report.unparsed, 1);
    assert_warnings(&single, &[2]);

    // A top-level array is a document: its one element (9,999 levels deep) is the record.
    let doc = format!("{}\"z\"{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let single = index_bytes("deep.json", doc.as_bytes());
    assert_eq!(single.messages.len(), 1);
    assert_eq!(single.message(0).message, doc[1..doc.len() - 1]);
    assert!(single.terms(0).iter().any(|(_, t)| t == "z"));
}

#[test]
fn empty_and_blank_files_store_nothing() {
    let single = index_bytes("empty.log", b"");
    assert!(single.files.is_empty() && single.messages.is_empty());
    assert_eq!((single.report.records, single.report.lines), (0, 0));
    assert_eq!(single.report.error, None);
    assert!(single.report.warnings.is_empty());

    let single = index_bytes("blank.log", b"\n\n   \r\n\t\n\r\n");
    assert!(single.files.is_empty() && single.messages.is_empty());
    assert_eq!(
        (
            single.report.records,
            single.report.blank,
            single.report.lines
        ),
        (0, 5, 5)
    );
    assert_eq!(single.report.error, None);
}

#[test]
fn binary_bytes_are_stored_line_by_line() {
    let mut rng = Rng::new(0x5eed);
    let mut input: Vec<u8> = (0..200_000)
        .map(|_| match rng.below(40) {
            0 => b'\n',
            1 => 0,
            _ => rng.below(256) as u8,
        })
        .collect();
    input[0] = b'#'; // not gzip magic, not a document
    input.extend_from_slice(b"\0\0\0\n\0");
    let single = index_bytes("blob.bin", &input);
    let expected = expected_lines(&input);
    assert!(expected.len() > 4_000);
    assert_records(&single, &expected);
    let json_like = expected
        .iter()
        .filter(|(_, l)| l.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
        .count();
    assert_eq!(single.report.unparsed, json_like as u64);
    let lines = input.split(|&b| b == b'\n').count() as u64;
    assert_eq!(single.report.lines, lines);
    assert_eq!(single.report.blank, lines - expected.len() as u64);
    assert_eq!(single.report.error, None);
}
