//! Encodes a finished partition into the bytes of one `messages` and one `indices` file.

mod indices;
#[cfg(test)]
mod tests;
mod values;

use indices::encode_indices;

use minerva_core::partition::{FinishedPartition, ObjectColumns};
use minerva_core::schema::{INDEXER_ZSTD_LEVEL, messages_schema, messages_writer_properties};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;

use crate::error::IndexError;

/// Rows per Arrow batch handed to the Parquet writer (bounds the transient memory).
const BATCH_ROWS: usize = 64 * 1024;

/// The two encoded files of one partition part.
#[derive(Debug)]
pub struct EncodedPart {
    /// The `messages` file.
    pub messages: Vec<u8>,
    /// The `indices` file.
    pub indices: Vec<u8>,
}

fn metadata(obj: ObjectColumns<'_>) -> Vec<KeyValue> {
    vec![
        KeyValue::new("minerva.source".into(), obj.source.to_owned()),
        KeyValue::new("minerva.object_id".into(), obj.object_id.to_owned()),
    ]
}

/// Encodes both files.
pub fn encode_part(
    part: &FinishedPartition,
    obj: ObjectColumns<'_>,
) -> Result<EncodedPart, IndexError> {
    let mut messages = ArrowWriter::try_new(
        Vec::new(),
        messages_schema(),
        Some(messages_writer_properties(
            metadata(obj),
            INDEXER_ZSTD_LEVEL,
        )),
    )?;
    for batch in part.messages_batches(obj, BATCH_ROWS) {
        messages.write(&batch)?;
    }
    let messages = messages.into_inner()?;

    let indices = encode_indices(
        part,
        obj.tag,
        obj.object_id,
        metadata(obj),
        INDEXER_ZSTD_LEVEL,
    )?;
    Ok(EncodedPart { messages, indices })
}
