//! End-to-end tests of `generate`: determinism, sizes, formats, times and needles.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use chrono::{Datelike, Duration, TimeZone, Utc};
use common::*;
use minerva_generator::{GenerateError, GenerateOptions, LogKind, MANIFEST_FILE, generate};

/// All files under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_options_give_byte_identical_output() {
    let (a, ma) = gen_into(small(2_000_000));
    let (b, mb) = gen_into(small(2_000_000));
    assert_eq!(ma, mb);
    let (ta, tb) = (tree(a.path()), tree(b.path()));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{k} differs between runs");
    }
    assert!(ta.contains_key(MANIFEST_FILE));
    assert_eq!(ta.len(), 1 + 5 * 2);

    let (c, _) = gen_into(GenerateOptions {
        seed: 7,
        ..small(2_000_000)
    });
    let tc = tree(c.path());
    assert_ne!(ta["sshd/sshd-0000.log"], tc["sshd/sshd-0000.log"]);
}

#[test]
fn total_size_is_within_two_percent_and_manifest_matches_files() {
    for total in [1_000_000u64, 6_000_000] {
        let (dir, m) = gen_into(small(total));
        let dev = (m.total_bytes as f64 - total as f64).abs() / total as f64;
        assert!(dev <= 0.02, "total {} vs requested {total}", m.total_bytes);
        let mut lines = 0;
        for f in &m.files {
            let text = read_text(dir.path(), &f.path);
            assert_eq!(text.len() as u64, f.bytes, "{}", f.path);
            assert_eq!(f.disk_bytes, f.bytes);
            assert_eq!(text.lines().count() as u64, f.lines, "{}", f.path);
            assert!(text.ends_with('\n'));
            lines += f.lines;
        }
        assert_eq!(lines, m.total_lines);
        // Kinds get roughly equal shares.
        for k in LogKind::ALL {
            let kb: u64 = m
                .files
                .iter()
                .filter(|f| f.kind == k.name())
                .map(|f| f.bytes)
                .sum();
            let share = kb as f64 / m.total_bytes as f64;
            assert!((0.17..0.23).contains(&share), "{k}: {share}");
        }
    }
}

#[test]
fn files_parse_and_records_are_in_time_order_within_the_span() {
    let opts = GenerateOptions {
        start: Utc.with_ymd_and_hms(2024, 2, 28, 18, 30, 0).unwrap(),
        span: Duration::hours(12),
        ..small(3_000_000)
    };
    let (start, end) = (opts.start, opts.start + opts.span);
    let (dir, m) = gen_into(opts);
    for f in &m.files {
        let text = read_text(dir.path(), &f.path);
        let mut prev = start;
        let mut times = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if f.kind == "vpcflow" && i == 0 {
                assert!(line.starts_with("version account-id interface-id srcaddr"));
                continue;
            }
            if f.kind == "cloudtrail" || f.kind == "windows" {
                let v: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("{}:{i}: {e}: {line}", f.path));
                assert!(v.is_object());
            }
            if f.kind == "vpcflow" {
                let end_field: i64 = line.split(' ').nth(11).unwrap().parse().unwrap();
                assert!(end_field < end.timestamp(), "{}:{i}", f.path);
            }
            let t = record_time(&f.kind, line, start.year());
            assert!(t >= start && t < end, "{}:{i}: {t} outside span", f.path);
            assert!(t >= prev, "{}:{i}: time goes backwards", f.path);
            prev = t;
            times.push(t);
        }
        assert_eq!(times.len() as u64, f.records);
        // Each file covers (most of) the whole span.
        let covered = *times.last().unwrap() - times[0];
        assert!(
            covered > Duration::hours(11),
            "{} covers only {covered}",
            f.path
        );
        let first = chrono::DateTime::parse_from_rfc3339(&f.first_time).unwrap();
        let last = chrono::DateTime::parse_from_rfc3339(&f.last_time).unwrap();
        assert_eq!(first, times[0]);
        assert_eq!(last, *times.last().unwrap());
    }
}

