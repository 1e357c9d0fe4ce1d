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

use std::sync::Arc;

use bytes::Bytes;
use minerva_core::partition::{FinishedPartition, IndexRow};
use minerva_core::schema::{
    DATA_PAGE_ROW_LIMIT, INDICES_ROW_GROUP_ROWS, indices_schema, indices_writer_properties,
};
use parquet::arrow::{ArrowSchemaConverter, add_encoded_arrow_schema_to_metadata};
use parquet::basic::{BoundaryOrder, Compression, Encoding, PageType, ZstdLevel};
use parquet::bloom_filter::Sbbf;
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::{
    ColumnChunkMetaData, ColumnIndexBuilder, KeyValue, OffsetIndexBuilder, PageEncodingStats,
};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use super::values::{
    DeltaByteArray, bit_width, delta_binary_packed, plain_byte_arrays, rle_hybrid,
};

/// False-positive rate of the `term` bloom filter (the Arrow writer's setting).
const BLOOM_FPP: f64 = 0.01;

/// Encodes the `indices` file of `part`, whose `tag` and `object_id` are the same on every row.
pub fn encode_indices(
    part: &FinishedPartition,
    tag: &str,
    object_id: &str,
    metadata: Vec<KeyValue>,
    zstd_level: i32,
) -> Result<Vec<u8>, ParquetError> {
    let schema = indices_schema();
    let mut props = indices_writer_properties(part.distinct_terms(), metadata, zstd_level);
    add_encoded_arrow_schema_to_metadata(&schema, &mut props);
    let descr = ArrowSchemaConverter::new().convert(&schema)?;
    let level = zstd_level.clamp(1, 22);
    let mut encoder = Encoder {
        compressor: zstd::bulk::Compressor::new(level).map_err(zstd_error)?,
        compression: Compression::ZSTD(ZstdLevel::try_new(level)?),
        body: Vec::new(),
    };
    let columns: Vec<ColumnDescPtr> = (0..descr.num_columns()).map(|i| descr.column(i)).collect();
    let [tag_col, field_col, term_col, object_id_col, seq_col] = columns.as_slice() else {
        return Err(ParquetError::General(
            "indices schema has five columns".into(),
        ));
    };
    let mut writer =
        SerializedFileWriter::new(Vec::new(), descr.root_schema_ptr(), Arc::new(props))?;
    let mut field_index = vec![u32::MAX; part.num_fields()];
    for rows in part.sorted_rows().chunks(INDICES_ROW_GROUP_ROWS) {
        let chunks = [
            encoder.constant(tag_col, tag, rows.len())?,
            encoder.field(field_col, part, rows, &mut field_index)?,
            encoder.term(term_col, part, rows)?,
            encoder.constant(object_id_col, object_id, rows.len())?,
            encoder.seq(seq_col, part, rows)?,
        ];
        let mut row_group = writer.next_row_group()?;
        for (bytes, close) in chunks {
            row_group.append_column(&bytes, close)?;
        }
        row_group.close()?;
    }
    writer.into_inner()
}

fn zstd_error(e: std::io::Error) -> ParquetError {
    ParquetError::General(format!("zstd: {e}"))
}

/// What every column chunk shares: the compressor and a scratch buffer for page bodies.
struct Encoder {
    compressor: zstd::bulk::Compressor<'static>,
    compression: Compression,
    body: Vec<u8>,
}

impl Encoder {
    fn chunk(&self, descr: &ColumnDescPtr) -> ChunkWriter {
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

    /// Compresses `self.body` into the page `make` builds around it, and empties the body.
    fn page(&mut self, make: impl FnOnce(Bytes) -> Page) -> Result<CompressedPage, ParquetError> {
        let buf = Bytes::from(self.compressor.compress(&self.body).map_err(zstd_error)?);
        let uncompressed = self.body.len();
        self.body.clear();
        Ok(CompressedPage::new(make(buf), uncompressed))
    }

    /// A dictionary page holding `values` (PLAIN).
    fn dictionary_page<'v>(
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

    /// A data page of dictionary indices, one per row, each below `dictionary_len`.
    fn dictionary_indices_page(
        &mut self,
        chunk: &mut ChunkWriter,
        indices: &[u32],
        dictionary_len: usize,
    ) -> Result<(), ParquetError> {
        let width = bit_width(dictionary_len.saturating_sub(1) as u64);
        self.body.push(width as u8);
        rle_hybrid(&mut self.body, indices, width);
        let page = self.page(data_page(indices.len(), Encoding::RLE_DICTIONARY))?;
        chunk.offset_index.append_row_count(indices.len() as i64);
        chunk.write(page)
    }

    /// `tag` or `object_id`: one value on every row.
    fn constant(
        &mut self,
        descr: &ColumnDescPtr,
        value: &str,
        rows: usize,
    ) -> Result<(Bytes, ColumnCloseResult), ParquetError> {
        let mut chunk = self.chunk(descr);
        self.dictionary_page(&mut chunk, std::iter::once(value.as_bytes()))?;
        let zeros = vec![0u32; rows.min(DATA_PAGE_ROW_LIMIT)];
        for start in (0..rows).step_by(DATA_PAGE_ROW_LIMIT) {
            let n = (rows - start).min(DATA_PAGE_ROW_LIMIT);
            self.dictionary_indices_page(&mut chunk, &zeros[..n], 1)?;
        }
        let stats = byte_array_statistics(value.as_bytes(), value.as_bytes());
        chunk.finish(stats, dictionary_encodings(), None)
    }

    /// `field`: a dictionary of the field names the row group holds, in byte-wise order.
    /// `field_index` (one slot per field rank of the partition) is scratch space.
    fn field(
        &mut self,
        descr: &ColumnDescPtr,
        part: &FinishedPartition,
        rows: &[IndexRow],
        field_index: &mut [u32],
    ) -> Result<(Bytes, ColumnCloseResult), ParquetError> {
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
        let mut chunk = self.chunk(descr);
        self.dictionary_page(
            &mut chunk,
            dictionary.iter().map(|&rank| part.field(rank).as_bytes()),
        )?;
        let mut indices = Vec::with_capacity(DATA_PAGE_ROW_LIMIT.min(rows.len()));
        for page_rows in rows.chunks(DATA_PAGE_ROW_LIMIT) {
            indices.clear();
            indices.extend(page_rows.iter().map(|row| field_index[row.field as usize]));
            self.dictionary_indices_page(&mut chunk, &indices, dictionary.len())?;
        }
        let (first, last) = match (dictionary.first(), dictionary.last()) {
            (Some(&first), Some(&last)) => (part.field(first), part.field(last)),
            _ => ("", ""),
        };
        let stats = byte_array_statistics(first.as_bytes(), last.as_bytes());
        chunk.finish(stats, dictionary_encodings(), None)
    }

    /// `term`: sorted, so each value is stored as the prefix it shares with the one before and
    /// the rest; the page's first and last terms are its statistics (column index).
    fn term(
        &mut self,
        descr: &ColumnDescPtr,
        part: &FinishedPartition,
        rows: &[IndexRow],
    ) -> Result<(Bytes, ColumnCloseResult), ParquetError> {
        let mut chunk = self.chunk(descr);
        let mut column_index = ColumnIndexBuilder::new(descr.physical_type());
        column_index.set_boundary_order(BoundaryOrder::ASCENDING);
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
            values.flush(&mut self.body);
            let page = self.page(data_page(page_rows.len(), Encoding::DELTA_BYTE_ARRAY))?;
            chunk.offset_index.append_row_count(page_rows.len() as i64);
            chunk.write(page)?;
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
            stats,
            vec![Encoding::RLE, Encoding::DELTA_BYTE_ARRAY],
            Some(bloom),
        )
    }

