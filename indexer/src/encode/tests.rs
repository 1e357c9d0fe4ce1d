//! The `indices` file written page by page (`indices.rs`) against the same rows written by the
//! Arrow writer: the same values, statistics, page index, bloom filter and footer keys.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use bytes::Bytes;
use minerva_core::partition::{FinishedPartition, ObjectColumns, PartitionBuffer};
use minerva_core::schema::{INDEXER_ZSTD_LEVEL, indices_schema, indices_writer_properties};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::properties::ReaderProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::serialized_reader::ReadOptionsBuilder;
use parquet::file::statistics::Statistics;

use super::encode_indices;
use super::metadata;

const OBJ: ObjectColumns<'static> = ObjectColumns {
    tag: "aws.cloudtrail",
    object_id: "0123456789abcdef0123456789abcdef",
    source: "s3://logs/a.json",
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
/// deltas need wide bit widths and wrap.
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
        buffer.begin_record(seq, 0, b"m", true);
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

fn arrow_writer_file(part: &FinishedPartition) -> Vec<u8> {
    let props = indices_writer_properties(part.distinct_terms(), metadata(OBJ), INDEXER_ZSTD_LEVEL);
    let mut writer = ArrowWriter::try_new(Vec::new(), indices_schema(), Some(props)).unwrap();
    for batch in part.indices_batches(OBJ, 64 * 1024) {
        writer.write(&batch).unwrap();
    }
    writer.into_inner().unwrap()
}

fn page_writer_file(part: &FinishedPartition) -> Vec<u8> {
    encode_indices(
        part,
        OBJ.tag,
        OBJ.object_id,
        metadata(OBJ),
        INDEXER_ZSTD_LEVEL,
    )
    .unwrap()
}

fn read(file: &[u8]) -> (Vec<RecordBatch>, ParquetMetaData) {
    let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required);
    let builder =
        ParquetRecordBatchReaderBuilder::try_new_with_options(Bytes::from(file.to_vec()), options)
            .unwrap();
    let metadata = builder.metadata().as_ref().clone();
    let batches = builder
        .with_batch_size(1 << 20)
        .build()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (batches, metadata)
}

fn concat(batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(&indices_schema(), batches).unwrap()
}

fn min_max(stats: Option<&Statistics>) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let stats = stats.expect("chunk statistics");
    assert_eq!(stats.null_count_opt(), Some(0));
    (
        stats.min_bytes_opt().map(<[u8]>::to_vec),
        stats.max_bytes_opt().map(<[u8]>::to_vec),
    )
}

/// Each row group's (min, max) per column, as Parquet statistics bytes, from the values.
fn exact_min_max(all: &RecordBatch, metadata: &ParquetMetaData) -> Vec<Vec<MinMax>> {
    let mut offset = 0;
    metadata
        .row_groups()
        .iter()
        .map(|group| {
            let rows = all.slice(offset, group.num_rows() as usize);
            offset += group.num_rows() as usize;
            rows.columns()
                .iter()
                .map(|column| column_min_max(column.as_ref()))
                .collect()
        })
        .collect()
}

type MinMax = (Option<Vec<u8>>, Option<Vec<u8>>);

fn column_min_max(column: &dyn Array) -> MinMax {
    if let Some(strings) = column.as_string_opt::<i32>() {
        let values = strings.iter().flatten();
        let min = values.clone().min().map(|v| v.as_bytes().to_vec());
        (min, values.max().map(|v| v.as_bytes().to_vec()))
    } else {
        let values = column.as_primitive::<Int64Type>().values();
        let bytes = |v: Option<&i64>| v.map(|v| v.to_le_bytes().to_vec());
        (bytes(values.iter().min()), bytes(values.iter().max()))
    }
}

/// The first and last term of each page of row group `group` (pages start at `first_rows`).
fn page_min_max(batches: &[RecordBatch], first_rows: &[i64], group: usize) -> Vec<MinMax> {
    let all = concat(batches);
    let start = group * minerva_core::schema::INDICES_ROW_GROUP_ROWS;
    let end = (start + minerva_core::schema::INDICES_ROW_GROUP_ROWS).min(all.num_rows());
    let terms = all.column(2).as_string::<i32>();
    let mut bounds: Vec<usize> = first_rows.iter().map(|&r| start + r as usize).collect();
    bounds.push(end);
    bounds
        .windows(2)
        .map(|page| {
            let slice = terms.slice(page[0], page[1] - page[0]);
            column_min_max(&slice)
        })
        .collect()
}

