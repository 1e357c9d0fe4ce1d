//! Streaming k-way merge of Parquet files that are each sorted by the table's key.
//!
//! Each input is read one batch at a time, so memory is bounded by the inputs' current row
//! groups and batches, not by the partition. Keys are compared as `arrow-row` bytes. Rows with
//! the same key are the same record (the key includes `object_id` and `seq`), so only the first
//! is kept: merging files that overlap (two merges ran at once) removes the overlap. An input
//! found out of order stops the merge with [`MergeError::BadInput`] before anything is written.
//!
//! Inputs interleave in runs (a `messages` input is one run: one object), so the work per row
//! is kept to one comparison while a run lasts: the input on top of the heap stays there while
//! its row is below the root's smaller child (the runner-up), and a row that follows its own
//! input's row in the output needs no duplicate check when that input never repeats a key.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::{StreamExt, TryStreamExt};
use minerva_core::layout::Table;
use minerva_core::schema::{col, indices_schema, messages_schema};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::arrow::async_reader::ParquetRecordBatchStream;
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};

use crate::error::MergeError;
use crate::reader::StoreFileReader;
use crate::rows::MergedRows;

/// Output batch size, rows.
const OUT_ROWS: usize = 8 * 1024;

/// Inputs opened at once while starting a merge.
const OPEN_CONCURRENCY: usize = 8;

/// The schema and sort key of a table.
pub(crate) fn table_layout(table: Table) -> (SchemaRef, &'static [&'static str]) {
    match table {
        Table::Indices => (
            indices_schema(),
            &[col::TERM, col::FIELD, col::OBJECT_ID, col::SEQ],
        ),
        Table::Messages => (messages_schema(), &[col::OBJECT_ID, col::SEQ]),
    }
}

/// Rows per batch read from each input: messages rows are large.
fn read_batch_rows(table: Table) -> usize {
    match table {
        Table::Indices => 2048,
        Table::Messages => 256,
    }
}

struct SortedInput {
    key: Path,
    stream: ParquetRecordBatchStream<StoreFileReader>,
    rows: Rows,
    pos: usize,
    /// Index of the current batch in the arena.
    arena: usize,
    /// No two rows of the input so far have the same key, so a row that follows the input's
    /// row before in the output needs no duplicate check.
    strict: bool,
}

/// The key of the row emitted last, for dropping duplicates.
enum LastKey {
    /// Nothing emitted yet.
    None,
    /// The row before the current one of this input (no copy while an input's run lasts).
    Input(usize),
    /// A copy in `KWayMerge::last_key` (its input moved on to another batch).
    Copied,
}

/// A merge in progress.
pub(crate) struct KWayMerge {
    store: Arc<dyn ObjectStore>,
    table: Table,
    key_columns: Vec<usize>,
    converter: RowConverter,
    inputs: Vec<SortedInput>,
    /// Min-heap of input indices, ordered by their current row.
    heap: Vec<usize>,
    /// Batches that pending output rows point into.
    arena: Vec<RecordBatch>,
    pending: Vec<(u32, u32)>,
    last: LastKey,
    last_key: Vec<u8>,
    /// Heap position (1 or 2) of the root's smaller child, while known: the row an input on
    /// top must stay below to stay there (one comparison per row during a run).
    runner_up: Option<usize>,
    /// Rows read from the inputs.
    pub rows_in: u64,
    /// Rows emitted (duplicates dropped).
    pub rows_out: u64,
    /// Rows the inputs hold, from their footers.
    pub rows_expected: u64,
}

/// Columns an earlier format had and this one dropped: format v1 `indices` carried a
/// `timestamp` per posting, which v2 takes from `messages`. Inputs that have them are read
/// without them, so v1 files merge into v2 ones.
fn dropped_columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::Indices => &[col::TIMESTAMP],
        Table::Messages => &[],
    }
}

/// The columns of a file to read so that it yields `expected`'s columns in order: every one
/// but the `dropped` ones. `None` when a column is missing, of another type, out of order, or
/// unknown.
fn projection(found: &SchemaRef, expected: &SchemaRef, dropped: &[&str]) -> Option<Vec<usize>> {
    let kept: Vec<usize> = (0..found.fields().len())
        .filter(|&i| !dropped.contains(&found.field(i).name().as_str()))
        .collect();
    let same = kept.len() == expected.fields().len()
        && kept.iter().zip(expected.fields()).all(|(&i, b)| {
            let a = found.field(i);
            a.name() == b.name() && a.data_type() == b.data_type()
        });
    same.then_some(kept)
}

/// Text columns that every writer dictionary-encodes: read as Arrow dictionary arrays, so the
/// reader decodes their keys only and the encoders look each dictionary entry up once (see
/// [`crate::rows`]).
const DICTIONARY_COLUMNS: [&str; 4] = [col::TAG, col::FIELD, col::OBJECT_ID, col::SOURCE];

/// The type a column named `name` of type `data_type` is read as.
fn read_type(name: &str, data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8 if DICTIONARY_COLUMNS.contains(&name) => {
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
        }
        other => other.clone(),
    }
}

