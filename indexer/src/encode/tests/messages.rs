use arrow_array::Array;
use arrow_array::cast::AsArray;
use minerva_core::partition::{FinishedPartition, PartitionBuffer};
use minerva_core::schema::{
    INDEXER_ZSTD_LEVEL, MESSAGES_ROW_GROUP_ROWS, col, messages_schema, messages_writer_properties,
};
use parquet::arrow::ArrowWriter;

use super::{OBJ, Rng, assert_same_files, partition};
use crate::encode::{encode_messages, metadata};

fn arrow_writer_file(part: &FinishedPartition) -> Vec<u8> {
    let props = messages_writer_properties(metadata(OBJ), INDEXER_ZSTD_LEVEL);
    let mut writer = ArrowWriter::try_new(Vec::new(), messages_schema(), Some(props)).unwrap();
    for batch in part.messages_batches(OBJ, 64 * 1024) {
        writer.write(&batch).unwrap();
    }
    writer.into_inner().unwrap()
}

fn check(part: &FinishedPartition) {
    let file = encode_messages(part, OBJ, metadata(OBJ), INDEXER_ZSTD_LEVEL).unwrap();
    let values = assert_same_files(&file, &arrow_writer_file(part), &[col::MESSAGE, col::RAW]);
    // The originals come back: text when UTF-8, else the bytes in `raw`.
    let message = values
        .column_by_name(col::MESSAGE)
        .unwrap()
        .as_string::<i32>();
    let raw = values.column_by_name(col::RAW).unwrap().as_binary::<i32>();
    assert_eq!(values.num_rows(), part.num_records());
    for (i, record) in part.records().enumerate() {
        if record.utf8 {
            assert_eq!(message.value(i).as_bytes(), record.message);
            assert!(raw.is_null(i));
        } else {
            assert_eq!(raw.value(i), record.message);
            assert!(message.value(i).contains('\u{FFFD}'));
        }
    }
}

#[test]
fn messages_match_the_arrow_writer_across_row_groups_and_pages() {
    // 3 row groups of records; a 3 MiB message ends a `message` page by size.
    let mut rng = Rng(7);
    let part = partition(2 * MESSAGES_ROW_GROUP_ROWS as u64 + 500, 20, &mut rng);
    check(&part);
}

#[test]
fn messages_of_one_record_that_is_not_utf8() {
    let mut buffer = PartitionBuffer::new();
    buffer.begin_record(0, 1, b"\xff", false);
    buffer.end_record();
    check(&buffer.finish());
}

#[test]
fn row_groups_stop_at_32_mib_of_messages() {
    let mut buffer = PartitionBuffer::new();
    let big = vec![b'm'; 3 << 20];
    for seq in 0..25 {
        buffer.begin_record(seq, 0, &big, true);
        buffer.end_record();
    }
    let file = encode_messages(&buffer.finish(), OBJ, metadata(OBJ), INDEXER_ZSTD_LEVEL).unwrap();
    let (values, metadata) = super::read(&file);
    let rows: Vec<i64> = metadata.row_groups().iter().map(|g| g.num_rows()).collect();
    // 10 × 3 MiB fit in 32 MiB, 11 do not.
    assert_eq!(rows, [10, 10, 5]);
    assert_eq!(values.num_rows(), 25);
}
