//! Checks shared by the tests of minerva's page writers (the indexer's and the merger's): a
//! file written page by page against the same rows written by the Arrow writer. The same
//! values, schema, footer keys, row groups, encodings and page boundaries; exact chunk
//! statistics and page index (the Arrow writer cuts values longer than 64 bytes, ours are
//! whole). Built for the crates' tests only (feature `testing`).

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::bloom_filter::Sbbf;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::properties::ReaderProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::serialized_reader::ReadOptionsBuilder;
use parquet::file::statistics::Statistics;

/// A xorshift generator: the tests' random rows, the same on every run.
pub struct Rng(pub u64);

impl Rng {
    /// The next number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Each row group's row count and bloom filter of column `column` (`None` without one).
pub fn bloom_filters(file: &[u8], column: usize) -> Vec<(usize, Option<Sbbf>)> {
    let properties = ReaderProperties::builder()
        .set_read_bloom_filter(true)
        .build();
    let options = ReadOptionsBuilder::new()
        .with_reader_properties(properties)
        .build();
    let reader =
        SerializedFileReader::new_with_options(Bytes::from(file.to_vec()), options).unwrap();
    (0..reader.num_row_groups())
        .map(|g| {
            let group = reader.get_row_group(g).unwrap();
            let rows = group.metadata().num_rows() as usize;
            (rows, group.get_column_bloom_filter(column).cloned())
        })
        .collect()
}

/// Every row of `file` in one batch, and its metadata with the page indexes.
pub fn read(file: &[u8]) -> (RecordBatch, ParquetMetaData) {
    let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required);
    let builder =
        ParquetRecordBatchReaderBuilder::try_new_with_options(Bytes::from(file.to_vec()), options)
            .unwrap();
    let metadata = builder.metadata().as_ref().clone();
    let schema = builder.schema().clone();
    let batches = builder
        .with_batch_size(1 << 20)
        .build()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (concat(&schema, &batches), metadata)
}

fn concat(schema: &SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(schema, batches).unwrap()
}

type MinMax = (Option<Vec<u8>>, Option<Vec<u8>>);

fn min_max(stats: &Statistics) -> MinMax {
    assert_eq!(stats.null_count_opt(), Some(0));
    (
        stats.min_bytes_opt().map(<[u8]>::to_vec),
        stats.max_bytes_opt().map(<[u8]>::to_vec),
    )
}

/// (min, max) of a string or INT64 / timestamp column, as Parquet statistics bytes.
fn column_min_max(column: &dyn Array) -> MinMax {
    if let Some(strings) = column.as_string_opt::<i32>() {
        let values = strings.iter().flatten();
        let min = values.clone().min().map(|v| v.as_bytes().to_vec());
        (min, values.max().map(|v| v.as_bytes().to_vec()))
    } else {
        let column = arrow_cast_i64(column);
        let values = column.as_primitive::<Int64Type>().values();
        let bytes = |v: Option<&i64>| v.map(|v| v.to_le_bytes().to_vec());
        (bytes(values.iter().min()), bytes(values.iter().max()))
    }
}

/// A timestamp column as its INT64 values.
fn arrow_cast_i64(column: &dyn Array) -> std::sync::Arc<dyn Array> {
    let data = column
        .to_data()
        .into_builder()
        .data_type(arrow_schema::DataType::Int64);
    arrow_array::make_array(data.build().unwrap())
}

/// `got` is exactly the (min, max) of the values; `arrow`'s (the Arrow writer's, perhaps cut
/// to 64 bytes) is a prefix of the minimum and not below the maximum.
fn assert_exact(got: &MinMax, arrow: &MinMax, values: &MinMax, what: &str) {
    assert_eq!(got, values, "{what}");
    let (got_min, got_max) = (got.0.as_ref().unwrap(), got.1.as_ref().unwrap());
    let (arrow_min, arrow_max) = (arrow.0.as_ref().unwrap(), arrow.1.as_ref().unwrap());
    assert!(got_min.starts_with(arrow_min), "{what}: minimum");
    assert!(got_max <= arrow_max, "{what}: maximum");
}

