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

use minerva_core::partition::{FinishedPartition, IndexRow, ObjectColumns};
use minerva_core::schema::{
    DATA_PAGE_ROW_LIMIT, INDICES_ROW_GROUP_ROWS, indices_schema, indices_writer_properties,
};
use parquet::basic::Encoding;
use parquet::bloom_filter::Sbbf;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::schema::types::ColumnDescPtr;

use super::chunk::{
    Chunk, Encoder, ascending_column_index, byte_array_statistics, dictionary_encodings, write_file,
};
use super::values::DeltaByteArray;

/// False-positive rate of the `term` bloom filter (the Arrow writer's setting).
const BLOOM_FPP: f64 = 0.01;

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

/// `term`: sorted, so each value is stored as the prefix it shares with the one before and
/// the rest; the page's first and last terms are its statistics (column index).
fn term(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    part: &FinishedPartition,
    rows: &[IndexRow],
) -> Result<Chunk, ParquetError> {
    let mut chunk = encoder.chunk(descr);
    let mut column_index = ascending_column_index(descr);
    let mut values = DeltaByteArray::default();
    for page_rows in rows.chunks(DATA_PAGE_ROW_LIMIT) {
        let mut previous: Option<u32> = None;
        for row in page_rows {
            let term = part.term(row.term).as_bytes();
            match previous {
                Some(rank) if rank == row.term => values.push(term.len(), &[]),
                Some(rank) => {
                    let prefix = common_prefix(part.term(rank).as_bytes(), term);
                    values.push(prefix, &term[prefix..]);
                }
                None => values.push(0, term),
            }
            previous = Some(row.term);
        }
        let first = part.term(page_rows[0].term).as_bytes();
        let last = part.term(page_rows[page_rows.len() - 1].term).as_bytes();
        column_index.append(false, first.to_vec(), last.to_vec(), 0);
        values.flush(&mut encoder.body);
        encoder.data_page(&mut chunk, page_rows.len(), Encoding::DELTA_BYTE_ARRAY)?;
    }
    let distinct = 1 + rows.windows(2).filter(|w| w[0].term != w[1].term).count();
    let mut bloom = Sbbf::new_with_ndv_fpp(distinct as u64, BLOOM_FPP)?;
    let mut previous = None;
    for row in rows {
        if previous != Some(row.term) {
            bloom.insert(part.term(row.term));
            previous = Some(row.term);
        }
    }
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => (part.term(first.term), part.term(last.term)),
        _ => ("", ""),
    };
    chunk.column_index = Some(column_index);
    let stats = byte_array_statistics(first.as_bytes(), last.as_bytes());
    chunk.finish(
        Some(stats),
        vec![Encoding::RLE, Encoding::DELTA_BYTE_ARRAY],
        Some(bloom),
    )
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}