/// `schema` with the [`DICTIONARY_COLUMNS`] read as dictionaries.
pub(crate) fn read_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_data_type(read_type(f.name(), f.data_type()))
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

async fn open_input(
    store: Arc<dyn ObjectStore>,
    key: Path,
    size: u64,
    table: Table,
    expected: SchemaRef,
) -> Result<(ParquetRecordBatchStream<StoreFileReader>, u64), MergeError> {
    let mut reader = StoreFileReader::new(store.clone(), key.clone(), size);
    let metadata = match ArrowReaderMetadata::load_async(&mut reader, Default::default()).await {
        Ok(metadata) => metadata,
        Err(e) => return Err(read_error(&store, &key, e).await),
    };
    let Some(columns) = projection(metadata.schema(), &expected, dropped_columns(table)) else {
        return Err(MergeError::BadInput {
            key: key.to_string(),
            message: format!("not a {table} file of this format: columns differ"),
        });
    };
    let options = ArrowReaderOptions::new().with_schema(read_schema(metadata.schema()));
    let metadata = ArrowReaderMetadata::try_new(Arc::clone(metadata.metadata()), options)
        .map_err(|e| MergeError::parquet(&key, e))?;
    let rows = u64::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
    let builder = ParquetRecordBatchStreamBuilder::new_with_metadata(reader, metadata);
    let mask = ProjectionMask::roots(builder.parquet_schema(), columns);
    let stream = builder
        .with_projection(mask)
        .with_batch_size(read_batch_rows(table))
        .build()
        .map_err(|e| MergeError::parquet(&key, e))?;
    Ok((stream, rows))
}

/// A read failure of an input that no longer exists is a conflict with another merge.
async fn read_error(
    store: &Arc<dyn ObjectStore>,
    key: &Path,
    error: parquet::errors::ParquetError,
) -> MergeError {
    match store.head(key).await {
        Err(object_store::Error::NotFound { .. }) => MergeError::Conflict {
            key: key.to_string(),
        },
        _ => MergeError::parquet(key, error),
    }
}

impl KWayMerge {
    /// Opens every input (`key`, `size`) of a merge into `table`.
    pub(crate) async fn open(
        store: Arc<dyn ObjectStore>,
        table: Table,
        inputs: Vec<(Path, u64)>,
    ) -> Result<Self, MergeError> {
        let (schema, key_names) = table_layout(table);
        let key_columns: Vec<usize> = key_names
            .iter()
            .map(|name| {
                schema
                    .index_of(name)
                    .expect("key columns are in the schema")
            })
            .collect();
        let converter = RowConverter::new(
            key_columns
                .iter()
                .map(|&i| {
                    let field = schema.field(i);
                    SortField::new(read_type(field.name(), field.data_type()))
                })
                .collect(),
        )?;
        let streams: Vec<(Path, (ParquetRecordBatchStream<StoreFileReader>, u64))> =
            futures::stream::iter(inputs)
                .map(|(key, size)| {
                    let (store, schema) = (Arc::clone(&store), schema.clone());
                    async move {
                        let stream = open_input(store, key.clone(), size, table, schema).await?;
                        Ok::<_, MergeError>((key, stream))
                    }
                })
                .buffered(OPEN_CONCURRENCY)
                .try_collect()
                .await?;
        let mut merge = KWayMerge {
            store,
            table,
            key_columns,
            converter,
            inputs: Vec::with_capacity(streams.len()),
            heap: Vec::with_capacity(streams.len()),
            arena: Vec::new(),
            pending: Vec::with_capacity(OUT_ROWS),
            last: LastKey::None,
            last_key: Vec::new(),
            runner_up: None,
            rows_in: 0,
            rows_out: 0,
            rows_expected: streams.iter().map(|(_, (_, rows))| rows).sum(),
        };
        let empty_rows = merge.converter.empty_rows(0, 0);
        for (key, (stream, _)) in streams {
            merge.inputs.push(SortedInput {
                key,
                stream,
                rows: empty_rows.clone(),
                pos: 0,
                arena: 0,
                strict: true,
            });
            let index = merge.inputs.len() - 1;
            if merge.load_next_batch(index).await? {
                merge.heap.push(index);
                let at = merge.heap.len() - 1;
                merge.sift_up(at);
            }
        }
        Ok(merge)
    }

