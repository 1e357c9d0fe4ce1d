//! Shared helpers: index files through the library into a temporary data folder, read every
//! written Parquet file back, and compute the expected records of an input independently.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use flate2::Compression;
use flate2::write::GzEncoder;
use minerva_indexer::{
    IndexReport, IndexerConfig, ObjectReport, Progress, index_inputs, list_inputs,
};
use minerva_store::{DataStore, Location};
use tempfile::TempDir;

mod tables;

pub use tables::{
    IndexRow, MessageRow, check_consistency, data_files, read_indices, read_messages,
};

/// Indexes `inputs` (files or folders) into the data folder `data`, as `minerva index` does.
pub fn index_paths(inputs: &[&Path], data: &Path, config: &IndexerConfig) -> IndexReport {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let specs: Vec<String> = inputs
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let store = DataStore::open(&Location::Local(data.to_path_buf())).expect("open data");
        let listed = list_inputs(&specs, config, Some(data))
            .await
            .expect("list inputs");
        index_inputs(&store, listed, config, Arc::new(Progress::default()))
            .await
            .expect("index inputs")
    })
}

/// One input file indexed alone into its own data folder.
pub struct Single {
    /// Keeps the input and data folders alive.
    pub _dir: TempDir,
    /// `file://` URI of the input, as written to `source` and named in warnings.
    pub uri: String,
    pub report: ObjectReport,
    pub messages: Vec<MessageRow>,
    pub indices: Vec<IndexRow>,
    pub files: Vec<String>,
}

impl Single {
    /// The (field, term) pairs indexed for the record `seq`.
    pub fn terms(&self, seq: i64) -> BTreeSet<(String, String)> {
        self.indices
            .iter()
            .filter(|r| r.seq == seq)
            .map(|r| (r.field.clone(), r.term.clone()))
            .collect()
    }

    /// True when record `seq` has `term` under `field`.
    pub fn has(&self, seq: i64, field: &str, term: &str) -> bool {
        self.indices
            .iter()
            .any(|r| r.seq == seq && r.field == field && r.term == term)
    }

    /// The message row of record `seq` (exactly one must exist).
    pub fn message(&self, seq: i64) -> &MessageRow {
        let rows: Vec<&MessageRow> = self.messages.iter().filter(|m| m.seq == seq).collect();
        assert_eq!(rows.len(), 1, "record {seq} stored {} times", rows.len());
        rows[0]
    }
}

/// Writes `bytes` as `name` in a fresh folder and indexes it alone (default configuration).
pub fn index_bytes(name: &str, bytes: &[u8]) -> Single {
    index_bytes_with(
        name,
        bytes,
        &IndexerConfig {
            parallelism: 1,
            ..Default::default()
        },
        None,
    )
}

/// Like [`index_bytes`], with a configuration and optionally the file's mtime.
pub fn index_bytes_with(
    name: &str,
    bytes: &[u8],
    config: &IndexerConfig,
    mtime: Option<std::time::SystemTime>,
) -> Single {
    let dir = tempfile::tempdir().expect("tempdir");
    let input_dir = dir.path().join("in");
    fs::create_dir_all(&input_dir).expect("mkdir");
    let input = input_dir.join(name);
    fs::write(&input, bytes).expect("write input");
    if let Some(mtime) = mtime {
        fs::File::options()
            .write(true)
            .open(&input)
            .and_then(|f| f.set_modified(mtime))
            .expect("mtime");
    }
    let data = dir.path().join("data");
    let report = index_paths(&[&input], &data, config);
    assert_eq!(report.objects.len(), 1, "one object listed");
    let report = report.objects.into_iter().next().expect("report");
    let uri = format!(
        "file://{}",
        input.canonicalize().expect("canonical").display()
    );
    assert_eq!(report.uri, uri);
    let messages = read_messages(&data);
    let indices = read_indices(&data);
    let files = data_files(&data);
    let single = Single {
        _dir: dir,
        uri,
        report,
        messages,
        indices,
        files,
    };
    check_consistency(&single.messages, &single.indices, &single.files);
    single
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Microseconds since the epoch of a UTC date and time.
pub fn utc_us(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
    ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000_000 + s * 1_000_000
}

/// The `dt` partition value (`YYYY-MM-DD-HH`) of a time in microseconds.
pub fn dt_of(us: i64) -> String {
    let hours = us.div_euclid(3_600_000_000);
    let (days, hour) = (hours.div_euclid(24), hours.rem_euclid(24));
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}-{hour:02}")
}

/// The records a line-oriented input must produce: `(seq, bytes)` of every non-blank line,
/// with the `\n`, one trailing `\r` and a BOM on the first line removed.
pub fn expected_lines(input: &[u8]) -> Vec<(i64, Vec<u8>)> {
    let mut pieces: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop(); // after the final newline (or an empty input)
    }
    let mut out = Vec::new();
    for (i, piece) in pieces.into_iter().enumerate() {
        let mut line = piece.strip_suffix(b"\r").unwrap_or(piece);
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            out.push((i as i64, line.to_vec()));
        }
    }
    out
}

/// Asserts that the stored messages are exactly `expected` records `(seq, original bytes)`:
/// `message` is the (lossy) text, `raw` the bytes when they are not UTF-8 and null otherwise.
pub fn assert_records(single: &Single, expected: &[(i64, Vec<u8>)]) {
    let mut got: Vec<&MessageRow> = single.messages.iter().collect();
    got.sort_by_key(|m| m.seq);
    let got_seqs: Vec<i64> = got.iter().map(|m| m.seq).collect();
    let want_seqs: Vec<i64> = expected.iter().map(|(s, _)| *s).collect();
    assert_eq!(got_seqs, want_seqs, "stored seq numbers");
    for (m, (seq, bytes)) in got.iter().zip(expected) {
        assert_eq!(m.source, single.uri);
        let utf8 = std::str::from_utf8(bytes).is_ok();
        assert!(
            m.message == String::from_utf8_lossy(bytes),
            "message of record {seq} differs"
        );
        if utf8 {
            assert_eq!(m.raw, None, "raw of valid UTF-8 record {seq}");
        } else {
            assert!(
                m.raw.as_deref() == Some(bytes.as_slice()),
                "raw of record {seq}"
            );
        }
    }
    assert_eq!(
        single.report.records,
        expected.len() as u64,
        "report.records"
    );
    let ids: BTreeSet<&str> = single
        .messages
        .iter()
        .map(|m| m.object_id.as_str())
        .collect();
    assert!(ids.len() <= 1, "one object id per object");
}

/// A small seeded pseudo-random generator (xorshift64*), so inputs are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `data` gzip-compressed.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}
