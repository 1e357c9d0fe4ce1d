//! The merger library against an in-memory object store: overlapping inputs, bad inputs that
//! must be left untouched, and leftovers of stopped runs.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use futures::TryStreamExt;
use minerva_core::layout::{Hour, Table, partition_dir};
use minerva_core::schema::{INDEXER_ZSTD_LEVEL, indices_schema, indices_writer_properties};
use minerva_merger::{MergeConfig, MergeError, merge_partition};
use minerva_store::DataStore;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// (term, field, object_id, seq) rows of an `indices` file.
type Row = (&'static str, &'static str, &'static str, i64);

fn indices_file(rows: &[Row]) -> Vec<u8> {
    parquet_file(indices_schema(), indices_columns(rows))
}

/// The columns of [`indices_schema`] for `rows`, tag `t`.
fn indices_columns(rows: &[Row]) -> Vec<ArrayRef> {
    let column = |f: fn(&Row) -> &'static str| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    vec![
        column(|_| "t"),
        column(|r| r.1),
        column(|r| r.0),
        column(|r| r.2),
        Arc::new(Int64Array::from(
            rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        )),
    ]
}

/// An `indices` file of format v1: a `timestamp` column after `tag` (v2 takes the time from
/// `messages`).
fn v1_indices_file(rows: &[Row]) -> Vec<u8> {
    let mut fields: Vec<Field> = indices_schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let time = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    fields.insert(1, Field::new("timestamp", time, false));
    let mut columns = indices_columns(rows);
    columns.insert(
        1,
        Arc::new(
            TimestampMicrosecondArray::from(rows.iter().map(|r| r.3 * 1000).collect::<Vec<_>>())
                .with_timezone("UTC"),
        ),
    );
    parquet_file(Arc::new(Schema::new(fields)), columns)
}

fn parquet_file(schema: SchemaRef, columns: Vec<ArrayRef>) -> Vec<u8> {
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let props = indices_writer_properties(8, Vec::new(), INDEXER_ZSTD_LEVEL);
    let mut writer = ArrowWriter::try_new(Vec::new(), schema, Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.into_inner().unwrap()
}

struct Fixture {
    data: DataStore,
    dir: String,
    hour: Hour,
}

impl Fixture {
    fn new() -> Self {
        let hour = Hour::parse_dt("2024-01-01-00").unwrap();
        Fixture {
            data: DataStore {
                store: Arc::new(InMemory::new()),
                prefix: "p".into(),
                display: "memory".into(),
            },
            dir: partition_dir("p", Table::Indices, hour),
            hour,
        }
    }

    async fn put(&self, name: &str, bytes: Vec<u8>) {
        let key = Path::from(format!("{}/{name}", self.dir));
        self.data
            .store
            .put(&key, PutPayload::from(bytes))
            .await
            .unwrap();
    }

    async fn names(&self) -> Vec<String> {
        let dir = Path::from(self.dir.as_str());
        let mut names: Vec<String> = self
            .data
            .store
            .list(Some(&dir))
            .map_ok(|o| o.location.filename().unwrap().to_owned())
            .try_collect()
            .await
            .unwrap();
        names.sort();
        names
    }

    async fn bytes(&self, name: &str) -> bytes::Bytes {
        let key = Path::from(format!("{}/{name}", self.dir));
        let got = self.data.store.get(&key).await.unwrap();
        got.bytes().await.unwrap()
    }

    async fn rows(&self, name: &str) -> Vec<(String, String, String, i64)> {
        let bytes = self.bytes(name).await;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap();
        let mut out = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let text = |i: usize| {
                batch
                    .column(i)
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .unwrap()
                    .clone()
            };
            assert_eq!(batch.schema(), indices_schema(), "merged into this format");
            let (field, term, object) = (text(1), text(2), text(3));
            let seq = batch
                .column(4)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap();
            for i in 0..batch.num_rows() {
                out.push((
                    term.value(i).to_owned(),
                    field.value(i).to_owned(),
                    object.value(i).to_owned(),
                    seq.value(i),
                ));
            }
        }
        out
    }

    async fn merge(
        &self,
        config: &MergeConfig,
    ) -> Result<minerva_merger::PartitionReport, MergeError> {
        merge_partition(&self.data, Table::Indices, self.hour, config).await
    }
}

