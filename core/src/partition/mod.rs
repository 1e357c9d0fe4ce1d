//! Accumulates the rows of one source object for one hour and sorts them the way the format
//! requires. The indexer encodes Parquet pages straight from [`FinishedPartition::sorted_rows`]
//! and [`FinishedPartition::records`]; the Arrow batches ([`FinishedPartition::indices_batches`],
//! [`FinishedPartition::messages_batches`]) are the same rows for a general writer, which the
//! tests use as the reference.
//!
//! Terms and fields are interned, so an index row costs 12 bytes while it waits in memory, and
//! sorting by (term, field) compares integers (ranks), not strings.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};

use crate::schema::{indices_schema, messages_schema};

mod interner;

use interner::Interner;

/// Per-object constants written into every row.
#[derive(Debug, Clone, Copy)]
pub struct ObjectColumns<'a> {
    /// Log type.
    pub tag: &'a str,
    /// Object id (hex).
    pub object_id: &'a str,
    /// Source URI.
    pub source: &'a str,
}

/// One `indices` row while it waits: after [`PartitionBuffer::finish`] `term` and `field` are
/// ranks (the position of the string in byte-wise order) and `record` indexes the records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexRow {
    /// Term id (a rank once finished).
    pub term: u32,
    /// Field id (a rank once finished).
    pub field: u32,
    /// Record number, in the order records were added.
    pub record: u32,
}

/// One record of a finished partition: a `messages` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Position in the source object.
    pub seq: i64,
    /// Time, microseconds since the epoch.
    pub timestamp_us: i64,
    /// The original bytes.
    pub message: &'a [u8],
    /// Whether `message` is valid UTF-8.
    pub utf8: bool,
}

#[derive(Debug, Clone, Copy)]
struct RecordMeta {
    seq: i64,
    timestamp_us: i64,
    start: usize,
    end: usize,
    utf8: bool,
}

/// The rows of one object for one hour, waiting to be written.
#[derive(Debug, Default)]
pub struct PartitionBuffer {
    terms: Interner,
    fields: Interner,
    rows: Vec<IndexRow>,
    records: Vec<RecordMeta>,
    message_bytes: Vec<u8>,
    open_record_rows: usize,
    /// Per term id: the (epoch, field) it was last added with, so a repeated (field, term)
    /// pair of the open record is dropped on arrival instead of by sorting the record's rows.
    last_added: Vec<(u32, u32)>,
    /// Changes with every record and every discard (starts at 1: 0 marks "never added").
    epoch: u32,
}

impl PartitionBuffer {
    /// Creates an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a record; its (field, term) pairs follow through [`Self::add_term`].
    ///
    /// `message` is the original record; `utf8` says whether it is valid UTF-8.
    pub fn begin_record(&mut self, seq: i64, timestamp_us: i64, message: &[u8], utf8: bool) {
        let start = self.message_bytes.len();
        self.message_bytes.extend_from_slice(message);
        self.records.push(RecordMeta {
            seq,
            timestamp_us,
            start,
            end: self.message_bytes.len(),
            utf8,
        });
        self.open_record_rows = self.rows.len();
        self.next_epoch();
    }

