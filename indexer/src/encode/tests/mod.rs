//! The files written page by page (`indices.rs`, `messages.rs`) against the same rows written
//! by the Arrow writer: the same values, schema, footer keys, row groups, encodings and page
//! boundaries, exact chunk statistics and page index (the Arrow writer cuts values longer than
//! 64 bytes; ours are whole), and a bloom filter holding every term.

mod indices;
mod messages;

pub use minerva_core::pages::testing::{Rng, assert_same_files, read};
use minerva_core::partition::{FinishedPartition, ObjectColumns, PartitionBuffer};

const OBJ: ObjectColumns<'static> = ObjectColumns {
    tag: "aws.cloudtrail",
    object_id: "0123456789abcdef0123456789abcdef",
    source: "s3://logs/AWSLogs/123456789012/CloudTrail/eu-west-1/2024/01/01/a-very-long-object-key.json.gz",
};

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