fn owned(rows: &[Row]) -> Vec<(String, String, String, i64)> {
    rows.iter()
        .map(|r| (r.0.to_owned(), r.1.to_owned(), r.2.to_owned(), r.3))
        .collect()
}

#[tokio::test]
async fn overlapping_inputs_merge_into_one_sorted_file_without_duplicates() {
    let f = Fixture::new();
    let a: &[Row] = &[
        ("alice", "user", "a", 0),
        ("bob", "", "a", 1),
        ("zed", "", "a", 0),
    ];
    let b: &[Row] = &[("alice", "user", "b", 4), ("carol", "user", "b", 2)];
    // The same rows as `a` under another name: a merge's output next to its inputs.
    f.put("aa-0000.parquet", indices_file(a)).await;
    f.put("ab-0000.parquet", indices_file(a)).await;
    f.put("b-0000.parquet", indices_file(b)).await;
    let report = f.merge(&MergeConfig::default()).await.unwrap();
    assert_eq!((report.files_before, report.files_after), (3, 1));
    assert_eq!((report.rows_in, report.rows_out), (8, 5));
    let names = f.names().await;
    assert_eq!(
        names.len(),
        3,
        "one part, its sketch and its marker: {names:?}"
    );
    let part = names.iter().find(|n| n.starts_with("m-")).unwrap();
    // The hour sketch holds every term and field/term of the group, and not others.
    let group = &part[2..34];
    let sketch_bytes = f.bytes(&minerva_core::sketch::sketch_name(group)).await;
    let sketch = minerva_core::sketch::Sketch::new(&sketch_bytes).unwrap();
    for (term, field, _, _) in a.iter().chain(b) {
        assert!(sketch.may_contain(minerva_core::sketch::term_key(term.as_bytes())));
        let key = minerva_core::sketch::field_term_key(field.as_bytes(), term.as_bytes());
        assert!(sketch.may_contain(key));
    }
    let absent = ["dave", "erin", "frank", "grace", "heidi"];
    let false_maybes = absent
        .iter()
        .filter(|t| sketch.may_contain(minerva_core::sketch::term_key(t.as_bytes())))
        .count();
    assert!(
        false_maybes < absent.len(),
        "the sketch says maybe to everything"
    );
    let mut expected = owned(a);
    expected.extend(owned(b));
    expected.sort();
    assert_eq!(f.rows(part).await, expected);
    let again = f.merge(&MergeConfig::default()).await.unwrap();
    assert_eq!((again.merges, again.deleted), (0, 0));
    assert_eq!(f.names().await, names);
}

/// (term, field, object_id, seq) rows with owned text.
type OwnedRow = (String, String, String, i64);

/// An `indices` file of `rows` in row groups of `group_rows` (each with its own dictionaries).
fn indices_file_in_groups(rows: &[OwnedRow], group_rows: usize) -> Vec<u8> {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), indices_schema(), Some(props)).unwrap();
    let text = |f: fn(&OwnedRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    let columns = vec![
        text(|r| if r.3 % 2 == 0 { "even" } else { "odd" }),
        text(|r| &r.1),
        text(|r| &r.0),
        text(|r| &r.2),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.3))) as ArrayRef,
    ];
    writer
        .write(&RecordBatch::try_new(indices_schema(), columns).unwrap())
        .unwrap();
    writer.into_inner().unwrap()
}