    fn next_epoch(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // After 2^32 records: forget every stamp rather than confuse an old one.
            self.last_added.fill((0, 0));
            self.epoch = 1;
        }
    }

    /// Adds one (field, term) pair to the current record.
    #[inline]
    pub fn add_term(&mut self, field: &str, term: &str) {
        let field = self.field_id(field);
        self.add_term_in_field(field, term);
    }

    /// Interns a field name, for repeated [`Self::add_term_in_field`] calls.
    #[inline]
    pub fn field_id(&mut self, field: &str) -> u32 {
        self.fields.intern(field)
    }

    /// Adds one term to the current record under a field from [`Self::field_id`]; a (field,
    /// term) pair the record already has is not added again.
    #[inline]
    pub fn add_term_in_field(&mut self, field: u32, term: &str) {
        let record = (self.records.len() - 1) as u32;
        let term = self.terms.intern(term);
        if term as usize == self.last_added.len() {
            self.last_added.push((0, 0));
        }
        let last = &mut self.last_added[term as usize];
        if last.0 == self.epoch {
            if last.1 == field {
                return;
            }
            // The term is in this record under another field: rare, so look the pair up.
            let open = &self.rows[self.open_record_rows..];
            if open.iter().any(|r| r.term == term && r.field == field) {
                return;
            }
        }
        *last = (self.epoch, field);
        self.rows.push(IndexRow {
            term,
            field,
            record,
        });
    }

    /// Drops the terms added since [`Self::begin_record`] (the record keeps its message).
    pub fn discard_terms(&mut self) {
        self.rows.truncate(self.open_record_rows);
        self.next_epoch();
    }

    /// Ends the current record.
    pub fn end_record(&mut self) {
        self.open_record_rows = self.rows.len();
    }

    /// Number of records.
    pub fn num_records(&self) -> usize {
        self.records.len()
    }

    /// Gives every record the time `timestamp_us` (for records that had none of their own).
    pub fn retime_all(&mut self, timestamp_us: i64) {
        for record in &mut self.records {
            record.timestamp_us = timestamp_us;
        }
    }

    /// Number of index rows.
    pub fn num_index_rows(&self) -> usize {
        self.rows.len()
    }

    /// True when no record was added.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Approximate heap bytes held, used to keep memory within a budget.
    pub fn estimated_bytes(&self) -> usize {
        self.message_bytes.capacity()
            + self.rows.capacity() * std::mem::size_of::<IndexRow>()
            + self.records.capacity() * std::mem::size_of::<RecordMeta>()
            + self.last_added.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.terms.bytes()
            + self.fields.bytes()
    }

    /// Sorts the rows and returns a value that yields Arrow batches.
    pub fn finish(mut self) -> FinishedPartition {
        let term_ranks = self.terms.sort_into_ranks();
        let field_ranks = self.fields.sort_into_ranks();
        for row in &mut self.rows {
            row.term = term_ranks[row.term as usize];
            row.field = field_ranks[row.field as usize];
        }
        self.rows = sort_rows(&self.rows, self.terms.len());
        FinishedPartition { buffer: self }
    }
}

