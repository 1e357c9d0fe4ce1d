//! The files written page by page (`indices.rs`, `messages.rs`) against the same rows written
//! by the Arrow writer: the same values, schema, footer keys, row groups, encodings and page
//! boundaries, exact chunk statistics and page index (the Arrow writer cuts values longer than
//! 64 bytes; ours are whole), and a bloom filter holding every term.

mod indices;
mod messages;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;
use bytes::Bytes;
use minerva_core::partition::{FinishedPartition, ObjectColumns, PartitionBuffer};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::statistics::Statistics;

const OBJ: ObjectColumns<'static> = ObjectColumns {
    tag: "aws.cloudtrail",
    object_id: "0123456789abcdef0123456789abcdef",
    source: "s3://logs/AWSLogs/123456789012/CloudTrail/eu-west-1/2024/01/01/a-very-long-object-key.json.gz",
};

/// A xorshift generator: the same rows on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `records` records with terms drawn from a vocabulary that has shared prefixes, 128-byte
/// and non-ASCII terms and an empty field name; some records' terms are discarded, leaving
/// interned terms with no row. `seq` jumps by up to 2^40 and ends at `i64::MAX`, so the
/// deltas need wide bit widths and wrap; times go back and forth. Every 13th message is not
/// UTF-8; one message is 3 MiB.
fn partition(records: u64, fields: u64, rng: &mut Rng) -> FinishedPartition {
    let mut vocabulary: Vec<String> = (0..3000)
        .map(|i| format!("10.{}.{}.{}", i % 7, i / 7 % 13, i))
        .collect();
    vocabulary.extend((0..40).map(|i| format!("{i}{}", "x".repeat(126))));
    vocabulary.extend(["ünïcødé", "日本語", "a", "ab", "abc"].map(String::from));
    let field_names: Vec<String> = (0..fields)
        .map(|i| {
            if i == 0 {
                String::new()
            } else {
                format!("f{i}.name")
            }
        })
        .collect();
    let mut buffer = PartitionBuffer::new();
    let mut seq = 0i64;
    for record in 0..records {
        seq = if record + 1 == records {
            i64::MAX
        } else {
            seq + 1 + rng.below(if record % 97 == 0 { 1 << 40 } else { 3 }) as i64
        };
        let time = 1_700_000_000_000_000 + rng.below(3_600_000_000) as i64;
        let mut message = format!("record {record} {}", "y".repeat(rng.below(300) as usize));
        if record == records / 2 {
            message.push_str(&"z".repeat(3 << 20));
        }
        let mut bytes = message.into_bytes();
        let utf8 = record % 13 != 5;
        if !utf8 {
            bytes.extend_from_slice(b"\xff\xfe tail");
        }
        buffer.begin_record(seq, time, &bytes, utf8);
        // Runs of one field (RLE) and scattered fields (bit-packed).
        let field = rng.below(fields) as usize;
        for i in 0..rng.below(30) {
            let field = if i % 3 == 0 {
                rng.below(fields) as usize
            } else {
                field
            };
            let term = &vocabulary[rng.below(vocabulary.len() as u64) as usize];
            buffer.add_term(&field_names[field], term);
        }
        if record % 50 == 7 {
            buffer.add_term("dropped", "only-in-a-discarded-record");
            buffer.discard_terms();
        }
        buffer.end_record();
    }
    buffer.finish()
}

fn read(file: &[u8]) -> (RecordBatch, ParquetMetaData) {
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
fn assert_same_files(file: &[u8], arrow_file: &[u8], own_pages: &[&str]) -> RecordBatch {
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
