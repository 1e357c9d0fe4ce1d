//! Column chunks written page by page, and the file that holds them.
//!
//! A writer that knows its columns (which are constant, which are sorted, which strings are
//! already interned or ranked) encodes each column chunk from that knowledge into its own
//! buffer with the `parquet` crate's page writer and metadata builders, and [`FileWriter`]
//! splices the chunks into row groups of a `SerializedFileWriter`, which writes the page
//! indexes, bloom filters and footer as the Arrow writer would.

use std::sync::Arc;

use arrow_schema::Schema;
use bytes::Bytes;
use parquet::arrow::{ArrowSchemaConverter, add_encoded_arrow_schema_to_metadata};
use parquet::basic::{BoundaryOrder, Compression, Encoding, PageType, ZstdLevel};
use parquet::bloom_filter::Sbbf;
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::{
    ColumnChunkMetaData, ColumnIndexBuilder, OffsetIndexBuilder, PageEncodingStats, ParquetMetaData,
};
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use super::values::{bit_width, delta_binary_packed, plain_byte_arrays, rle_hybrid};

/// One encoded column chunk: its bytes and what the row group writer needs to know of them.
pub type Chunk = (Bytes, ColumnCloseResult);

/// A Parquet file written one row group of encoded chunks at a time into a buffer that the
/// caller drains ([`FileWriter::take_bytes`]), so a large file streams to its sink row group
/// by row group instead of being held whole.
pub struct FileWriter {
    writer: SerializedFileWriter<Vec<u8>>,
    columns: Vec<ColumnDescPtr>,
}

impl FileWriter {
    /// A file of the Arrow `schema` (kept in the footer, as the Arrow writer does) with
    /// `props`.
    pub fn try_new(schema: &Schema, mut props: WriterProperties) -> Result<Self, ParquetError> {
        add_encoded_arrow_schema_to_metadata(schema, &mut props);
        let descr = ArrowSchemaConverter::new().convert(schema)?;
        let columns = (0..descr.num_columns()).map(|i| descr.column(i)).collect();
        let writer =
            SerializedFileWriter::new(Vec::new(), descr.root_schema_ptr(), Arc::new(props))?;
        Ok(FileWriter { writer, columns })
    }

    /// The column descriptors, in schema order: what chunks are encoded against.
    pub fn columns(&self) -> &[ColumnDescPtr] {
        &self.columns
    }

    /// Appends one row group: a chunk per column, in schema order.
    pub fn append_row_group(&mut self, chunks: Vec<Chunk>) -> Result<(), ParquetError> {
        let mut row_group = self.writer.next_row_group()?;
        for (bytes, close) in chunks {
            row_group.append_column(&bytes, close)?;
        }
        row_group.close()?;
        Ok(())
    }

    /// Bytes of the file so far, taken or not.
    pub fn bytes_written(&self) -> usize {
        self.writer.bytes_written()
    }

    /// The bytes written since the last call.
    pub fn take_bytes(&mut self) -> Result<Vec<u8>, ParquetError> {
        self.writer
            .flush()
            .map_err(|e| ParquetError::External(Box::new(e)))?;
        Ok(std::mem::take(self.writer.inner_mut()))
    }

    /// Writes the page indexes, bloom filters and footer; the last bytes are then left to
    /// [`FileWriter::take_bytes`].
    pub fn finish(&mut self) -> Result<ParquetMetaData, ParquetError> {
        self.writer.finish()
    }
}

/// Writes a whole file of `schema` with `props` into memory. `row_groups` is called with the
/// schema's column descriptors until it returns `None`; each call gives one row group's
/// column chunks, in schema order.
pub fn write_file(
    schema: &Schema,
    props: WriterProperties,
    mut row_groups: impl FnMut(&[ColumnDescPtr]) -> Result<Option<Vec<Chunk>>, ParquetError>,
) -> Result<Vec<u8>, ParquetError> {
    let mut file = FileWriter::try_new(schema, props)?;
    while let Some(chunks) = row_groups(&file.columns)? {
        file.append_row_group(chunks)?;
    }
    file.finish()?;
    file.take_bytes()
}

fn zstd_error(e: std::io::Error) -> ParquetError {
    ParquetError::General(format!("zstd: {e}"))
}

/// What every column chunk of a file shares: the compressor (one zstd context for all pages)
/// and a scratch buffer for page bodies.
pub struct Encoder {
    compressor: zstd::bulk::Compressor<'static>,
    compression: Compression,
    /// The body of the page being built; pages are made from it and empty it.
    pub body: Vec<u8>,
}

impl Encoder {
    /// An encoder that compresses pages with zstd at `zstd_level` (clamped to 1–22).
    pub fn new(zstd_level: i32) -> Result<Self, ParquetError> {
        let level = zstd_level.clamp(1, 22);
        Ok(Encoder {
            compressor: zstd::bulk::Compressor::new(level).map_err(zstd_error)?,
            compression: Compression::ZSTD(ZstdLevel::try_new(level)?),
            body: Vec::new(),
        })
    }