/// Orders rows by (term, field, record) in linear time: rows arrive in record order, so a
/// stable counting sort on the term rank leaves each term's rows in record order, and only a
/// term seen under more than one field needs its (short) run sorted again, stably, by field.
/// Measured on generated logs this replaced a comparison sort that took 7 % of indexing.
fn sort_rows(rows: &[IndexRow], distinct_terms: usize) -> Vec<IndexRow> {
    debug_assert!(rows.windows(2).all(|pair| pair[0].record <= pair[1].record));
    let mut starts = vec![0usize; distinct_terms + 1];
    for row in rows {
        starts[row.term as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    let mut sorted = vec![IndexRow::default(); rows.len()];
    for &row in rows {
        let slot = &mut next[row.term as usize];
        sorted[*slot] = row;
        *slot += 1;
    }
    for run in starts.windows(2) {
        let run = &mut sorted[run[0]..run[1]];
        if run.windows(2).any(|pair| pair[0].field != pair[1].field) {
            run.sort_by_key(|r| r.field);
        }
    }
    sorted
}

/// A sorted partition buffer, ready to be encoded.
#[derive(Debug)]
pub struct FinishedPartition {
    buffer: PartitionBuffer,
}

impl FinishedPartition {
    /// Number of distinct terms (sizes the bloom filter).
    pub fn distinct_terms(&self) -> u64 {
        self.buffer.terms.len() as u64
    }

    /// Number of index rows.
    pub fn num_index_rows(&self) -> usize {
        self.buffer.rows.len()
    }

    /// Number of records.
    pub fn num_records(&self) -> usize {
        self.buffer.records.len()
    }

    /// The `indices` rows in their sorted order: by term rank, field rank, record.
    pub fn sorted_rows(&self) -> &[IndexRow] {
        &self.buffer.rows
    }

    /// The term of rank `rank`; ranks follow byte-wise order.
    pub fn term(&self, rank: u32) -> &str {
        self.buffer.terms.get(rank)
    }

    /// The field name of rank `rank`; ranks follow byte-wise order.
    pub fn field(&self, rank: u32) -> &str {
        self.buffer.fields.get(rank)
    }

    /// Number of distinct field names.
    pub fn num_fields(&self) -> usize {
        self.buffer.fields.len()
    }

    /// The `seq` of record `record`.
    pub fn seq(&self, record: u32) -> i64 {
        self.buffer.records[record as usize].seq
    }

    /// The records in the order they were added (`seq` order): the `messages` rows.
    pub fn records(&self) -> impl ExactSizeIterator<Item = Record<'_>> + '_ {
        let b = &self.buffer;
        b.records.iter().map(|r| Record {
            seq: r.seq,
            timestamp_us: r.timestamp_us,
            message: &b.message_bytes[r.start..r.end],
            utf8: r.utf8,
        })
    }

    /// First and last record timestamps (microseconds), if any.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let times = self.buffer.records.iter().map(|r| r.timestamp_us);
        Some((times.clone().min()?, times.max()?))
    }

    /// `indices` rows in sorted order, as batches of at most `batch_rows` rows.
    pub fn indices_batches<'s>(
        &'s self,
        obj: ObjectColumns<'s>,
        batch_rows: usize,
    ) -> impl Iterator<Item = RecordBatch> + 's {
        let b = &self.buffer;
        let longest = b.rows.len().min(batch_rows);
        let tag = repeated(obj.tag, longest);
        let object_id = repeated(obj.object_id, longest);
        batch_ranges(b.rows.len(), batch_rows).map(move |range| {
            let rows = &b.rows[range];
            let n = rows.len();
            let term_bytes: usize = rows.iter().map(|row| b.terms.get(row.term).len()).sum();
            let mut field = StringBuilder::with_capacity(n, n * 8);
            let mut term = StringBuilder::with_capacity(n, term_bytes);
            let mut seq = Vec::with_capacity(n);
            for row in rows {
                field.append_value(b.fields.get(row.field));
                term.append_value(b.terms.get(row.term));
                seq.push(b.records[row.record as usize].seq);
            }
            let columns: Vec<ArrayRef> = vec![
                tag.slice(0, n),
                Arc::new(field.finish()),
                Arc::new(term.finish()),
                object_id.slice(0, n),
                Arc::new(Int64Array::from(seq)),
            ];
            RecordBatch::try_new(indices_schema(), columns)
                .expect("columns match the indices schema")
        })
    }

    /// `messages` rows in seq order, as batches of at most `batch_rows` rows.
    pub fn messages_batches<'s>(
        &'s self,
        obj: ObjectColumns<'s>,
        batch_rows: usize,
    ) -> impl Iterator<Item = RecordBatch> + 's {
        let b = &self.buffer;
        let longest = b.records.len().min(batch_rows);
        let tag = repeated(obj.tag, longest);
        let object_id = repeated(obj.object_id, longest);
        let source = repeated(obj.source, longest);
        batch_ranges(b.records.len(), batch_rows).map(move |range| {
            let records = &b.records[range];
            let n = records.len();
            let bytes: usize = records.iter().map(|r| r.end - r.start).sum();
            let mut message = StringBuilder::with_capacity(n, bytes);
            let mut raw = BinaryBuilder::with_capacity(n, 0);
            for record in records {
                let original = &b.message_bytes[record.start..record.end];
                if record.utf8 {
                    message.append_value(std::str::from_utf8(original).unwrap_or_default());
                    raw.append_null();
                } else {
                    message.append_value(String::from_utf8_lossy(original));
                    raw.append_value(original);
                }
            }
            let columns: Vec<ArrayRef> = vec![
                tag.slice(0, n),
                Arc::new(
                    TimestampMicrosecondArray::from_iter_values(
                        records.iter().map(|r| r.timestamp_us),
                    )
                    .with_timezone("UTC"),
                ),
                object_id.slice(0, n),
                Arc::new(Int64Array::from_iter_values(records.iter().map(|r| r.seq))),
                source.slice(0, n),
                Arc::new(message.finish()),
                Arc::new(raw.finish()),
            ];
            RecordBatch::try_new(messages_schema(), columns)
                .expect("columns match the messages schema")
        })
    }
}

/// A column holding `value` `n` times (built once per file, sliced per batch).
fn repeated(value: &str, n: usize) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(std::iter::repeat_n(value, n)))
}

/// `0..total` cut into consecutive ranges of at most `batch_rows`.
fn batch_ranges(total: usize, batch_rows: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let step = batch_rows.max(1);
    (0..total)
        .step_by(step)
        .map(move |start| start..(start + step).min(total))
}

#[cfg(test)]
mod tests;
