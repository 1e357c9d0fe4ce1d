//! Helpers shared by the integration tests: reading generated files and whole-word matching.

#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use minerva_generator::{GenerateOptions, Manifest, generate};

/// Generates into a fresh temp dir.
pub fn gen_into(opts: GenerateOptions) -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = GenerateOptions {
        out_dir: dir.path().to_path_buf(),
        ..opts
    };
    let m = generate(&opts, &mut |_| {}).expect("generate");
    (dir, m)
}

/// Small options suitable for debug-build tests.
pub fn small(total_bytes: u64) -> GenerateOptions {
    GenerateOptions {
        total_bytes,
        files_per_kind: 2,
        ..GenerateOptions::default()
    }
}

/// The uncompressed text of a generated file.
pub fn read_text(dir: &Path, rel: &str) -> String {
    let raw = fs::read(dir.join(rel)).expect("read generated file");
    if rel.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .expect("gunzip");
        s
    } else {
        String::from_utf8(raw).expect("utf-8")
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-_$%#+~".contains(&c)
}

/// True if `needle` occurs in `hay` as a whole word (ASCII case-insensitive): not glued to
/// word characters, and an address is not continued by `.digit` / `:hex` on either side.
pub fn contains_whole(hay: &str, needle: &str) -> bool {
    let h = hay.to_ascii_lowercase().into_bytes();
    let n = needle.to_ascii_lowercase().into_bytes();
    if n.is_empty() || h.len() < n.len() {
        return false;
    }
    // Addresses are not cut out of longer dotted/colon runs (`10.172.31.255.77`, `::1337:5`).
    let ip_like = n.iter().any(|c| matches!(c, b'.' | b':'))
        && n.iter()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':'));
    let check_before = is_word(n[0]);
    let check_after = is_word(n[n.len() - 1]);
    (0..=h.len() - n.len()).any(|i| {
        if h[i..i + n.len()] != n[..] {
            return false;
        }
        if check_before && i > 0 {
            let p = h[i - 1];
            if is_word(p)
                || (matches!(p, b'.' | b':') && i >= 2 && h[i - 2].is_ascii_alphanumeric())
            {
                return false;
            }
        }
        let j = i + n.len();
        if check_after && j < h.len() {
            let c = h[j];
            if is_word(c)
                || (ip_like
                    && matches!(c, b'.' | b':')
                    && j + 1 < h.len()
                    && h[j + 1].is_ascii_alphanumeric())
            {
                return false;
            }
        }
        true
    })
}

/// Every string (and number, as text) in a JSON value.
pub fn json_leaves(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Bool(b) => out.push(b.to_string()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_leaves(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_leaves(x, out)),
        serde_json::Value::Null => {}
    }
}

/// The searchable texts of one line: the string leaves for JSON, the line itself otherwise.
pub fn line_texts(line: &str, json: bool) -> Vec<String> {
    if json {
        let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let mut out = Vec::new();
        json_leaves(&v, &mut out);
        out
    } else {
        vec![line.to_string()]
    }
}

/// Looks up a dotted path in a JSON value.
pub fn json_path<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The time of a record line of `kind` (start time for VPC Flow Logs).
pub fn record_time(kind: &str, line: &str, year: i32) -> DateTime<Utc> {
    let parse = |s: &str, f: &str| {
        NaiveDateTime::parse_from_str(s, f)
            .unwrap_or_else(|e| panic!("bad time {s:?} ({f}): {e}"))
            .and_utc()
    };
    match kind {
        "cloudtrail" => {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            parse(v["eventTime"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%SZ")
        }
        "windows" => {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = &v["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"];
            parse(t.as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.6fZ")
        }
        "vpcflow" => {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(f.len(), 14, "{line}");
            let start: i64 = f[10].parse().unwrap();
            let end: i64 = f[11].parse().unwrap();
            assert!(end >= start, "{line}");
            DateTime::from_timestamp(start, 0).unwrap()
        }
        "sshd" => parse(&format!("{year} {}", &line[..15]), "%Y %b %e %H:%M:%S"),
        "web" => {
            let s = line.find('[').unwrap() + 1;
            parse(&line[s..s + 20], "%d/%b/%Y:%H:%M:%S")
        }
        k => panic!("unknown kind {k}"),
    }
}
