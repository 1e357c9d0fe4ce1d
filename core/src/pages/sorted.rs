//! A sorted string column (`indices.term`, sorted first in both the indexer's and the merger's
//! files): each value stored as the prefix it shares with the one before and the rest
//! (DELTA_BYTE_ARRAY, so a repeated value costs two zero-length deltas), each page's first and
//! last values as its statistics, and a bloom filter of the distinct values.

use parquet::basic::Encoding;
use parquet::bloom_filter::Sbbf;
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescPtr;

use super::chunk::{Chunk, Encoder, ascending_column_index, byte_array_statistics};
use super::values::DeltaByteArray;

/// How the bloom filter of a sorted column is sized: for the distinct values of the row group,
/// at most `max_ndv` of them, with `fpp` false positives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BloomSizing {
    /// Most distinct values the filter is sized for (more still go in, at a higher rate).
    pub max_ndv: u64,
    /// False-positive rate at that size.
    pub fpp: f64,
}

/// Length of the prefix `a` and `b` share.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Encoder {
    /// One row group's chunk of a sorted byte-string column, in pages of `page_rows`. `value`
    /// gives a row's bytes; `same` tells whether two neighbouring rows hold the same value
    /// (cheaply where the caller knows, from interned ranks), else their common prefix is
    /// computed.
    pub fn sorted_byte_arrays<'v, T>(
        &mut self,
        descr: &ColumnDescPtr,
        rows: &'v [T],
        page_rows: usize,
        value: impl Fn(&'v T) -> &'v [u8],
        same: impl Fn(&T, &T) -> bool,
        bloom: Option<BloomSizing>,
    ) -> Result<Chunk, ParquetError> {
        // Whether each row starts a run of equal values: one `same` per row for the pages,
        // the distinct count and the bloom filter.
        let mut starts_run = Vec::with_capacity(rows.len());
        starts_run.extend(rows.first().map(|_| true));
        starts_run.extend(rows.windows(2).map(|w| !same(&w[0], &w[1])));
        let mut chunk = self.chunk(descr);
        let mut column_index = ascending_column_index(descr);
        let mut values = DeltaByteArray::default();
        let page_rows = page_rows.max(1);
        for (page_start, page) in (0..).step_by(page_rows).zip(rows.chunks(page_rows)) {
            values.push(0, value(&page[0]));
            for (i, row) in (page_start + 1..).zip(&page[1..]) {
                let bytes = value(row);
                if starts_run[i] {
                    let prefix = common_prefix(value(&rows[i - 1]), bytes);
                    values.push(prefix, &bytes[prefix..]);
                } else {
                    values.push(bytes.len(), &[]);
                }
            }
            let (first, last) = (value(&page[0]), value(&page[page.len() - 1]));
            column_index.append(false, first.to_vec(), last.to_vec(), 0);
            values.flush(&mut self.body);
            self.data_page(&mut chunk, page.len(), Encoding::DELTA_BYTE_ARRAY)?;
        }
        let filter = match bloom {
            Some(sizing) => {
                let distinct = starts_run.iter().filter(|&&starts| starts).count();
                let ndv = (distinct as u64).min(sizing.max_ndv).max(1);
                let mut filter = Sbbf::new_with_ndv_fpp(ndv, sizing.fpp)?;
                for (row, _) in rows.iter().zip(&starts_run).filter(|(_, starts)| **starts) {
                    filter.insert(value(row));
                }
                Some(filter)
            }
            None => None,
        };
        let (first, last) = match (rows.first(), rows.last()) {
            (Some(first), Some(last)) => (value(first), value(last)),
            _ => (&[][..], &[][..]),
        };
        chunk.column_index = Some(column_index);
        chunk.finish(
            Some(byte_array_statistics(first, last)),
            vec![Encoding::RLE, Encoding::DELTA_BYTE_ARRAY],
            filter,
        )
    }
}
