//! Streaming k-way merge of Parquet files that are each sorted by the table's key.
//!
//! Each input is read one batch at a time, so memory is bounded by the inputs' current row
//! groups and batches, not by the partition. Keys are compared as `arrow-row` bytes. Rows with
//! the same key are the same record (the key includes `object_id` and `seq`), so only the first
//! is kept: merging files that overlap (two merges ran at once) removes the overlap. An input
//! found out of order stops the merge with [`MergeError::BadInput`] before anything is written.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::SchemaRef;
use futures::{StreamExt, TryStreamExt};
use minerva_core::layout::Table;
use minerva_core::schema::{col, indices_schema, messages_schema};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
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
    last_key: Vec<u8>,
    has_last: bool,
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

async fn open_input(
    store: Arc<dyn ObjectStore>,
    key: Path,
    size: u64,
    table: Table,
    expected: SchemaRef,
) -> Result<(ParquetRecordBatchStream<StoreFileReader>, u64), MergeError> {
    let reader = StoreFileReader::new(store.clone(), key.clone(), size);
    let builder = match ParquetRecordBatchStreamBuilder::new(reader).await {
        Ok(builder) => builder,
        Err(e) => return Err(read_error(&store, &key, e).await),
    };
    let Some(columns) = projection(builder.schema(), &expected, dropped_columns(table)) else {
        return Err(MergeError::BadInput {
            key: key.to_string(),
            message: format!("not a {table} file of this format: columns differ"),
        });
    };
    let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
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
                .map(|&i| SortField::new(schema.field(i).data_type().clone()))
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
            last_key: Vec::new(),
            has_last: false,
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
            let input = &mut self.inputs[index];
            let unsorted_at = (1..rows.num_rows()).find(|&i| rows.row(i) < rows.row(i - 1));
            let continues = input.rows.num_rows() == 0
                || rows.row(0) >= input.rows.row(input.rows.num_rows() - 1);
            if unsorted_at.is_some() || !continues {
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

    /// The next run of merged rows, or `None` at the end.
    pub(crate) async fn next_rows(&mut self) -> Result<Option<MergedRows>, MergeError> {
        while let Some(&top) = self.heap.first() {
            let input = &self.inputs[top];
            let row = input.rows.row(input.pos);
            self.rows_in += 1;
            if !self.has_last || row.as_ref() != self.last_key.as_slice() {
                self.pending.push((input.arena as u32, input.pos as u32));
                self.last_key.clear();
                self.last_key.extend_from_slice(row.as_ref());
                self.has_last = true;
            }
            let input = &mut self.inputs[top];
            input.pos += 1;
            let more = input.pos < input.rows.num_rows() || self.load_next_batch(top).await?;
            if !more {
                let last = self.heap.len() - 1;
                self.heap.swap(0, last);
                self.heap.pop();
            }
            self.sift_down(0);
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
