//! Long byte-string columns with no statistics (`messages.message`, `messages.raw`): values
//! PLAIN, pages cut at a row count or once their values reach a byte size.

use parquet::basic::Encoding;
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescPtr;

use super::chunk::{Chunk, ChunkWriter, Encoder};
use super::values::{plain_byte_arrays, rle_hybrid};

/// Bytes of values after which a page of a long string column ends (the Arrow writer's default
/// data page size).
pub const DATA_PAGE_BYTES: usize = 1024 * 1024;

impl Encoder {
    /// A required byte-string column, PLAIN, in pages of at most `page_rows` rows that end
    /// once their values reach `page_bytes`.
    pub fn plain_column<V: AsRef<[u8]>>(
        &mut self,
        descr: &ColumnDescPtr,
        values: impl IntoIterator<Item = V>,
        page_rows: usize,
        page_bytes: usize,
    ) -> Result<Chunk, ParquetError> {
        let mut chunk = self.chunk(descr);
        let mut rows = 0;
        for value in values {
            plain_byte_arrays(&mut self.body, [value.as_ref()]);
            rows += 1;
            if rows == page_rows || self.body.len() >= page_bytes {
                self.data_page(&mut chunk, rows, Encoding::PLAIN)?;
                rows = 0;
            }
        }
        if rows > 0 {
            self.data_page(&mut chunk, rows, Encoding::PLAIN)?;
        }
        chunk.finish(None, vec![Encoding::PLAIN, Encoding::RLE], None)
    }

    /// An optional byte-string column (`None` is null), paged as [`Encoder::plain_column`]. A
    /// page holds the definition levels (1 = present; RLE / bit-packed, after their 4-byte
    /// length) and then the present values PLAIN.
    pub fn optional_plain_column<'v>(
        &mut self,
        descr: &ColumnDescPtr,
        values: impl IntoIterator<Item = Option<&'v [u8]>>,
        page_rows: usize,
        page_bytes: usize,
    ) -> Result<Chunk, ParquetError> {
        let mut chunk = self.chunk(descr);
        let mut levels: Vec<u32> = Vec::new();
        let mut present: Vec<u8> = Vec::new();
        for value in values {
            match value {
                Some(value) => {
                    levels.push(1);
                    plain_byte_arrays(&mut present, [value]);
                }
                None => levels.push(0),
            }
            if levels.len() == page_rows || present.len() >= page_bytes {
                self.optional_page(&mut chunk, &mut levels, &mut present)?;
            }
        }
        if !levels.is_empty() {
            self.optional_page(&mut chunk, &mut levels, &mut present)?;
        }
        chunk.finish(None, vec![Encoding::PLAIN, Encoding::RLE], None)
    }

    /// Writes one page of definition `levels` and the `present` values, and empties both.
    fn optional_page(
        &mut self,
        chunk: &mut ChunkWriter,
        levels: &mut Vec<u32>,
        present: &mut Vec<u8>,
    ) -> Result<(), ParquetError> {
        debug_assert!(self.body.is_empty());
        self.body.extend_from_slice(&[0; 4]);
        rle_hybrid(&mut self.body, levels, 1);
        let levels_len = (self.body.len() - 4) as u32;
        self.body[..4].copy_from_slice(&levels_len.to_le_bytes());
        self.body.extend_from_slice(present);
        self.data_page(chunk, levels.len(), Encoding::PLAIN)?;
        levels.clear();
        present.clear();
        Ok(())
    }
}
