//! Writes a `messages` file straight from a finished partition's records, page by page.
//!
//! `tag`, `object_id` and `source` are one dictionary value and one RLE run per page;
//! `timestamp` and `seq` DELTA_BINARY_PACKED; `message` the original bytes PLAIN (the
//! replacement-character form when they are not UTF-8, whose original bytes go to `raw`, a
//! column of nulls otherwise). The Arrow writer copied every message into a string array,
//! checked its UTF-8 again, and hashed the three constant columns row by row.
//!
//! Settings as the Arrow writer had them ([`messages_writer_properties`]): row groups of at
//! most [`MESSAGES_ROW_GROUP_ROWS`] records (and [`MESSAGES_ROW_GROUP_BYTES`] of messages),
//! pages of [`DATA_PAGE_ROW_LIMIT`] rows, `message` and `raw` pages also cut at 1 MiB, page
//! statistics on (`object_id`, `seq`) for the fetch, chunk statistics on the other small
//! columns, none on `message` and `raw`.

use std::borrow::Cow;

use minerva_core::pages::{Chunk, DATA_PAGE_BYTES, Encoder, write_file};
use minerva_core::partition::{FinishedPartition, ObjectColumns, Record};
use minerva_core::schema::{
    DATA_PAGE_ROW_LIMIT, MESSAGES_ROW_GROUP_BYTES, MESSAGES_ROW_GROUP_ROWS, messages_schema,
    messages_writer_properties,
};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::schema::types::ColumnDescPtr;

/// Encodes the `messages` file of `part`.
pub fn encode_messages(
    part: &FinishedPartition,
    obj: ObjectColumns<'_>,
    metadata: Vec<KeyValue>,
    zstd_level: i32,
) -> Result<Vec<u8>, ParquetError> {
    let props = messages_writer_properties(metadata, zstd_level);
    let mut encoder = Encoder::new(zstd_level)?;
    let records: Vec<Record<'_>> = part.records().collect();
    let mut rest = records.as_slice();
    write_file(&messages_schema(), props, |columns| {
        if rest.is_empty() {
            return Ok(None);
        }
        let (group, after) = rest.split_at(row_group_len(rest));
        rest = after;
        let [tag, timestamp, object_id, seq, source, message, raw] = columns else {
            return Err(ParquetError::General("messages have seven columns".into()));
        };
        let n = group.len();
        let page = DATA_PAGE_ROW_LIMIT;
        let times: Vec<i64> = group.iter().map(|r| r.timestamp_us).collect();
        let seqs: Vec<i64> = group.iter().map(|r| r.seq).collect();
        Ok(Some(vec![
            encoder.constant(tag, obj.tag, n, page, false)?,
            encoder.int64_delta(timestamp, &times, page, false)?,
            encoder.constant(object_id, obj.object_id, n, page, true)?,
            encoder.int64_delta(seq, &seqs, page, true)?,
            encoder.constant(source, obj.source, n, page, false)?,
            message_column(&mut encoder, message, group)?,
            raw_column(&mut encoder, raw, group)?,
        ]))
    })
}

/// Records in the next row group: at most [`MESSAGES_ROW_GROUP_ROWS`], and no more once their
/// messages reach [`MESSAGES_ROW_GROUP_BYTES`] (at least one).
fn row_group_len(records: &[Record<'_>]) -> usize {
    let mut bytes = 0;
    let mut n = 0;
    for record in records.iter().take(MESSAGES_ROW_GROUP_ROWS) {
        if n > 0 && bytes + record.message.len() > MESSAGES_ROW_GROUP_BYTES {
            break;
        }
        bytes += record.message.len();
        n += 1;
    }
    n
}

/// The text of a record: its bytes when UTF-8, else with invalid sequences replaced.
fn text<'a>(record: &Record<'a>) -> Cow<'a, [u8]> {
    if record.utf8 {
        Cow::Borrowed(record.message)
    } else {
        match String::from_utf8_lossy(record.message) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// `message`: PLAIN, pages of [`DATA_PAGE_ROW_LIMIT`] rows or [`DATA_PAGE_BYTES`].
fn message_column(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    group: &[Record<'_>],
) -> Result<Chunk, ParquetError> {
    encoder.plain_column(
        descr,
        group.iter().map(text),
        DATA_PAGE_ROW_LIMIT,
        DATA_PAGE_BYTES,
    )
}

/// `raw`: the original bytes of records that are not UTF-8, null elsewhere.
fn raw_column(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    group: &[Record<'_>],
) -> Result<Chunk, ParquetError> {
    let values = group.iter().map(|r| (!r.utf8).then_some(r.message));
    encoder.optional_plain_column(descr, values, DATA_PAGE_ROW_LIMIT, DATA_PAGE_BYTES)
}
