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

use minerva_core::partition::{FinishedPartition, ObjectColumns, Record};
use minerva_core::schema::{
    DATA_PAGE_ROW_LIMIT, MESSAGES_ROW_GROUP_BYTES, MESSAGES_ROW_GROUP_ROWS, messages_schema,
    messages_writer_properties,
};
use parquet::basic::Encoding;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::schema::types::ColumnDescPtr;

use super::chunk::{Chunk, ChunkWriter, Encoder, write_file};
use super::values::{plain_byte_arrays, rle_hybrid};

/// Bytes of values after which a `message` or `raw` page ends (the Arrow writer's default
/// data page size).
const PAGE_BYTES: usize = 1024 * 1024;

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

/// `message`: PLAIN, pages of [`DATA_PAGE_ROW_LIMIT`] rows or [`PAGE_BYTES`].
fn message_column(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    group: &[Record<'_>],
) -> Result<Chunk, ParquetError> {
    let mut chunk = encoder.chunk(descr);
    let mut rows = 0;
    for record in group {
        plain_byte_arrays(&mut encoder.body, [&*text(record)]);
        rows += 1;
        if rows == DATA_PAGE_ROW_LIMIT || encoder.body.len() >= PAGE_BYTES {
            encoder.data_page(&mut chunk, rows, Encoding::PLAIN)?;
            rows = 0;
        }
    }
    if rows > 0 {
        encoder.data_page(&mut chunk, rows, Encoding::PLAIN)?;
    }
    chunk.finish(None, vec![Encoding::PLAIN, Encoding::RLE], None)
}

/// `raw`: the original bytes of records that are not UTF-8, null elsewhere. A page holds the
/// definition levels (1 = present; RLE / bit-packed, after their 4-byte length) and then the
/// present values PLAIN.
fn raw_column(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    group: &[Record<'_>],
) -> Result<Chunk, ParquetError> {
    let mut chunk = encoder.chunk(descr);
    let mut levels: Vec<u32> = Vec::with_capacity(group.len().min(DATA_PAGE_ROW_LIMIT));
    let mut values: Vec<u8> = Vec::new();
    for record in group {
        if record.utf8 {
            levels.push(0);
        } else {
            levels.push(1);
            plain_byte_arrays(&mut values, [record.message]);
        }
        if levels.len() == DATA_PAGE_ROW_LIMIT || values.len() >= PAGE_BYTES {
            raw_page(encoder, &mut chunk, &mut levels, &mut values)?;
        }
    }
    if !levels.is_empty() {
        raw_page(encoder, &mut chunk, &mut levels, &mut values)?;
    }
    chunk.finish(None, vec![Encoding::PLAIN, Encoding::RLE], None)
}

/// Writes one `raw` page of `levels` and the present `values`, and empties both.
fn raw_page(
    encoder: &mut Encoder,
    chunk: &mut ChunkWriter,
    levels: &mut Vec<u32>,
    values: &mut Vec<u8>,
) -> Result<(), ParquetError> {
    debug_assert!(encoder.body.is_empty());
    encoder.body.extend_from_slice(&[0; 4]);
    rle_hybrid(&mut encoder.body, levels, 1);
    let levels_len = (encoder.body.len() - 4) as u32;
    encoder.body[..4].copy_from_slice(&levels_len.to_le_bytes());
    encoder.body.extend_from_slice(values);
    encoder.data_page(chunk, levels.len(), Encoding::PLAIN)?;
    levels.clear();
    values.clear();
    Ok(())
}