    /// `seq`: rises within a term's run of rows, so its differences take a few bits.
    fn seq(
        &mut self,
        descr: &ColumnDescPtr,
        part: &FinishedPartition,
        rows: &[IndexRow],
    ) -> Result<(Bytes, ColumnCloseResult), ParquetError> {
        let mut chunk = self.chunk(descr);
        let mut seqs = Vec::with_capacity(DATA_PAGE_ROW_LIMIT.min(rows.len()));
        let (mut min, mut max) = (i64::MAX, i64::MIN);
        for page_rows in rows.chunks(DATA_PAGE_ROW_LIMIT) {
            seqs.clear();
            seqs.extend(page_rows.iter().map(|row| part.seq(row.record)));
            for &seq in &seqs {
                min = min.min(seq);
                max = max.max(seq);
            }
            delta_binary_packed(&mut self.body, &seqs);
            let page = self.page(data_page(seqs.len(), Encoding::DELTA_BINARY_PACKED))?;
            chunk.offset_index.append_row_count(seqs.len() as i64);
            chunk.write(page)?;
        }
        let stats = Statistics::Int64(
            ValueStatistics::new(Some(min), Some(max), None, Some(0), false)
                .with_backwards_compatible_min_max(true),
        );
        chunk.finish(
            stats,
            vec![Encoding::RLE, Encoding::DELTA_BINARY_PACKED],
            None,
        )
    }
}

/// Builds a version 1 data page of `rows` required values (no levels) around its buffer.
fn data_page(rows: usize, encoding: Encoding) -> impl FnOnce(Bytes) -> Page {
    move |buf| Page::DataPage {
        buf,
        num_values: rows as u32,
        encoding,
        def_level_encoding: Encoding::RLE,
        rep_level_encoding: Encoding::RLE,
        statistics: None,
    }
}

fn dictionary_encodings() -> Vec<Encoding> {
    vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY]
}

fn byte_array_statistics(min: &[u8], max: &[u8]) -> Statistics {
    Statistics::ByteArray(ValueStatistics::new(
        Some(ByteArray::from(min.to_vec())),
        Some(ByteArray::from(max.to_vec())),
        None,
        Some(0),
        false,
    ))
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// One column chunk being written into its own buffer, later spliced into the row group.
struct ChunkWriter {
    descr: ColumnDescPtr,
    compression: Compression,
    sink: TrackedWrite<Vec<u8>>,
    offset_index: OffsetIndexBuilder,
    column_index: Option<ColumnIndexBuilder>,
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

    fn finish(
        self,
        statistics: Statistics,
        encodings: Vec<Encoding>,
        bloom_filter: Option<Sbbf>,
    ) -> Result<(Bytes, ColumnCloseResult), ParquetError> {
        let metadata = ColumnChunkMetaData::builder(self.descr)
            .set_compression(self.compression)
            .set_encodings(encodings)
            .set_page_encoding_stats(self.encoding_stats)
            .set_total_compressed_size(self.compressed as i64)
            .set_total_uncompressed_size(self.uncompressed as i64)
            .set_num_values(self.values as i64)
            .set_data_page_offset(self.data_page_offset.unwrap_or(0))
            .set_dictionary_page_offset(self.dictionary_page_offset)
            .set_statistics(statistics)
            .build()?;
        let column_index = self
            .column_index
            .map(ColumnIndexBuilder::build)
            .transpose()?;
        let close = ColumnCloseResult {
            bytes_written: self.bytes_written,
            rows_written: self.values,
            metadata,
            bloom_filter,
            column_index,
            offset_index: Some(self.offset_index.build()),
        };
        Ok((Bytes::from(self.sink.into_inner()?), close))
    }
}