    /// Reads the next non-empty batch of input `index`; false at its end.
    async fn load_next_batch(&mut self, index: usize) -> Result<bool, MergeError> {
        loop {
            let input = &mut self.inputs[index];
            let next = input.stream.next().await;
            let batch = match next {
                None => return Ok(false),
                Some(Err(e)) => {
                    let key = input.key.clone();
                    return Err(read_error(&self.store, &key, e).await);
                }
                Some(Ok(batch)) => batch,
            };
            if batch.num_rows() == 0 {
                continue;
            }
            let columns: Vec<_> = self
                .key_columns
                .iter()
                .map(|&i| batch.column(i).clone())
                .collect();
            let rows = self.converter.convert_columns(&columns)?;
            // The key before this batch's: a copy is kept if the row was the one emitted last.
            if matches!(self.last, LastKey::Input(i) if i == index) {
                let input = &self.inputs[index];
                self.last_key.clear();
                self.last_key
                    .extend_from_slice(input.rows.row(input.pos - 1).as_ref());
                self.last = LastKey::Copied;
            }
            // Each row against the one before, the first against the previous batch's last.
            let input = &mut self.inputs[index];
            let last = input.rows.num_rows().checked_sub(1);
            let mut sorted = true;
            for i in 0..rows.num_rows() {
                let before = match (i, last) {
                    (0, None) => continue,
                    (0, Some(last)) => input.rows.row(last),
                    _ => rows.row(i - 1),
                };
                match rows.row(i).cmp(&before) {
                    std::cmp::Ordering::Less => sorted = false,
                    std::cmp::Ordering::Equal => input.strict = false,
                    std::cmp::Ordering::Greater => continue,
                }
                if !sorted {
                    break;
                }
            }
            if !sorted {
                return Err(MergeError::BadInput {
                    key: input.key.to_string(),
                    message: format!("rows are not sorted by the {} key", self.table),
                });
            }
            input.rows = rows;
            input.pos = 0;
            self.arena.push(batch);
            input.arena = self.arena.len() - 1;
            return Ok(true);
        }
    }

    fn less(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.inputs[a], &self.inputs[b]);
        (x.rows.row(x.pos), a) < (y.rows.row(y.pos), b)
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.less(self.heap[at], self.heap[parent]) {
                break;
            }
            self.heap.swap(at, parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let mut smallest = at;
            if left < self.heap.len() && self.less(self.heap[left], self.heap[smallest]) {
                smallest = left;
            }
            if right < self.heap.len() && self.less(self.heap[right], self.heap[smallest]) {
                smallest = right;
            }
            if smallest == at {
                return;
            }
            self.heap.swap(at, smallest);
            at = smallest;
        }
    }

    /// The root's smaller child (see `runner_up`).
    fn runner_up(&mut self) -> Option<usize> {
        if self.runner_up.is_none() && self.heap.len() > 1 {
            let right_first = self.heap.len() > 2 && self.less(self.heap[2], self.heap[1]);
            self.runner_up = Some(if right_first { 2 } else { 1 });
        }
        self.runner_up
    }

    /// True when the top input's current row differs from the row emitted last.
    fn differs_from_last(&self, top: usize) -> bool {
        let input = &self.inputs[top];
        let row = input.rows.row(input.pos);
        match self.last {
            LastKey::None => true,
            // The input's own row before: different unless the input repeats keys.
            LastKey::Input(i) if i == top && input.strict => true,
            LastKey::Input(i) => {
                let before = &self.inputs[i];
                row != before.rows.row(before.pos - 1)
            }
            LastKey::Copied => row.as_ref() != self.last_key.as_slice(),
        }
    }

    /// The next run of merged rows, or `None` at the end.
    pub(crate) async fn next_rows(&mut self) -> Result<Option<MergedRows>, MergeError> {
        while let Some(&top) = self.heap.first() {
            self.rows_in += 1;
            if self.differs_from_last(top) {
                let input = &self.inputs[top];
                self.pending.push((input.arena as u32, input.pos as u32));
            }
            self.last = LastKey::Input(top);
            let input = &mut self.inputs[top];
            input.pos += 1;
            let more = input.pos < input.rows.num_rows() || self.load_next_batch(top).await?;
            if !more {
                // An input at its end keeps its last batch's rows, so `LastKey::Input` stays valid.
                let last = self.heap.len() - 1;
                self.heap.swap(0, last);
                self.heap.pop();
                self.runner_up = None;
                self.sift_down(0);
            } else if let Some(next) = self.runner_up() {
                // The top input stays on top while its row is below the runner-up's.
                if !self.less(top, self.heap[next]) {
                    self.heap.swap(0, next);
                    self.runner_up = None;
                    self.sift_down(next);
                }
            }
            if self.pending.len() >= OUT_ROWS {
                return Ok(Some(self.flush()));
            }
        }
        if self.pending.is_empty() {
            Ok(None)
        } else {
            Ok(Some(self.flush()))
        }
    }

    /// Hands over the pending rows (with the batches they point into) and drops the arena
    /// batches no input still reads.
    fn flush(&mut self) -> MergedRows {
        let pending = std::mem::replace(&mut self.pending, Vec::with_capacity(OUT_ROWS));
        let merged = MergedRows::new(self.arena.clone(), pending);
        self.rows_out += merged.len() as u64;
        let mut kept = Vec::with_capacity(self.heap.len());
        for &index in &self.heap {
            let input = &mut self.inputs[index];
            kept.push(self.arena[input.arena].clone());
            input.arena = kept.len() - 1;
        }
        self.arena = kept;
        merged
    }
}
