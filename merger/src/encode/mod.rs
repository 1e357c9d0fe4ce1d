//! Merged files written page by page.
//!
//! The k-way merge hands over rows sorted by the table's key, as references into the inputs'
//! batches ([`MergedRows`]: no copy into a merged batch first), so each column of a row group
//! is encoded from what that order gives away instead of through the Arrow writer, which hashed
//! every row's strings into dictionaries, compared every value for page statistics and hashed
//! every `term` into the bloom filter (half of merge CPU in the profile, see
//! `scripts/bench-merge.sh`):
//! - `tag`, `field`, `object_id`, `source`: a sorted dictionary per row group, each entry of
//!   the inputs' dictionaries looked up once ([`KeyedValues`]);
//! - `term` ([`indices`]): DELTA_BYTE_ARRAY from the row before, page min/max from the page's
//!   first and last rows, the bloom filter fed once per distinct term;
//! - `seq`, `timestamp`: DELTA_BINARY_PACKED;
//! - `message`, `raw` ([`messages`]): PLAIN, straight from the inputs' arrays.
//!
//! The files keep the Arrow writer's schema, settings and footer (see
//! [`minerva_core::pages`]); the tests compare both writers' files.

mod indices;
mod messages;
#[cfg(test)]
mod tests;

use minerva_core::layout::Table;
use minerva_core::pages::{
    Chunk, Encoder, FileWriter, ascending_column_index, byte_array_statistics, dictionary_encodings,
};
use minerva_core::schema::{MERGED_ZSTD_LEVEL, MESSAGES_ROW_GROUP_BYTES, MergedLayout, col};
use parquet::basic::BoundaryOrder;
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescPtr;
use rustc_hash::FxHashMap;

use crate::rows::{KeyedValues, MergedRows};

/// Gathers merged rows of one table into row groups and encodes each into a [`FileWriter`].
pub(crate) struct MergedEncoder {
    table: Table,
    layout: MergedLayout,
    encoder: Encoder,
    row_group_rows: usize,
    /// Rows of the row group being gathered.
    pending: Vec<MergedRows>,
    pending_rows: usize,
    /// Bytes of `message` values pending (`messages` row groups also end at
    /// [`MESSAGES_ROW_GROUP_BYTES`]).
    pending_bytes: usize,
}

impl MergedEncoder {
    /// An encoder of merged `table` files with the sizes and levels of `layout`.
    pub(crate) fn new(table: Table, layout: &MergedLayout) -> Result<Self, ParquetError> {
        let (zstd_level, row_group_rows) = match table {
            Table::Indices => (MERGED_ZSTD_LEVEL, layout.indices_row_group_rows),
            Table::Messages => (layout.messages_zstd_level, layout.messages_row_group_rows),
        };
        Ok(MergedEncoder {
            table,
            layout: *layout,
            encoder: Encoder::new(zstd_level)?,
            row_group_rows: row_group_rows.max(1),
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
        })
    }

    /// Adds merged rows (continuing the order of the rows before), writing each row group
    /// they complete.
    pub(crate) fn write(
        &mut self,
        rows: &MergedRows,
        file: &mut FileWriter,
    ) -> Result<(), ParquetError> {
        let mut message_lengths = Vec::new();
        if self.table == Table::Messages {
            rows.extend_text(col::MESSAGE, &mut message_lengths)?;
        }
        let mut start = 0;
        for end in 0..rows.len() {
            // A row joins the row group unless the group is full: by rows, or (for messages) by
            // the bytes of its messages once it holds at least one row.
            let row_bytes = message_lengths.get(end).map_or(0, |m| m.len());
            let full = self.pending_rows == self.row_group_rows
                || (self.pending_rows > 0
                    && self.pending_bytes + row_bytes > MESSAGES_ROW_GROUP_BYTES);
            if full {
                if end > start {
                    self.pending.push(rows.slice(start, end));
                }
                start = end;
                self.flush(file)?;
            }
            self.pending_rows += 1;
            self.pending_bytes += row_bytes;
        }
        if rows.len() > start {
            self.pending.push(rows.slice(start, rows.len()));
        }
        Ok(())
    }

    /// Writes the last, partial row group.
    pub(crate) fn finish(&mut self, file: &mut FileWriter) -> Result<(), ParquetError> {
        if self.pending_rows > 0 {
            self.flush(file)?;
        }
        Ok(())
    }

    fn flush(&mut self, file: &mut FileWriter) -> Result<(), ParquetError> {
        let batches = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        self.pending_bytes = 0;
        let chunks = match self.table {
            Table::Indices => {
                indices::row_group(&mut self.encoder, &self.layout, file.columns(), &batches)?
            }
            Table::Messages => {
                messages::row_group(&mut self.encoder, &self.layout, file.columns(), &batches)?
            }
        };
        file.append_row_group(chunks)
    }
}

/// What `extend` appends for each of `runs`, in one vector.
fn gather<'r, T>(
    runs: &'r [MergedRows],
    mut extend: impl FnMut(&'r MergedRows, &mut Vec<T>) -> Result<(), ParquetError>,
) -> Result<Vec<T>, ParquetError> {
    let mut values = Vec::with_capacity(runs.iter().map(MergedRows::len).sum());
    for run in runs {
        extend(run, &mut values)?;
    }
    Ok(values)
}