/// (file, line) pairs where each needle occurs as a whole word, by scanning everything.
fn scan_needles(
    dir: &Path,
    m: &minerva_generator::Manifest,
) -> BTreeMap<String, BTreeSet<(String, u64)>> {
    let mut found: BTreeMap<String, BTreeSet<(String, u64)>> = m
        .needles
        .iter()
        .map(|n| (n.value.clone(), BTreeSet::new()))
        .collect();
    for f in &m.files {
        let json = f.path.contains(".jsonl");
        for (i, line) in read_text(dir, &f.path).lines().enumerate() {
            let texts = line_texts(line, json);
            for n in &m.needles {
                if texts.iter().any(|t| contains_whole(t, &n.value)) {
                    found
                        .get_mut(&n.value)
                        .unwrap()
                        .insert((f.path.clone(), i as u64));
                }
            }
        }
    }
    found
}

#[test]
fn needles_occur_exactly_where_the_manifest_says() {
    let (dir, m) = gen_into(small(4_000_000));
    assert!(m.needles.len() >= 15);
    let found = scan_needles(dir.path(), &m);
    let mut kinds_with_needles = BTreeSet::new();
    for n in &m.needles {
        assert!((1..=5).contains(&n.occurrences.len()), "{}", n.value);
        let want: BTreeSet<(String, u64)> = n
            .occurrences
            .iter()
            .map(|o| (o.file.clone(), o.line))
            .collect();
        assert_eq!(
            want.len(),
            n.occurrences.len(),
            "{}: duplicate records",
            n.value
        );
        assert_eq!(
            found[&n.value], want,
            "whole-word occurrences of {}",
            n.value
        );
        for o in &n.occurrences {
            let text = read_text(dir.path(), &o.file);
            let line = text.lines().nth(o.line as usize).unwrap();
            if o.file.contains(".jsonl") {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let field = json_path(&v, &o.field)
                    .unwrap_or_else(|| panic!("{}: no field {} in {line}", n.value, o.field));
                let s = field
                    .as_str()
                    .map_or_else(|| field.to_string(), str::to_string);
                assert!(
                    contains_whole(&s, &n.value),
                    "{}: field {} = {s}",
                    n.value,
                    o.field
                );
            } else {
                assert!(contains_whole(line, &n.value), "{} not in {line}", n.value);
                assert!(!o.field.is_empty());
            }
            let kind = o.file.split('/').next().unwrap().to_string();
            let t = record_time(&kind, line, 2024);
            assert_eq!(chrono::DateTime::parse_from_rfc3339(&o.time).unwrap(), t);
            kinds_with_needles.insert(kind);
        }
        if let Some(twin) = &n.twin_of {
            assert!(
                m.needle(twin).is_some(),
                "twin {} of missing needle",
                n.value
            );
            assert!(
                found[twin].is_disjoint(&found[&n.value]),
                "{} shares a record with {twin}",
                n.value
            );
        }
    }
    assert_eq!(kinds_with_needles.len(), 5);
    // The primary IPv4 needle is in every kind.
    let ip = m.needle("172.31.255.77").unwrap();
    let kinds: BTreeSet<&str> = ip
        .occurrences
        .iter()
        .map(|o| o.file.split('/').next().unwrap())
        .collect();
    assert_eq!(kinds.len(), 5);
}

#[test]
fn needles_survive_tiny_budgets_and_kind_subsets() {
    let (dir, m) = gen_into(GenerateOptions {
        total_bytes: 3_000,
        kinds: vec![LogKind::Sshd, LogKind::WindowsEvent],
        files_per_kind: 3,
        ..GenerateOptions::default()
    });
    assert_eq!(m.files.len(), 6);
    assert!(m.files.iter().all(|f| f.records >= 1));
    let found = scan_needles(dir.path(), &m);
    for n in &m.needles {
        let want: BTreeSet<(String, u64)> = n
            .occurrences
            .iter()
            .map(|o| (o.file.clone(), o.line))
            .collect();
        assert_eq!(found[&n.value], want, "{}", n.value);
        assert!(
            n.occurrences
                .iter()
                .all(|o| o.file.starts_with("sshd/") || o.file.starts_with("windows/"))
        );
    }
    // Every needle has a field in windows events, so none is dropped.
    assert_eq!(m.needles.len(), 19);
}

