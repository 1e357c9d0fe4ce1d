//! One row group of a merged `indices` file.

use minerva_core::pages::{BloomSizing, Chunk, Encoder};
use minerva_core::schema::{INDICES_BLOOM_FPP, MergedLayout, col};
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescPtr;

use crate::rows::MergedRows;

use super::{dictionary_column_of, int64_values, text_values};

/// The chunks of one row group of merged `indices` rows, sorted by (term, field, object_id,
/// seq).
pub(super) fn row_group(
    encoder: &mut Encoder,
    layout: &MergedLayout,
    columns: &[ColumnDescPtr],
    runs: &[MergedRows],
) -> Result<Vec<Chunk>, ParquetError> {
    let [tag, field, term, object_id, seq] = columns else {
        return Err(ParquetError::General("indices have five columns".into()));
    };
    let page = layout.indices_page_rows.max(1);
    let bloom = layout.indices_bloom_ndv.map(|ndv| BloomSizing {
        max_ndv: ndv.max(1),
        fpp: INDICES_BLOOM_FPP,
    });
    let terms = text_values(runs, col::TERM)?;
    Ok(vec![
        dictionary_column_of(encoder, tag, runs, col::TAG, page, false)?,
        dictionary_column_of(encoder, field, runs, col::FIELD, page, false)?,
        encoder.sorted_byte_arrays(term, &terms, page, |v| *v, |a, b| a == b, bloom)?,
        dictionary_column_of(encoder, object_id, runs, col::OBJECT_ID, page, false)?,
        encoder.int64_delta(seq, &int64_values(runs, col::SEQ)?, page, false)?,
    ])
}