/// Compares `file` with `arrow_file` (the same rows through the Arrow writer). `own_pages`
/// names the columns whose page boundaries may differ (pages cut by bytes).
pub fn assert_same_files(file: &[u8], arrow_file: &[u8], own_pages: &[&str]) -> RecordBatch {
    let (values, got) = read(file);
    let (arrow_values, want) = read(arrow_file);
    assert_eq!(values, arrow_values);
    let keys = |m: &ParquetMetaData| m.file_metadata().key_value_metadata().cloned();
    assert_eq!(keys(&got), keys(&want));
    assert_eq!(
        got.file_metadata().schema_descr(),
        want.file_metadata().schema_descr()
    );
    assert_eq!(got.num_row_groups(), want.num_row_groups());
    let mut start = 0;
    for (g, (got_group, want_group)) in got.row_groups().iter().zip(want.row_groups()).enumerate() {
        assert_eq!(got_group.num_rows(), want_group.num_rows());
        assert_eq!(got_group.sorting_columns(), want_group.sorting_columns());
        let rows = values.slice(start, got_group.num_rows() as usize);
        start += got_group.num_rows() as usize;
        for (c, (got_col, want_col)) in got_group
            .columns()
            .iter()
            .zip(want_group.columns())
            .enumerate()
        {
            let name = want_col.column_path().string();
            let what = format!("row group {g} column {name}");
            assert_eq!(
                got_col.encodings_mask(),
                want_col.encodings_mask(),
                "{what}"
            );
            assert_eq!(got_col.num_values(), want_col.num_values(), "{what}");
            assert_eq!(got_col.compression(), want_col.compression(), "{what}");
            match (got_col.statistics(), want_col.statistics()) {
                (Some(got_stats), Some(want_stats)) => {
                    let exact = column_min_max(rows.column(c).as_ref());
                    assert_exact(&min_max(got_stats), &min_max(want_stats), &exact, &what);
                }
                (got_stats, want_stats) => {
                    assert_eq!(
                        got_stats.is_some(),
                        want_stats.is_some(),
                        "{what} statistics"
                    )
                }
            }
            let first_rows = |m: &ParquetMetaData| {
                m.offset_index().expect("offset index")[g][c]
                    .page_locations()
                    .iter()
                    .map(|p| p.first_row_index as usize)
                    .collect::<Vec<_>>()
            };
            let pages = first_rows(&got);
            if !own_pages.contains(&name.as_str()) {
                assert_eq!(pages, first_rows(&want), "{what} pages");
            }
            let page_bounds =
                |m: &ParquetMetaData| match &m.column_index().expect("column index")[g][c] {
                    ColumnIndexMetaData::NONE => None,
                    ColumnIndexMetaData::BYTE_ARRAY(index) => Some(
                        index
                            .min_values_iter()
                            .zip(index.max_values_iter())
                            .map(|(min, max)| (min.map(<[u8]>::to_vec), max.map(<[u8]>::to_vec)))
                            .collect::<Vec<_>>(),
                    ),
                    ColumnIndexMetaData::INT64(index) => Some(
                        index
                            .min_values_iter()
                            .zip(index.max_values_iter())
                            .map(|(min, max)| {
                                (
                                    min.map(|v| v.to_le_bytes().to_vec()),
                                    max.map(|v| v.to_le_bytes().to_vec()),
                                )
                            })
                            .collect::<Vec<_>>(),
                    ),
                    other => panic!("unexpected column index {other:?}"),
                };
            let sorted = |m: &ParquetMetaData| m.column_index().unwrap()[g][c].is_sorted();
            assert_eq!(sorted(&got), sorted(&want), "{what} boundary order");
            match (page_bounds(&got), page_bounds(&want)) {
                (Some(got_pages), Some(want_pages)) => {
                    assert_eq!(got_pages.len(), want_pages.len(), "{what} pages");
                    let mut ends = pages.clone();
                    ends.push(rows.num_rows());
                    for (p, (got_page, want_page)) in got_pages.iter().zip(&want_pages).enumerate()
                    {
                        let page = rows.column(c).slice(ends[p], ends[p + 1] - ends[p]);
                        let exact = column_min_max(page.as_ref());
                        assert_exact(got_page, want_page, &exact, &format!("{what} page {p}"));
                    }
                }
                (got_pages, want_pages) => {
                    assert_eq!(
                        got_pages.is_some(),
                        want_pages.is_some(),
                        "{what} column index"
                    )
                }
            }
        }
    }
    values
}
