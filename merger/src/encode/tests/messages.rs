//! Merged `messages`: page statistics on (`object_id`, `seq`) for the fetch, `raw` null but
//! where a message is not UTF-8, and row groups that also end at 32 MiB of messages.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, BinaryArray, Int64Array, RecordBatch, StringArray};
use minerva_core::layout::Table;
use minerva_core::pages::testing::{assert_same_files, read};
use minerva_core::schema::{MESSAGES_ROW_GROUP_BYTES, MergedLayout, messages_schema};

use super::{Rng, arrow_written, page_written};

/// One merged `messages` row: (object_id, seq, tag, timestamp, source, message bytes).
type Row = (String, i64, String, i64, String, Vec<u8>);

/// `rows` records of 12 objects sorted by (object_id, seq); `big` makes every 4th message
/// 3 MiB long. Every 13th message is not UTF-8. `seq` jumps by up to 2^40 and one is
/// `i64::MAX`; times go back and forth.
fn sorted_rows(rows: usize, big: bool, rng: &mut Rng) -> Vec<Row> {
    let mut out: Vec<Row> = (0..rows)
        .map(|i| {
            let object = rng.below(12);
            let tag = ["aws.cloudtrail", "aws.vpcflow", "syslog.sshd"][object as usize % 3];
            let seq = match i {
                0 => i64::MAX,
                _ => rng.below(if i % 97 == 0 { 1 << 40 } else { 1 << 16 }) as i64,
            };
            let time = 1_700_000_000_000_000 + rng.below(3_600_000_000) as i64;
            let source =
                format!("s3://logs/AWSLogs/123456789012/{tag}/2024/01/01/object-{object}.json.gz");
            let mut message =
                format!("record {i} {}", "y".repeat(rng.below(300) as usize)).into_bytes();
            if big && i % 4 == 3 {
                message.extend(std::iter::repeat_n(b'z', 3 << 20));
            }
            if i % 13 == 5 {
                message.extend_from_slice(b"\xff\xfe tail");
            }
            (
                format!("{object:032x}"),
                seq,
                tag.to_owned(),
                time,
                source,
                message,
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    out.dedup_by(|a, b| (&a.0, a.1) == (&b.0, b.1));
    out
}

fn batches(rows: &[Row], batch_rows: usize) -> Vec<RecordBatch> {
    rows.chunks(batch_rows)
        .map(|chunk| {
            let text = |f: fn(&Row) -> &str| -> ArrayRef {
                Arc::new(StringArray::from_iter_values(chunk.iter().map(f)))
            };
            let int = |f: fn(&Row) -> i64| Int64Array::from_iter_values(chunk.iter().map(f));
            let times =
                arrow_array::TimestampMicrosecondArray::from(int(|r| r.3).values().to_vec())
                    .with_timezone("UTC");
            let messages = chunk
                .iter()
                .map(|r| String::from_utf8_lossy(&r.5).into_owned());
            let raws = chunk
                .iter()
                .map(|r| std::str::from_utf8(&r.5).is_err().then_some(r.5.as_slice()));
            let columns = vec![
                text(|r| &r.2),
                Arc::new(times) as ArrayRef,
                text(|r| &r.0),
                Arc::new(int(|r| r.1)) as ArrayRef,
                text(|r| &r.4),
                Arc::new(StringArray::from_iter_values(messages)) as ArrayRef,
                Arc::new(BinaryArray::from_iter(raws)) as ArrayRef,
            ];
            RecordBatch::try_new(messages_schema(), columns).unwrap()
        })
        .collect()
}

#[test]
fn merged_messages_match_the_arrow_writer_across_row_groups() {
    let layout = MergedLayout {
        messages_row_group_rows: 3000,
        messages_page_rows: 500,
        ..MergedLayout::default()
    };
    let rows = sorted_rows(10_000, false, &mut Rng(0x9e37_79b9_7f4a_7c15));
    let batches = batches(&rows, 333);
    let file = page_written(Table::Messages, &layout, &batches);
    let arrow_file = arrow_written(Table::Messages, &layout, &batches);
    let values = assert_same_files(&file, &arrow_file, &[]);
    assert_eq!(values.num_rows(), rows.len());
    // The original bytes come back: `raw` where the message is not UTF-8, else `message`.
    let (message, raw) = (
        values.column(5).as_string::<i32>(),
        values.column(6).as_binary::<i32>(),
    );
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(message.value(i), String::from_utf8_lossy(&row.5));
        match std::str::from_utf8(&row.5) {
            Ok(_) => assert!(raw.is_null(i)),
            Err(_) => assert_eq!(raw.value(i), row.5.as_slice()),
        }
    }
    let times = values.column(1).as_primitive::<TimestampMicrosecondType>();
    assert!(rows.iter().zip(times.values()).all(|(row, &t)| row.3 == t));
}

#[test]
fn merged_messages_with_the_default_layout() {
    let rows = sorted_rows(20_000, false, &mut Rng(42));
    let batches = batches(&rows, 256);
    let layout = MergedLayout::default();
    let file = page_written(Table::Messages, &layout, &batches);
    let arrow_file = arrow_written(Table::Messages, &layout, &batches);
    assert_same_files(&file, &arrow_file, &[]);
}

#[test]
fn merged_messages_row_groups_end_at_32_mib_of_messages() {
    let rows = sorted_rows(120, true, &mut Rng(7));
    let batches = batches(&rows, 50);
    let file = page_written(Table::Messages, &MergedLayout::default(), &batches);
    let arrow_file = arrow_written(Table::Messages, &MergedLayout::default(), &batches);
    let (values, metadata) = read(&file);
    assert_eq!(values, read(&arrow_file).0);
    let mut start = 0;
    for group in metadata.row_groups() {
        let n = group.num_rows() as usize;
        let bytes: usize = rows[start..start + n]
            .iter()
            .map(|r| String::from_utf8_lossy(&r.5).len())
            .sum();
        assert!(
            n == 1 || bytes <= MESSAGES_ROW_GROUP_BYTES,
            "{n} rows, {bytes} bytes"
        );
        // Full: the next row would not have fitted.
        if start + n < rows.len() {
            let next = String::from_utf8_lossy(&rows[start + n].5).len();
            assert!(bytes + next > MESSAGES_ROW_GROUP_BYTES);
        }
        start += n;
    }
    assert_eq!(start, rows.len());
    assert!(metadata.num_row_groups() > 2);
}