    /// Starts a column chunk.
    pub fn chunk(&self, descr: &ColumnDescPtr) -> ChunkWriter {
        ChunkWriter {
            descr: descr.clone(),
            compression: self.compression,
            sink: TrackedWrite::new(Vec::new()),
            offset_index: OffsetIndexBuilder::new(),
            column_index: None,
            encoding_stats: Vec::new(),
            dictionary_page_offset: None,
            data_page_offset: None,
            compressed: 0,
            uncompressed: 0,
            values: 0,
            bytes_written: 0,
        }
    }

    /// Compresses the body into the page `make` builds around it, and empties the body.
    fn page(&mut self, make: impl FnOnce(Bytes) -> Page) -> Result<CompressedPage, ParquetError> {
        let buf = Bytes::from(self.compressor.compress(&self.body).map_err(zstd_error)?);
        let uncompressed = self.body.len();
        self.body.clear();
        Ok(CompressedPage::new(make(buf), uncompressed))
    }

    /// Writes the body as a version 1 data page of `rows` rows, values in `encoding`.
    pub fn data_page(
        &mut self,
        chunk: &mut ChunkWriter,
        rows: usize,
        encoding: Encoding,
    ) -> Result<(), ParquetError> {
        let page = self.page(|buf| Page::DataPage {
            buf,
            num_values: rows as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        })?;
        chunk.offset_index.append_row_count(rows as i64);
        chunk.write(page)
    }

    /// Writes a dictionary page holding `values` (PLAIN).
    pub fn dictionary_page<'v>(
        &mut self,
        chunk: &mut ChunkWriter,
        values: impl ExactSizeIterator<Item = &'v [u8]>,
    ) -> Result<(), ParquetError> {
        let num_values = values.len() as u32;
        plain_byte_arrays(&mut self.body, values);
        let page = self.page(|buf| Page::DictionaryPage {
            buf,
            num_values,
            encoding: Encoding::PLAIN,
            is_sorted: true,
        })?;
        chunk.write(page)
    }

    /// Writes a data page of dictionary indices, one per row, each below `dictionary_len`.
    pub fn dictionary_indices_page(
        &mut self,
        chunk: &mut ChunkWriter,
        indices: &[u32],
        dictionary_len: usize,
    ) -> Result<(), ParquetError> {
        let width = bit_width(dictionary_len.saturating_sub(1) as u64);
        self.body.push(width as u8);
        rle_hybrid(&mut self.body, indices, width);
        self.data_page(chunk, indices.len(), Encoding::RLE_DICTIONARY)
    }

    /// A column with one value on every row: a one-value dictionary and one RLE run per page
    /// of `page_rows`. With `page_statistics` each page also gets a column index entry.
    pub fn constant(
        &mut self,
        descr: &ColumnDescPtr,
        value: &str,
        rows: usize,
        page_rows: usize,
        page_statistics: bool,
    ) -> Result<Chunk, ParquetError> {
        let mut chunk = self.chunk(descr);
        if page_statistics {
            chunk.column_index = Some(ascending_column_index(descr));
        }
        self.dictionary_page(&mut chunk, std::iter::once(value.as_bytes()))?;
        let zeros = vec![0u32; rows.min(page_rows)];
        for start in (0..rows).step_by(page_rows.max(1)) {
            let n = (rows - start).min(page_rows);
            if let Some(index) = &mut chunk.column_index {
                index.append(
                    false,
                    value.as_bytes().to_vec(),
                    value.as_bytes().to_vec(),
                    0,
                );
            }
            self.dictionary_indices_page(&mut chunk, &zeros[..n], 1)?;
        }
        let stats = byte_array_statistics(value.as_bytes(), value.as_bytes());
        chunk.finish(Some(stats), dictionary_encodings(), None)
    }

    /// An INT64 column DELTA_BINARY_PACKED in pages of `page_rows`, with chunk statistics and,
    /// with `page_statistics`, a column index (ascending when every page's range follows the
    /// one before).
    pub fn int64_delta(
        &mut self,
        descr: &ColumnDescPtr,
        values: &[i64],
        page_rows: usize,
        page_statistics: bool,
    ) -> Result<Chunk, ParquetError> {
        let mut chunk = self.chunk(descr);
        let mut index = page_statistics.then(|| ColumnIndexBuilder::new(descr.physical_type()));
        let mut ascending = true;
        let mut previous: Option<(i64, i64)> = None;
        let (mut min, mut max) = (i64::MAX, i64::MIN);
        for page in values.chunks(page_rows.max(1)) {
            let page_min = page.iter().copied().min().unwrap_or(0);
            let page_max = page.iter().copied().max().unwrap_or(0);
            min = min.min(page_min);
            max = max.max(page_max);
            if let Some(index) = &mut index {
                let le = |v: i64| v.to_le_bytes().to_vec();
                index.append(false, le(page_min), le(page_max), 0);
                if let Some((last_min, last_max)) = previous {
                    ascending &= last_min <= page_min && last_max <= page_max;
                }
                previous = Some((page_min, page_max));
            }
            delta_binary_packed(&mut self.body, page);
            self.data_page(&mut chunk, page.len(), Encoding::DELTA_BINARY_PACKED)?;
        }
        if let Some(mut index) = index {
            index.set_boundary_order(if ascending {
                BoundaryOrder::ASCENDING
            } else {
                BoundaryOrder::UNORDERED
            });
            chunk.column_index = Some(index);
        }
        let stats = Statistics::Int64(
            ValueStatistics::new(Some(min), Some(max), None, Some(0), false)
                .with_backwards_compatible_min_max(true),
        );
        chunk.finish(
            Some(stats),
            vec![Encoding::RLE, Encoding::DELTA_BINARY_PACKED],
            None,
        )
    }
}