#[tokio::test]
async fn inputs_of_many_batches_and_row_groups_merge_every_row_once() {
    // Inputs longer than a read batch (2,048 rows) with row groups of 1,000 rows, drawn from
    // one small key space so they interleave in short and long runs; one input is repeated
    // whole (a merge's output beside its inputs) and one repeats rows inside itself.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let mut inputs: Vec<Vec<OwnedRow>> = (0..4)
        .map(|input| {
            let mut rows: Vec<OwnedRow> = (0..5_000)
                .map(|_| {
                    let term = format!("t{:03}", next(if input == 0 { 40 } else { 400 }));
                    let field = ["", "user", "src.ip"][next(3) as usize].to_owned();
                    (term, field, format!("o{}", next(3)), next(30) as i64)
                })
                .collect();
            rows.sort();
            if input != 3 {
                rows.dedup();
            }
            rows
        })
        .collect();
    inputs.push(inputs[1].clone());
    assert!(
        inputs[3].windows(2).any(|w| w[0] == w[1]),
        "duplicates inside an input"
    );
    let f = Fixture::new();
    for (i, rows) in inputs.iter().enumerate() {
        f.put(
            &format!("i{i}-0000.parquet"),
            indices_file_in_groups(rows, 1000),
        )
        .await;
    }
    let report = f.merge(&MergeConfig::default()).await.unwrap();
    let mut expected: Vec<OwnedRow> = inputs.concat();
    expected.sort();
    expected.dedup();
    assert_eq!(
        report.rows_in,
        inputs.iter().map(Vec::len).sum::<usize>() as u64
    );
    assert_eq!(report.rows_out, expected.len() as u64);
    let names = f.names().await;
    let part = names.iter().find(|n| n.starts_with("m-")).unwrap();
    assert_eq!(f.rows(part).await, expected);
}

#[tokio::test]
async fn format_v1_inputs_merge_into_format_v2_without_their_time() {
    let f = Fixture::new();
    let old: &[Row] = &[("alice", "user", "a", 0), ("zed", "", "a", 3)];
    let new: &[Row] = &[("alice", "user", "b", 1), ("bob", "", "b", 2)];
    f.put("a-0000.parquet", v1_indices_file(old)).await;
    f.put("b-0000.parquet", indices_file(new)).await;
    let report = f.merge(&MergeConfig::default()).await.unwrap();
    assert_eq!((report.files_before, report.files_after), (2, 1));
    let names = f.names().await;
    let part = names.iter().find(|n| n.starts_with("m-")).unwrap();
    let mut expected = owned(old);
    expected.extend(owned(new));
    expected.sort();
    assert_eq!(f.rows(part).await, expected);
}

#[tokio::test]
async fn an_unsorted_or_foreign_input_stops_the_merge_and_nothing_is_deleted() {
    let foreign = parquet_file(
        Arc::new(Schema::new(vec![Field::new("term", DataType::Utf8, false)])),
        vec![Arc::new(StringArray::from(vec!["a"]))],
    );
    // This format's columns and one it does not know.
    let rows: &[Row] = &[("a", "", "x", 0)];
    let mut fields: Vec<Field> = indices_schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("extra", DataType::Utf8, false));
    let mut columns = indices_columns(rows);
    columns.push(Arc::new(StringArray::from(vec!["?"])));
    let extra = parquet_file(Arc::new(Schema::new(fields)), columns);
    for bad in [
        indices_file(&[("b", "", "x", 0), ("a", "", "x", 1)]),
        b"not parquet at all".to_vec(),
        foreign,
        extra,
    ] {
        let f = Fixture::new();
        f.put("good-0000.parquet", indices_file(&[("a", "", "y", 0)]))
            .await;
        f.put("bad-0000.parquet", bad).await;
        let before = f.names().await;
        let error = f.merge(&MergeConfig::default()).await.unwrap_err();
        assert!(
            matches!(
                error,
                MergeError::BadInput { .. } | MergeError::Parquet { .. }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("bad-0000.parquet"), "{error}");
        assert_eq!(f.names().await, before, "inputs kept, no marker written");
    }
}

#[tokio::test]
async fn orphan_parts_of_a_stopped_run_are_removed_after_the_grace_period() {
    let f = Fixture::new();
    f.put("a-0000.parquet", indices_file(&[("a", "", "x", 0)]))
        .await;
    let orphan = format!("m-{}-0000.parquet", "0".repeat(32));
    f.put(&orphan, indices_file(&[("a", "", "x", 0)])).await;
    let patient = MergeConfig::default();
    f.merge(&patient).await.unwrap();
    assert!(
        f.names().await.contains(&orphan),
        "a young orphan may be a merge in progress"
    );
    let hasty = MergeConfig {
        orphan_grace: Duration::ZERO,
        ..MergeConfig::default()
    };
    f.merge(&hasty).await.unwrap();
    assert!(!f.names().await.contains(&orphan));
}