fn assert_same_files(part: &FinishedPartition) {
    let (expected_batches, expected) = read(&arrow_writer_file(part));
    let file = page_writer_file(part);
    let (batches, actual) = read(&file);
    assert_eq!(concat(&batches), concat(&expected_batches));
    assert_eq!(concat(&batches).num_rows(), part.num_index_rows());

    let keys = |m: &ParquetMetaData| m.file_metadata().key_value_metadata().cloned();
    assert_eq!(keys(&actual), keys(&expected));
    assert_eq!(
        actual.file_metadata().schema_descr(),
        expected.file_metadata().schema_descr()
    );
    assert_eq!(actual.num_row_groups(), expected.num_row_groups());
    let exact = exact_min_max(&concat(&batches), &actual);
    for (g, (got, want)) in actual
        .row_groups()
        .iter()
        .zip(expected.row_groups())
        .enumerate()
    {
        assert_eq!(got.num_rows(), want.num_rows());
        assert_eq!(got.sorting_columns(), want.sorting_columns());
        for (c, (got_col, want_col)) in got.columns().iter().zip(want.columns()).enumerate() {
            let what = format!("row group {g} column {}", want_col.column_path());
            // Exact where the Arrow writer cuts values to 64 bytes (a 128-byte term).
            let (got_min, got_max) = min_max(got_col.statistics());
            let (want_min, want_max) = min_max(want_col.statistics());
            assert_eq!(
                (&got_min, &got_max),
                (&exact[g][c].0, &exact[g][c].1),
                "{what}"
            );
            assert!(got_min.unwrap().starts_with(&want_min.unwrap()), "{what}");
            assert!(got_max.unwrap() <= want_max.unwrap(), "{what}");
            assert_eq!(
                got_col.encodings_mask(),
                want_col.encodings_mask(),
                "{what}"
            );
            assert_eq!(got_col.num_values(), want_col.num_values(), "{what}");
            assert_eq!(got_col.compression(), want_col.compression(), "{what}");
            let pages = |m: &ParquetMetaData| {
                m.offset_index().expect("offset index")[g][c]
                    .page_locations()
                    .iter()
                    .map(|p| p.first_row_index)
                    .collect::<Vec<_>>()
            };
            assert_eq!(pages(&actual), pages(&expected), "{what}");
            let index = |m: &ParquetMetaData| {
                let index = &m.column_index().expect("column index")[g][c];
                match index {
                    ColumnIndexMetaData::NONE => None,
                    ColumnIndexMetaData::BYTE_ARRAY(pages) => Some((
                        pages
                            .min_values_iter()
                            .map(|v| v.map(<[u8]>::to_vec))
                            .collect::<Vec<_>>(),
                        pages
                            .max_values_iter()
                            .map(|v| v.map(<[u8]>::to_vec))
                            .collect::<Vec<_>>(),
                        index.is_sorted(),
                    )),
                    other => panic!("unexpected column index {other:?}"),
                }
            };
            match (index(&actual), index(&expected)) {
                (Some((mins, maxs, sorted)), Some((want_mins, want_maxs, want_sorted))) => {
                    assert!(sorted && want_sorted, "{what}");
                    let starts = |got: &[Option<Vec<u8>>], want: &[Option<Vec<u8>>]| {
                        got.len() == want.len()
                            && got.iter().zip(want).all(|(g, w)| {
                                let (g, w) = (g.as_ref().unwrap(), w.as_ref().unwrap());
                                g.starts_with(w) || g == w
                            })
                    };
                    assert!(starts(&mins, &want_mins), "{what} page minima");
                    assert!(
                        maxs.iter().zip(&want_maxs).all(|(g, w)| g <= w),
                        "{what} page maxima"
                    );
                    let page_terms = page_min_max(&batches, &pages(&actual), g);
                    assert_eq!(mins.into_iter().zip(maxs).collect::<Vec<_>>(), page_terms);
                }
                (got, want) => assert_eq!(got, want, "{what}"),
            }
        }
    }

    // Every term of a row group is in its bloom filter.
    let options = ReadOptionsBuilder::new()
        .with_reader_properties(
            ReaderProperties::builder()
                .set_read_bloom_filter(true)
                .build(),
        )
        .build();
    let reader = SerializedFileReader::new_with_options(Bytes::from(file), options).unwrap();
    let mut row = 0;
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).unwrap();
        let bloom = group
            .get_column_bloom_filter(2)
            .expect("bloom filter on term");
        let rows = group.metadata().num_rows() as usize;
        for index_row in &part.sorted_rows()[row..row + rows] {
            assert!(bloom.check(part.term(index_row.term)));
        }
        row += rows;
    }
}

#[test]
fn page_writer_matches_the_arrow_writer_on_a_small_partition() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    assert_same_files(&partition(300, 5, &mut rng));
}

#[test]
fn page_writer_matches_the_arrow_writer_across_row_groups() {
    // ~20k records × ~14 terms: two row groups, dozens of pages, 300 fields (9-bit indices).
    let mut rng = Rng(42);
    let part = partition(20_000, 300, &mut rng);
    assert!(part.num_index_rows() > minerva_core::schema::INDICES_ROW_GROUP_ROWS);
    assert_same_files(&part);
}

#[test]
fn page_writer_handles_one_row_and_one_field() {
    let mut buffer = PartitionBuffer::new();
    buffer.begin_record(7, 0, b"x", true);
    buffer.add_term("", "x");
    buffer.end_record();
    assert_same_files(&buffer.finish());
}