/// Every value of the required text column `name` across `runs`.
fn text_values<'r>(runs: &'r [MergedRows], name: &str) -> Result<Vec<&'r [u8]>, ParquetError> {
    gather(runs, |run, out| run.extend_text(name, out))
}

/// Every value of the required INT64 (or timestamp) column `name` across `runs`.
fn int64_values(runs: &[MergedRows], name: &str) -> Result<Vec<i64>, ParquetError> {
    gather(runs, |run, out| run.extend_int64(name, out))
}

/// Every value of the optional binary column `name` across `runs` (`None` for null).
fn binary_values<'r>(
    runs: &'r [MergedRows],
    name: &str,
) -> Result<Vec<Option<&'r [u8]>>, ParquetError> {
    gather(runs, |run, out| run.extend_binary(name, out))
}

/// Every value of the required text column `name` across `runs`, as `(slot, key)` into the
/// distinct value arrays (dictionaries) they come from.
fn keyed_values<'r>(
    runs: &'r [MergedRows],
    name: &str,
) -> Result<(KeyedValues<'r>, Vec<(u32, u32)>), ParquetError> {
    let mut values = KeyedValues::default();
    let rows = gather(runs, |run, out| run.extend_keyed(name, &mut values, out))?;
    Ok((values, rows))
}

/// The text column `name` of `runs` dictionary-encoded (see [`dictionary_column`]).
fn dictionary_column_of(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    runs: &[MergedRows],
    name: &str,
    page_rows: usize,
    page_statistics: bool,
) -> Result<Chunk, ParquetError> {
    let (values, rows) = keyed_values(runs, name)?;
    dictionary_column(encoder, descr, &values, &rows, page_rows, page_statistics)
}

/// A dictionary-encoded string column: the row group's distinct values sorted in a dictionary
/// page, each row's index into it in pages of `page_rows`, chunk statistics and, with
/// `page_statistics`, each page's min/max (ascending when each page's range follows the one
/// before, as for a sorted column). Row `(slot, key)` is value `key` of `values.arrays[slot]`;
/// each (slot, key) is looked up once, and a row that repeats the row before not at all.
fn dictionary_column(
    encoder: &mut Encoder,
    descr: &ColumnDescPtr,
    values: &KeyedValues<'_>,
    rows: &[(u32, u32)],
    page_rows: usize,
    page_statistics: bool,
) -> Result<Chunk, ParquetError> {
    // Ids in order of first appearance, found through each slot's table of keys.
    const UNSEEN: u32 = u32::MAX;
    let mut tables: Vec<Vec<u32>> = values
        .arrays
        .iter()
        .map(|a| vec![UNSEEN; arrow_array::Array::len(*a)])
        .collect();
    let mut ids: FxHashMap<&[u8], u32> = FxHashMap::default();
    let mut distinct: Vec<&[u8]> = Vec::new();
    let mut indices: Vec<u32> = Vec::with_capacity(rows.len());
    let mut previous: Option<((u32, u32), u32)> = None;
    for &(slot, key) in rows {
        let id = match previous {
            Some((before, id)) if before == (slot, key) => id,
            _ => {
                let known = &mut tables[slot as usize][key as usize];
                if *known == UNSEEN {
                    let value = values.arrays[slot as usize].value(key as usize).as_bytes();
                    *known = match previous {
                        // Plain (not dictionary) inputs: every row is a new key.
                        Some((_, id)) if distinct[id as usize] == value => id,
                        _ => *ids.entry(value).or_insert_with(|| {
                            distinct.push(value);
                            distinct.len() as u32 - 1
                        }),
                    };
                }
                *known
            }
        };
        previous = Some(((slot, key), id));
        indices.push(id);
    }
    // The dictionary sorted byte-wise, and the ids renumbered to match.
    let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
    order.sort_unstable_by_key(|&id| distinct[id as usize]);
    let mut rank = vec![0u32; distinct.len()];
    for (position, &id) in order.iter().enumerate() {
        rank[id as usize] = position as u32;
    }
    for index in &mut indices {
        *index = rank[*index as usize];
    }
    let sorted = |rank: u32| distinct[order[rank as usize] as usize];
    let mut chunk = encoder.chunk(descr);
    let mut column_index = page_statistics.then(|| ascending_column_index(descr));
    let mut ascending = true;
    let mut previous_page: Option<(u32, u32)> = None;
    encoder.dictionary_page(&mut chunk, (0..distinct.len() as u32).map(sorted))?;
    for page in indices.chunks(page_rows.max(1)) {
        if let Some(index) = &mut column_index {
            let min = page.iter().copied().min().unwrap_or(0);
            let max = page.iter().copied().max().unwrap_or(0);
            index.append(false, sorted(min).to_vec(), sorted(max).to_vec(), 0);
            if let Some((last_min, last_max)) = previous_page {
                ascending &= last_min <= min && last_max <= max;
            }
            previous_page = Some((min, max));
        }
        encoder.dictionary_indices_page(&mut chunk, page, distinct.len())?;
    }
    if let Some(index) = column_index.as_mut().filter(|_| !ascending) {
        index.set_boundary_order(BoundaryOrder::UNORDERED);
    }
    chunk.column_index = column_index;
    let (min, max) = match distinct.len() {
        0 => (&[][..], &[][..]),
        n => (sorted(0), sorted(n as u32 - 1)),
    };
    chunk.finish(
        Some(byte_array_statistics(min, max)),
        dictionary_encodings(),
        None,
    )
}