/// A column index builder for `descr` whose pages are in ascending order.
pub fn ascending_column_index(descr: &ColumnDescPtr) -> ColumnIndexBuilder {
    let mut index = ColumnIndexBuilder::new(descr.physical_type());
    index.set_boundary_order(BoundaryOrder::ASCENDING);
    index
}

/// The encodings of a dictionary-encoded column chunk.
pub fn dictionary_encodings() -> Vec<Encoding> {
    vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY]
}

/// Exact chunk statistics of a string column with no nulls.
pub fn byte_array_statistics(min: &[u8], max: &[u8]) -> Statistics {
    Statistics::ByteArray(ValueStatistics::new(
        Some(ByteArray::from(min.to_vec())),
        Some(ByteArray::from(max.to_vec())),
        None,
        Some(0),
        false,
    ))
}

/// One column chunk being written into its own buffer, later spliced into the row group.
pub struct ChunkWriter {
    descr: ColumnDescPtr,
    compression: Compression,
    sink: TrackedWrite<Vec<u8>>,
    offset_index: OffsetIndexBuilder,
    /// The page statistics, for the columns that keep them.
    pub column_index: Option<ColumnIndexBuilder>,
    encoding_stats: Vec<PageEncodingStats>,
    dictionary_page_offset: Option<i64>,
    data_page_offset: Option<i64>,
    compressed: u64,
    uncompressed: u64,
    values: u64,
    bytes_written: u64,
}

impl ChunkWriter {
    fn write(&mut self, page: CompressedPage) -> Result<(), ParquetError> {
        let page_type = page.page_type();
        let encoding = page.encoding();
        let spec = SerializedPageWriter::new(&mut self.sink).write_page(page)?;
        self.compressed += spec.compressed_size as u64;
        self.uncompressed += spec.uncompressed_size as u64;
        self.bytes_written += spec.bytes_written;
        if page_type == PageType::DICTIONARY_PAGE {
            self.dictionary_page_offset = Some(spec.offset as i64);
        } else {
            self.values += u64::from(spec.num_values);
            self.data_page_offset.get_or_insert(spec.offset as i64);
            self.offset_index
                .append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
        }
        match self.encoding_stats.last_mut() {
            Some(last) if last.page_type == page_type && last.encoding == encoding => {
                last.count += 1
            }
            _ => self.encoding_stats.push(PageEncodingStats {
                page_type,
                encoding,
                count: 1,
            }),
        }
        Ok(())
    }

    /// Ends the chunk: its metadata (with `statistics` when given), page indexes and bloom
    /// filter.
    pub fn finish(
        self,
        statistics: Option<Statistics>,
        encodings: Vec<Encoding>,
        bloom_filter: Option<Sbbf>,
    ) -> Result<Chunk, ParquetError> {
        let mut metadata = ColumnChunkMetaData::builder(self.descr)
            .set_compression(self.compression)
            .set_encodings(encodings)
            .set_page_encoding_stats(self.encoding_stats)
            .set_total_compressed_size(self.compressed as i64)
            .set_total_uncompressed_size(self.uncompressed as i64)
            .set_num_values(self.values as i64)
            .set_data_page_offset(self.data_page_offset.unwrap_or(0))
            .set_dictionary_page_offset(self.dictionary_page_offset);
        if let Some(statistics) = statistics {
            metadata = metadata.set_statistics(statistics);
        }
        let column_index = self
            .column_index
            .map(ColumnIndexBuilder::build)
            .transpose()?;
        let close = ColumnCloseResult {
            bytes_written: self.bytes_written,
            rows_written: self.values,
            metadata: metadata.build()?,
            bloom_filter,
            column_index,
            offset_index: Some(self.offset_index.build()),
        };
        Ok((Bytes::from(self.sink.into_inner()?), close))
    }
}
