//! Writes an `indices` file straight from a finished partition, page by page.
//!
//! The rows are already sorted and their strings interned as ranks, so each column is encoded
//! from integers: `tag` and `object_id` are one dictionary value and one RLE run per page,
//! `field` a dictionary of the row group's fields and bit-packed ranks, `term` DELTA_BYTE_ARRAY
//! (a repeated term costs two zero-length deltas), `seq` DELTA_BINARY_PACKED. The Arrow
//! writer did the same work again from strings: it hashed every row's `tag`, `field` and
//! `object_id` into a dictionary, compared every `term` for statistics and hashed it into the
//! bloom filter (a third of indexing CPU in the profile, see `scripts/bench-index.sh`).
//!
//! The file keeps the Arrow writer's schema, settings and footer: the same encodings, pages of
//! [`DATA_PAGE_ROW_LIMIT`] rows, row groups of [`INDICES_ROW_GROUP_ROWS`], page statistics
//! (column index) on `term` only, chunk statistics on every column, an offset index on every
//! column, and a bloom filter on `term` holding each distinct term of the row group. The tests
//! compare both writers' files value by value and their metadata.

use minerva_core::pages::{
    BloomSizing, Chunk, Encoder, byte_array_statistics, dictionary_encodings, write_file,
};
use minerva_core::partition::{FinishedPartition, IndexRow, ObjectColumns};
use minerva_core::schema::{
    DATA_PAGE_ROW_LIMIT, INDICES_BLOOM_FPP, INDICES_ROW_GROUP_ROWS, indices_schema,
    indices_writer_properties,
};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::schema::types::ColumnDescPtr;

/// Encodes the `indices` file of `part`; `tag` and `object_id` are the same on every row.
pub fn encode_indices(
    part: &FinishedPartition,
    obj: ObjectColumns<'_>,
    metadata: Vec<KeyValue>,
    zstd_level: i32,
) -> Result<Vec<u8>, ParquetError> {
    let (tag, object_id) = (obj.tag, obj.object_id);
    // The settings name the bloom filter for the footer's sake; the filter itself is built
    // here from the row group's distinct terms.
    let props = indices_writer_properties(part.distinct_terms(), metadata, zstd_level);
    let mut encoder = Encoder::new(zstd_level)?;
    let mut field_index = vec![u32::MAX; part.num_fields()];
    let mut row_groups = part.sorted_rows().chunks(INDICES_ROW_GROUP_ROWS);
    write_file(&indices_schema(), props, |columns| {
        let Some(rows) = row_groups.next() else {
            return Ok(None);
        };
        let [tag_col, field_col, term_col, object_id_col, seq_col] = columns else {
            return Err(ParquetError::General("indices have five columns".into()));
        };
        let seqs: Vec<i64> = rows.iter().map(|row| part.seq(row.record)).collect();
        let page = DATA_PAGE_ROW_LIMIT;
        Ok(Some(vec![
            encoder.constant(tag_col, tag, rows.len(), page, false)?,
            field(&mut encoder, field_col, part, rows, &mut field_index)?,
            term(&mut encoder, term_col, part, rows)?,
            encoder.constant(object_id_col, object_id, rows.len(), page, false)?,
            encoder.int64_delta(seq_col, &seqs, page, false)?,
        ]))
    })
}

/// `field`: a dictionary of the field names the row group holds, in byte-wise order.
/// `field_index` (one slot per field rank of the partition) is scratch space.
fn field(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    part: &FinishedPartition,
    rows: &[IndexRow],
    field_index: &mut [u32],
) -> Result<Chunk, ParquetError> {
    field_index.fill(u32::MAX);
    for row in rows {
        field_index[row.field as usize] = 0;
    }
    let mut dictionary = Vec::new();
    for (rank, slot) in field_index.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = dictionary.len() as u32;
            dictionary.push(rank as u32);
        }
    }
    let mut chunk = encoder.chunk(descr);
    encoder.dictionary_page(
        &mut chunk,
        dictionary.iter().map(|&rank| part.field(rank).as_bytes()),
    )?;
    let mut indices = Vec::with_capacity(DATA_PAGE_ROW_LIMIT.min(rows.len()));
    for page_rows in rows.chunks(DATA_PAGE_ROW_LIMIT) {
        indices.clear();
        indices.extend(page_rows.iter().map(|row| field_index[row.field as usize]));
        encoder.dictionary_indices_page(&mut chunk, &indices, dictionary.len())?;
    }
    let (first, last) = match (dictionary.first(), dictionary.last()) {
        (Some(&first), Some(&last)) => (part.field(first), part.field(last)),
        _ => ("", ""),
    };
    let stats = byte_array_statistics(first.as_bytes(), last.as_bytes());
    chunk.finish(Some(stats), dictionary_encodings(), None)
}

/// `term`: sorted; a repeated term is known from its rank.
fn term(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    part: &FinishedPartition,
    rows: &[IndexRow],
) -> Result<Chunk, ParquetError> {
    encoder.sorted_byte_arrays(
        descr,
        rows,
        DATA_PAGE_ROW_LIMIT,
        |row| part.term(row.term).as_bytes(),
        |a, b| a.term == b.term,
        Some(BloomSizing {
            max_ndv: u64::MAX,
            fpp: INDICES_BLOOM_FPP,
        }),
    )
}
