//! Reading the written Parquet files back into plain rows, and the invariants every data
//! folder must satisfy.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::dt_of;

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
    pub field: String,
    pub term: String,
    pub object_id: String,
    pub seq: i64,
}

/// Every file under `dir`, as sorted paths relative to it (with `/` separators).
pub fn data_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
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

fn batches(path: &Path) -> Vec<RecordBatch> {
    let file = fs::File::open(path).expect("open parquet");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet footer")
        .build()
        .expect("parquet reader");
    reader.map(|b| b.expect("parquet batch")).collect()
}

fn strings(batch: &RecordBatch, name: &str) -> Vec<String> {
    let column = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("column {name}"));
    let array = column.as_string::<i32>();
    assert_eq!(array.null_count(), 0, "column {name} has nulls");
    array
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect()
}

fn ints(batch: &RecordBatch, name: &str) -> Vec<i64> {
    batch
        .column_by_name(name)
        .expect("seq")
        .as_primitive::<Int64Type>()
        .values()
        .to_vec()
}

fn times(batch: &RecordBatch) -> Vec<i64> {
    let column = batch.column_by_name("timestamp").expect("timestamp");
    column
        .as_primitive::<TimestampMicrosecondType>()
        .values()
        .to_vec()
}

/// Reads every `messages` file under `data`, in file order then row order.
pub fn read_messages(data: &Path) -> Vec<MessageRow> {
    let mut out = Vec::new();
    for file in data_files(data)
        .into_iter()
        .filter(|f| f.starts_with("messages/"))
    {
        for batch in batches(&data.join(&file)) {
            let raw = batch.column_by_name("raw").expect("raw").as_binary::<i32>();
            let (tag, ts, id) = (
                strings(&batch, "tag"),
                times(&batch),
                strings(&batch, "object_id"),
            );
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
    for file in data_files(data)
        .into_iter()
        .filter(|f| f.starts_with("indices/"))
    {
        for batch in batches(&data.join(&file)) {
            assert!(
                batch.column_by_name("timestamp").is_none(),
                "format v2 indices hold no time"
            );
            let (tag, field) = (strings(&batch, "tag"), strings(&batch, "field"));
            let (term, id, seq) = (
                strings(&batch, "term"),
                strings(&batch, "object_id"),
                ints(&batch, "seq"),
            );
            for i in 0..batch.num_rows() {
                out.push(IndexRow {
                    file: file.clone(),
                    tag: tag[i].clone(),
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

/// Invariants of any data folder: only `{table}/dt=…/{id}-NNNN.parquet` files, in pairs; each
/// row in the folder of its own hour; every index row points at a stored message with the same
/// tag in the same hour; no (object, seq) stored twice.
pub fn check_consistency(messages: &[MessageRow], indices: &[IndexRow], files: &[String]) {
    for file in files {
        let parts: Vec<&str> = file.split('/').collect();
        assert_eq!(parts.len(), 3, "unexpected file {file}");
        assert!(
            parts[0] == "messages" || parts[0] == "indices",
            "unexpected file {file}"
        );
        assert!(parts[1].starts_with("dt="), "unexpected folder {file}");
        let name = parts[2]
            .strip_suffix(".parquet")
            .unwrap_or_else(|| panic!("not parquet: {file}"));
        let (id, part) = name.split_at(name.len() - 5);
        assert_eq!(id.len(), 32, "object id in {file}");
        assert!(
            part.starts_with('-') && part[1..].bytes().all(|b| b.is_ascii_digit()),
            "{file}"
        );
        let twin = if parts[0] == "messages" {
            "indices"
        } else {
            "messages"
        };
        assert!(
            files.contains(&format!("{twin}/{}/{}", parts[1], parts[2])),
            "{file} has no twin"
        );
    }
    let mut by_key: BTreeMap<(&str, i64), &MessageRow> = BTreeMap::new();
    for m in messages {
        assert_eq!(
            folder_dt(&m.file),
            dt_of(m.timestamp),
            "message {} in {}",
            m.seq,
            m.file
        );
        assert!(
            m.file.contains(&m.object_id),
            "{} holds rows of {}",
            m.file,
            m.object_id
        );
        let previous = by_key.insert((&m.object_id, m.seq), m);
        assert!(
            previous.is_none(),
            "record {} of {} stored twice",
            m.seq,
            m.object_id
        );
    }
    for r in indices {
        let m = by_key
            .get(&(r.object_id.as_str(), r.seq))
            .unwrap_or_else(|| panic!("index row {r:?} points at no message"));
        assert_eq!(r.tag, m.tag, "index row {r:?}");
        assert_eq!(folder_dt(&r.file), folder_dt(&m.file), "index row {r:?}");
        assert!(!r.term.is_empty() && r.term.len() <= minerva_core::tokenizer::MAX_TOKEN_BYTES);
    }
}

fn folder_dt(file: &str) -> String {
    file.split('/')
        .nth(1)
        .and_then(|d| d.strip_prefix("dt="))
        .unwrap_or_default()
        .to_owned()
}
