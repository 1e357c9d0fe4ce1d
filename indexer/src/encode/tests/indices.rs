use minerva_core::partition::{FinishedPartition, PartitionBuffer};
use minerva_core::schema::{
    INDEXER_ZSTD_LEVEL, INDICES_ROW_GROUP_ROWS, indices_schema, indices_writer_properties,
};
use parquet::arrow::ArrowWriter;

use minerva_core::pages::testing::bloom_filters;

use super::{OBJ, Rng, assert_same_files, partition};
use crate::encode::{encode_indices, metadata};

fn arrow_writer_file(part: &FinishedPartition) -> Vec<u8> {
    let props = indices_writer_properties(part.distinct_terms(), metadata(OBJ), INDEXER_ZSTD_LEVEL);
    let mut writer = ArrowWriter::try_new(Vec::new(), indices_schema(), Some(props)).unwrap();
    for batch in part.indices_batches(OBJ, 64 * 1024) {
        writer.write(&batch).unwrap();
    }
    writer.into_inner().unwrap()
}

fn check(part: &FinishedPartition) {
    let file = encode_indices(part, OBJ, metadata(OBJ), INDEXER_ZSTD_LEVEL).unwrap();
    let values = assert_same_files(&file, &arrow_writer_file(part), &[]);
    assert_eq!(values.num_rows(), part.num_index_rows());

    // Every term of a row group is in its bloom filter.
    let mut row = 0;
    for (rows, bloom) in bloom_filters(&file, 2) {
        let bloom = bloom.expect("bloom filter on term");
        for index_row in &part.sorted_rows()[row..row + rows] {
            assert!(bloom.check(part.term(index_row.term)));
        }
        row += rows;
    }
}

#[test]
fn indices_match_the_arrow_writer_on_a_small_partition() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    check(&partition(300, 5, &mut rng));
}

#[test]
fn indices_match_the_arrow_writer_across_row_groups() {
    // ~20k records × ~14 terms: two row groups, dozens of pages, 300 fields (9-bit indices).
    let mut rng = Rng(42);
    let part = partition(20_000, 300, &mut rng);
    assert!(part.num_index_rows() > INDICES_ROW_GROUP_ROWS);
    check(&part);
}

#[test]
fn indices_of_one_row_and_one_field() {
    let mut buffer = PartitionBuffer::new();
    buffer.begin_record(7, 0, b"x", true);
    buffer.add_term("", "x");
    buffer.end_record();
    check(&buffer.finish());
}
