//! One row group of a merged `messages` file.

use minerva_core::pages::{Chunk, DATA_PAGE_BYTES, Encoder};
use minerva_core::schema::{MergedLayout, col};
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescPtr;

use crate::rows::MergedRows;

use super::{binary_values, dictionary_column_of, int64_values, text_values};

/// The chunks of one row group of merged `messages` rows, sorted by (object_id, seq): page
/// statistics on `object_id` and `seq` (the fetch's filter), chunk statistics on the other
/// small columns, none on `message` and `raw`, whose pages also end at [`DATA_PAGE_BYTES`].
pub(super) fn row_group(
    encoder: &mut Encoder,
    layout: &MergedLayout,
    columns: &[ColumnDescPtr],
    runs: &[MergedRows],
) -> Result<Vec<Chunk>, ParquetError> {
    let [tag, timestamp, object_id, seq, source, message, raw] = columns else {
        return Err(ParquetError::General("messages have seven columns".into()));
    };
    let page = layout.messages_page_rows.max(1);
    Ok(vec![
        dictionary_column_of(encoder, tag, runs, col::TAG, page, false)?,
        encoder.int64_delta(timestamp, &int64_values(runs, col::TIMESTAMP)?, page, false)?,
        dictionary_column_of(encoder, object_id, runs, col::OBJECT_ID, page, true)?,
        encoder.int64_delta(seq, &int64_values(runs, col::SEQ)?, page, true)?,
        dictionary_column_of(encoder, source, runs, col::SOURCE, page, false)?,
        encoder.plain_column(
            message,
            text_values(runs, col::MESSAGE)?,
            page,
            DATA_PAGE_BYTES,
        )?,
        encoder.optional_plain_column(
            raw,
            binary_values(runs, col::RAW)?,
            page,
            DATA_PAGE_BYTES,
        )?,
    ])
}
