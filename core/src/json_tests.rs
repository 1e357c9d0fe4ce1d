use proptest::prelude::*;

use super::*;

fn flat(input: &str) -> Result<Vec<String>, JsonError> {
    let mut out = Vec::new();
    JsonFlattener::new().flatten(input.as_bytes(), &mut |path: &str, leaf: Leaf<'_>| {
        out.push(format!("{path}={}", leaf.text()))
    })?;
    Ok(out)
}

#[test]
fn teardown_reference_record() {
    // Teardown §3.2: the same record, with the fixes this design asks for (exact numbers,
    // true/false, arrays under their own path, nothing for null/empty).
    let got = flat(
        r#"{"src":{"ip":"10.0.0.1","port":443},"tags":["a b",{"k":"v"}],"ok":true,"ng":false,
            "nil":null,"empty":"","zero":0,"ts":1571630400,"emptyobj":{},"emptyarr":[],
            "nested":{"arr":[[1,2],[3]]}}"#,
    )
    .unwrap();
    assert_eq!(
        got,
        [
            "src.ip=10.0.0.1",
            "src.port=443",
            "tags=a b",
            "tags.k=v",
            "ok=true",
            "ng=false",
            "zero=0",
            "ts=1571630400",
            "nested.arr=1",
            "nested.arr=2",
            "nested.arr=3",
        ]
    );
}

#[test]
fn numbers_keep_their_exact_text() {
    assert_eq!(
        flat(r#"{"a":12345678901234567890123,"b":-1.50,"c":1e+09,"d":0.5}"#).unwrap(),
        ["a=12345678901234567890123", "b=-1.50", "c=1e+09", "d=0.5"]
    );
}

#[test]
fn dotted_keys_are_kept() {
    assert_eq!(
        flat(r#"{"id.orig_h":"10.1.2.3","id":{"resp_p":53}}"#).unwrap(),
        ["id.orig_h=10.1.2.3", "id.resp_p=53"]
    );
}

#[test]
fn escapes_are_decoded() {
    assert_eq!(
        flat(r#"{"p":"C:\\Windows\\cmd.exe","q":"a\"b","u":"\u00e9\ud83d\ude00","k\n":"x"}"#)
            .unwrap(),
        [r"p=C:\Windows\cmd.exe", "q=a\"b", "u=é😀", "k\n=x"]
    );
    // A lone surrogate is replaced, not rejected.
    assert_eq!(flat(r#"{"s":"\ud800x"}"#).unwrap(), ["s=\u{FFFD}x"]);
}

#[test]
fn scalars_at_the_root() {
    assert_eq!(flat("42").unwrap(), ["=42"]);
    assert_eq!(flat(r#" "hi" "#).unwrap(), ["=hi"]);
    assert!(flat("null").unwrap().is_empty());
}

#[test]
fn invalid_json_is_rejected() {
    for bad in [
        "",
        "{",
        r#"{"a":1"#,
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{a:1}"#,
        "[1 2]",
        "01",
        "1.",
        "-",
        "tru",
        r#"{"a":1} {"b":2}"#,
        "{\"a\":\"\u{1}\"}",
        r#"{"a":"\x"}"#,
        r#"{"a":"\u12"}"#,
        "not json",
    ] {
        assert!(flat(bad).is_err(), "{bad:?} should be rejected");
    }
    // Invalid UTF-8 inside a string.
    let mut flattener = JsonFlattener::new();
    assert!(
        flattener
            .flatten(b"{\"a\":\"\xff\"}", &mut |_: &str, _: Leaf<'_>| {})
            .is_err()
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 100_000;
    let doc = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(flat(&doc).unwrap(), ["=1"]);
    let doc = format!("{}\"x\"{}", "{\"k\":".repeat(depth), "}".repeat(depth));
    let leaves = flat(&doc).unwrap();
    assert_eq!(leaves.len(), 1);
    assert!(leaves[0].ends_with("k.k=x"));
    // Unbalanced deep input is an error, not a crash.
    assert!(flat(&"[".repeat(depth)).is_err());
}

#[test]
fn finds_records_of_documents() {
    let doc = br#"{"Records":[{"a":1},{"b":[2,3]}]}"#;
    let ranges = document_records(doc).unwrap();
    let parts: Vec<&[u8]> = ranges.iter().map(|r| &doc[r.clone()]).collect();
    assert_eq!(parts, [&br#"{"a":1}"#[..], &br#"{"b":[2,3]}"#[..]]);

    let doc = b" [ {\"x\":\"]\"} ,\n 5, \"s\" ]\n";
    let ranges = document_records(doc).unwrap();
    let parts: Vec<&[u8]> = ranges.iter().map(|r| &doc[r.clone()]).collect();
    assert_eq!(parts, [&b"{\"x\":\"]\"}"[..], &b"5"[..], &b"\"s\""[..]]);

    // Other keys before Records are skipped.
    let doc = br#"{"meta":{"n":[1,{"Records":2}]},"Records":[{"c":3}]}"#;
    assert_eq!(document_records(doc).unwrap().len(), 1);

    // Not documents of records.
    assert!(document_records(br#"{"a":1}"#).is_none());
    assert!(document_records(br#"{"Records":5}"#).is_none());
    assert!(document_records(b"{\"a\":1}\n{\"b\":2}\n").is_none());
    assert!(document_records(br#"[{"a":1}"#).is_none());
    assert!(document_records(b"hello").is_none());
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = JsonFlattener::new().flatten(&bytes, &mut |_: &str, _: Leaf<'_>| {});
        let _ = document_records(&bytes);
    }

    #[test]
    fn agrees_with_serde_json_on_validity(s in "[\\[\\]{}\":,0-9a-z. \\\\-]{0,40}") {
        let ours = JsonFlattener::new().flatten(s.as_bytes(), &mut |_: &str, _: Leaf<'_>| {}).is_ok();
        let theirs = serde_json::from_str::<serde_json::Value>(&s).is_ok();
        prop_assert_eq!(ours, theirs, "input {:?}", s);
    }
}
