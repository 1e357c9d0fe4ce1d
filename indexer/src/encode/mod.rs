//! Encodes a finished partition into the bytes of one `messages` and one `indices` file.

mod indices;
mod messages;
#[cfg(test)]
mod tests;

use indices::encode_indices;
use messages::encode_messages;

use minerva_core::partition::{FinishedPartition, ObjectColumns};
use minerva_core::schema::INDEXER_ZSTD_LEVEL;
use parquet::file::metadata::KeyValue;

use crate::error::IndexError;

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
    let messages = encode_messages(part, obj, metadata(obj), INDEXER_ZSTD_LEVEL)?;
    let indices = encode_indices(part, obj, metadata(obj), INDEXER_ZSTD_LEVEL)?;
    Ok(EncodedPart { messages, indices })
}
