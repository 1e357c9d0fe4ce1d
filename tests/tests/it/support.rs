//! Shared helpers: index files through the library into a temporary data folder, read every
//! written Parquet file back, and compute the expected records of an input independently.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use minerva_indexer::{IndexReport, IndexerConfig, ObjectReport, Progress, index_inputs, list_inputs};
use minerva_store::{DataStore, Location};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tempfile::TempDir;

/// One row of a `messages` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// Path of the file relative to the data folder.
    pub file: String,
    pub tag: String,
    pub timestamp: i64,
    pub object_id: String,
    pub seq: i64,
    pub source: String,
    pub message: String,
    pub raw: Option<Vec<u8>>,
}

/// One row of an `indices` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    /// Path of the file relative to the data folder.
    pub file: String,
    pub tag: String,
    pub timestamp: i64,
    pub field: String,
    pub term: String,
    pub object_id: String,
    pub seq: i64,
}

/// Indexes `inputs` (files or folders) into the data folder `data`, as `minerva index` does.
pub fn index_paths(inputs: &[&Path], data: &Path, config: &IndexerConfig) -> IndexReport {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let specs: Vec<String> = inputs.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let store = DataStore::open(&Location::Local(data.to_path_buf())).expect("open data");
        let listed = list_inputs(&specs, config, Some(data)).await.expect("list inputs");
        index_inputs(&store, listed, config, Arc::new(Progress::default()))
            .await
            .expect("index inputs")
    })
}

/// Every file under `dir`, as sorted paths relative to it (with `/` separators).
pub fn data_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("under base");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn batches(path: &Path) -> Vec<arrow_array::RecordBatch> {
    let file = fs::File::open(path).expect("open parquet");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet footer")
        .build()
        .expect("parquet reader");
    reader.map(|b| b.expect("parquet batch")).collect()
}

fn strings(batch: &arrow_array::RecordBatch, name: &str) -> Vec<String> {
    let column = batch.column_by_name(name).unwrap_or_else(|| panic!("column {name}"));
    let array = column.as_string::<i32>();
    assert_eq!(array.null_count(), 0, "column {name} has nulls");
    array.iter().map(|v| v.unwrap_or_default().to_owned()).collect()
}

fn ints(batch: &arrow_array::RecordBatch, name: &str) -> Vec<i64> {
    batch.column_by_name(name).expect("seq").as_primitive::<Int64Type>().values().to_vec()
}

fn times(batch: &arrow_array::RecordBatch) -> Vec<i64> {
    let column = batch.column_by_name("timestamp").expect("timestamp");
    column.as_primitive::<TimestampMicrosecondType>().values().to_vec()
}

/// Reads every `messages` file under `data`, in file order then row order.
pub fn read_messages(data: &Path) -> Vec<MessageRow> {
    let mut out = Vec::new();
    for file in data_files(data).into_iter().filter(|f| f.starts_with("messages/")) {
        for batch in batches(&data.join(&file)) {
            let raw = batch.column_by_name("raw").expect("raw").as_binary::<i32>();
            let (tag, ts, id) = (strings(&batch, "tag"), times(&batch), strings(&batch, "object_id"));
            let (seq, source) = (ints(&batch, "seq"), strings(&batch, "source"));
            let message = strings(&batch, "message");
            for i in 0..batch.num_rows() {
                out.push(MessageRow {
                    file: file.clone(),
                    tag: tag[i].clone(),
                    timestamp: ts[i],
                    object_id: id[i].clone(),
                    seq: seq[i],
                    source: source[i].clone(),
                    message: message[i].clone(),
                    raw: (!raw.is_null(i)).then(|| raw.value(i).to_vec()),
                });
            }
        }
    }
    out
}

/// Reads every `indices` file under `data`, in file order then row order.
pub fn read_indices(data: &Path) -> Vec<IndexRow> {
    let mut out = Vec::new();
    for file in data_files(data).into_iter().filter(|f| f.starts_with("indices/")) {
        for batch in batches(&data.join(&file)) {
            let (tag, ts, field) = (strings(&batch, "tag"), times(&batch), strings(&batch, "field"));
            let (term, id, seq) =
                (strings(&batch, "term"), strings(&batch, "object_id"), ints(&batch, "seq"));
            for i in 0..batch.num_rows() {
                out.push(IndexRow {
                    file: file.clone(),
                    tag: tag[i].clone(),
                    timestamp: ts[i],
                    field: field[i].clone(),
                    term: term[i].clone(),
                    object_id: id[i].clone(),
                    seq: seq[i],
                });
            }
        }
    }
    out
}