#[test]
fn gzip_output_decompresses_to_the_plain_output() {
    let (plain, mp) = gen_into(small(1_500_000));
    let (gz, mg) = gen_into(GenerateOptions {
        gzip: true,
        ..small(1_500_000)
    });
    assert_eq!(mp.files.len(), mg.files.len());
    for (a, b) in mp.files.iter().zip(&mg.files) {
        assert_eq!(format!("{}.gz", a.path), b.path);
        assert_eq!(a.bytes, b.bytes);
        assert!(b.disk_bytes < b.bytes / 2, "{} compresses poorly", b.path);
        assert_eq!(
            read_text(plain.path(), &a.path),
            read_text(gz.path(), &b.path)
        );
    }
    for (a, b) in mp.needles.iter().zip(&mg.needles) {
        for (x, y) in a.occurrences.iter().zip(&b.occurrences) {
            assert_eq!((format!("{}.gz", x.file), x.line), (y.file.clone(), y.line));
        }
    }
}

#[test]
fn manifest_round_trips_from_disk() {
    let (dir, m) = gen_into(small(500_000));
    let loaded = minerva_generator::Manifest::load(dir.path()).unwrap();
    assert_eq!(loaded, m);
    let text = fs::read_to_string(dir.path().join(MANIFEST_FILE)).unwrap();
    let keys: Vec<usize> = [
        "\"options\"",
        "\"files\"",
        "\"needles\"",
        "\"total_bytes\": ",
        "\"total_lines\"",
    ]
    .iter()
    .map(|k| text.rfind(k).unwrap())
    .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "stable key order");
    assert_eq!(
        m.options.kinds,
        ["cloudtrail", "vpcflow", "sshd", "web", "windows"]
    );
}

#[test]
fn common_terms_are_common() {
    let (dir, m) = gen_into(small(3_000_000));
    let count = |kind: &str, needle: &str| -> usize {
        m.files
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| read_text(dir.path(), &f.path).matches(needle).count())
            .sum()
    };
    let records = |kind: &str| -> u64 {
        m.files
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.records)
            .sum()
    };
    assert!(
        count("cloudtrail", "\"eventName\":\"GetObject\"") as f64
            > 0.15 * records("cloudtrail") as f64
    );
    assert!(count("sshd", "Failed password") as f64 > 0.2 * records("sshd") as f64);
    assert!(count("web", "\"GET ") as f64 > 0.7 * records("web") as f64);
    assert!(count("windows", "\"EventID\":4624") as f64 > 0.15 * records("windows") as f64);
    assert!(count("vpcflow", " ACCEPT OK") as f64 > 0.7 * records("vpcflow") as f64);
    assert!(count("web", "/wp-login.php") + count("web", "/.env") > 0);
    assert!(count("cloudtrail", "AccessDenied") > 0);
}

#[test]
fn invalid_options_are_rejected_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let base = GenerateOptions {
        out_dir: dir.path().to_path_buf(),
        ..GenerateOptions::default()
    };
    let cases = [
        (
            GenerateOptions {
                total_bytes: 0,
                ..base.clone()
            },
            "total_bytes",
        ),
        (
            GenerateOptions {
                span: Duration::zero(),
                ..base.clone()
            },
            "span",
        ),
        (
            GenerateOptions {
                span: Duration::milliseconds(-5),
                ..base.clone()
            },
            "span",
        ),
        (
            GenerateOptions {
                files_per_kind: 0,
                ..base.clone()
            },
            "files_per_kind",
        ),
        (
            GenerateOptions {
                kinds: vec![],
                ..base.clone()
            },
            "kinds",
        ),
        (
            GenerateOptions {
                kinds: vec![LogKind::Sshd, LogKind::Sshd],
                ..base.clone()
            },
            "twice",
        ),
        (
            GenerateOptions {
                start: Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0).unwrap(),
                ..base.clone()
            },
            "1970",
        ),
    ];
    for (opts, word) in cases {
        let e = generate(&opts, &mut |_| {}).unwrap_err();
        assert!(matches!(e, GenerateError::InvalidOptions(_)), "{e}");
        assert!(e.to_string().contains(word), "{e} should mention {word}");
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written on error"
    );
}