/// One input file indexed alone into its own data folder.
pub struct Single {
    /// Keeps the input and data folders alive.
    pub dir: TempDir,
    pub input: PathBuf,
    pub data: PathBuf,
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
        self.indices.iter().any(|r| r.seq == seq && r.field == field && r.term == term)
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
    index_bytes_with(name, bytes, &IndexerConfig { parallelism: 1, ..Default::default() }, None)
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
        fs::File::options().write(true).open(&input).and_then(|f| f.set_modified(mtime)).expect("mtime");
    }
    let data = dir.path().join("data");
    let report = index_paths(&[&input], &data, config);
    assert_eq!(report.objects.len(), 1, "one object listed");
    let report = report.objects.into_iter().next().expect("report");
    let uri = format!("file://{}", input.canonicalize().expect("canonical").display());
    assert_eq!(report.uri, uri);
    let messages = read_messages(&data);
    let indices = read_indices(&data);
    let files = data_files(&data);
    let single = Single { dir, input, data, uri, report, messages, indices, files };
    check_consistency(&single.messages, &single.indices, &single.files);
    single
}

/// Invariants of any data folder: only `{table}/dt=…/{id}-NNNN.parquet` files, in pairs; each
/// row in the folder of its own hour; every index row points at a stored message with the same
/// tag and time; no (object, seq) stored twice.
pub fn check_consistency(messages: &[MessageRow], indices: &[IndexRow], files: &[String]) {
    for file in files {
        let parts: Vec<&str> = file.split('/').collect();
        assert_eq!(parts.len(), 3, "unexpected file {file}");
        assert!(parts[0] == "messages" || parts[0] == "indices", "unexpected file {file}");
        assert!(parts[1].starts_with("dt="), "unexpected folder {file}");
        let name = parts[2].strip_suffix(".parquet").unwrap_or_else(|| panic!("not parquet: {file}"));
        let (id, part) = name.split_at(name.len() - 5);
        assert_eq!(id.len(), 32, "object id in {file}");
        assert!(part.starts_with('-') && part[1..].bytes().all(|b| b.is_ascii_digit()), "{file}");
        let twin = if parts[0] == "messages" { "indices" } else { "messages" };
        assert!(files.contains(&format!("{twin}/{}/{}", parts[1], parts[2])), "{file} has no twin");
    }
    let mut by_key: BTreeMap<(&str, i64), &MessageRow> = BTreeMap::new();
    for m in messages {
        assert_eq!(folder_dt(&m.file), dt_of(m.timestamp), "message {} in {}", m.seq, m.file);
        assert!(m.file.contains(&m.object_id), "{} holds rows of {}", m.file, m.object_id);
        let previous = by_key.insert((&m.object_id, m.seq), m);
        assert!(previous.is_none(), "record {} of {} stored twice", m.seq, m.object_id);
    }
    for r in indices {
        let m = by_key
            .get(&(r.object_id.as_str(), r.seq))
            .unwrap_or_else(|| panic!("index row {r:?} points at no message"));
        assert_eq!((&r.tag, r.timestamp), (&m.tag, m.timestamp), "index row {r:?}");
        assert_eq!(folder_dt(&r.file), folder_dt(&m.file), "index row {r:?}");
        assert!(!r.term.is_empty() && r.term.len() <= minerva_core::tokenizer::MAX_TOKEN_BYTES);
    }
}

fn folder_dt(file: &str) -> String {
    file.split('/').nth(1).and_then(|d| d.strip_prefix("dt=")).unwrap_or_default().to_owned()
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
        assert!(m.message == String::from_utf8_lossy(bytes), "message of record {seq} differs");
        if utf8 {
            assert_eq!(m.raw, None, "raw of valid UTF-8 record {seq}");
        } else {
            assert!(m.raw.as_deref() == Some(bytes.as_slice()), "raw of record {seq}");
        }
    }
    assert_eq!(single.report.records, expected.len() as u64, "report.records");
    let ids: BTreeSet<&str> = single.messages.iter().map(|m| m.object_id.as_str()).collect();
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