#[test]
fn kinds_parse_and_display() {
    for k in LogKind::ALL {
        assert_eq!(k.name().parse::<LogKind>().unwrap(), k);
        assert_eq!(k.to_string(), k.name());
    }
    assert_eq!("Web".parse::<LogKind>().unwrap(), LogKind::WebAccess);
    assert!("nginx".parse::<LogKind>().is_err());
}

#[test]
fn progress_is_reported_and_monotonic() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        out_dir: dir.path().to_path_buf(),
        ..small(3_000_000)
    };
    let mut seen = Vec::new();
    let m = generate(&opts, &mut |b| seen.push(b)).unwrap();
    assert!(seen.len() >= m.files.len());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*seen.last().unwrap(), m.total_bytes);
}

#[test]
fn sub_second_start_keeps_times_inside_the_span() {
    let start = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap() + Duration::milliseconds(700);
    let opts = GenerateOptions {
        start,
        span: Duration::seconds(3),
        ..small(200_000)
    };
    let (dir, m) = gen_into(opts);
    for f in &m.files {
        for (i, line) in read_text(dir.path(), &f.path).lines().enumerate() {
            if f.kind == "vpcflow" && i == 0 {
                continue;
            }
            let t = record_time(&f.kind, line, 2024);
            assert!(
                t >= start && t < start + Duration::seconds(3),
                "{}:{i} {t}",
                f.path
            );
        }
    }
}

#[test]
fn whole_word_check_tells_needles_from_near_twins() {
    assert!(contains_whole("from 172.31.255.77 port", "172.31.255.77"));
    assert!(!contains_whole("from 172.31.255.177 port", "72.31.255.77"));
    assert!(!contains_whole("from 172.31.255.77 port", "172.31.255.7"));
    assert!(!contains_whole("10.172.31.255.77", "172.31.255.77"));
    assert!(!contains_whole("172.31.255.77.5", "172.31.255.77"));
    assert!(contains_whole(
        "\"sourceIPAddress\":\"172.31.255.77\"",
        "172.31.255.77"
    ));
    assert!(!contains_whole("mizutani@cookpad.com", "tani@cookpad.com"));
    assert!(contains_whole("x/tani@cookpad.com", "tani@cookpad.com"));
    assert!(!contains_whole("zq-needle-user2 ", "zq-needle-user"));
    assert!(!contains_whole(
        "GET /needle/secret-path-old HTTP",
        "/needle/secret-path"
    ));
    assert!(contains_whole(
        "http://1.2.3.4/needle/secret-path",
        "/needle/secret-path"
    ));
    assert!(contains_whole("SHA256=ABCDEF,IMPHASH", "abcdef"));
    assert!(contains_whole("artifacts/abcdef.tar.gz", "abcdef"));
    assert!(!contains_whole(
        r"C:\Temp\needles.exe",
        r"C:\Temp\needle.exe"
    ));
}

/// FNV-1a over every file's path and contents, in path order.
fn fingerprint(dir: &Path) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for (k, v) in tree(dir) {
        for b in k.bytes().chain([0]).chain(v) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Pins the exact output for the default options at a small size. If this fails after an
/// intentional change to the generated data, update the constant (and say so in the change:
/// published benchmark data sets and expected search results change with it).
#[test]
fn output_is_pinned() {
    let (dir, _) = gen_into(GenerateOptions {
        total_bytes: 300_000,
        ..GenerateOptions::default()
    });
    assert_eq!(
        fingerprint(dir.path()),
        10_952_743_253_512_701_772,
        "generated data changed"
    );
}
