//! Tests of the partition buffer: ordering, dedup, interning, batches.

use arrow_array::Array;
use arrow_array::cast::AsArray;

use super::interner::Interner;
use super::*;
use crate::schema::col;

const OBJ: ObjectColumns<'static> = ObjectColumns {
    tag: "t",
    object_id: "o",
    source: "s",
};

#[test]
fn sorts_by_term_then_field_and_dedupes_per_record() {
    let mut buffer = PartitionBuffer::new();
    buffer.begin_record(0, 10, b"b a", true);
    buffer.add_term("", "b");
    buffer.add_term("", "a");
    buffer.add_term("", "b");
    buffer.end_record();
    buffer.begin_record(1, 20, b"\xffa", false);
    buffer.add_term("x", "a");
    buffer.add_term("", "a");
    buffer.end_record();
    let finished = buffer.finish();
    assert_eq!(finished.distinct_terms(), 2);
    let batch = finished.indices_batches(OBJ, 1 << 16).next().unwrap();
    let terms: Vec<&str> = batch
        .column_by_name(col::TERM)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .flatten()
        .collect();
    let fields: Vec<&str> = batch
        .column_by_name(col::FIELD)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .flatten()
        .collect();
    let seqs = batch
        .column_by_name(col::SEQ)
        .unwrap()
        .as_primitive::<arrow_array::types::Int64Type>()
        .values()
        .to_vec();
    assert_eq!(terms, ["a", "a", "a", "b"]);
    assert_eq!(fields, ["", "", "x", ""]);
    assert_eq!(seqs, [0, 1, 1, 0]);

    let messages = finished.messages_batches(OBJ, 1 << 16).next().unwrap();
    let text: Vec<&str> = messages
        .column(5)
        .as_string::<i32>()
        .iter()
        .flatten()
        .collect();
    assert_eq!(text, ["b a", "\u{FFFD}a"]);
    let raw = messages.column(6).as_binary::<i32>();
    assert!(raw.is_null(0));
    assert_eq!(raw.value(1), b"\xffa");
}

#[test]
fn linear_sort_orders_by_term_field_record() {
    // Rows in record order, as the buffer collects them; terms under several fields.
    let mut state = 0x9e37_79b9_u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n) as u32
    };
    let mut rows = Vec::new();
    for record in 0..500 {
        for _ in 0..next(12) {
            rows.push(IndexRow {
                term: next(40),
                field: next(5),
                record,
            });
        }
    }
    let mut expected: Vec<(u32, u32, u32)> =
        rows.iter().map(|r| (r.term, r.field, r.record)).collect();
    expected.sort_unstable();
    let got: Vec<(u32, u32, u32)> = sort_rows(&rows, 40)
        .iter()
        .map(|r| (r.term, r.field, r.record))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn ranks_follow_byte_order_across_shared_prefixes() {
    let words = [
        "10.1.2.30",
        "10.1.2.3",
        "10.1.2.",
        "",
        "a",
        "ab",
        "ab\0",
        "ab\0x",
        "abcdefgh",
        "abcdefghi",
        "abcdefgg",
        "é",
        "e\u{301}",
        "日本",
        "ÿ",
        "\u{7f}",
        "zzzzzzzzzzzz",
    ];
    let mut interner = Interner::default();
    let ids: Vec<u32> = words.iter().map(|w| interner.intern(w)).collect();
    let ranks = interner.sort_into_ranks();
    let mut sorted = words.to_vec();
    sorted.sort_unstable();
    let strings: Vec<&str> = (0..words.len() as u32).map(|id| interner.get(id)).collect();
    assert_eq!(strings, sorted);
    for (word, id) in words.iter().zip(ids) {
        assert_eq!(interner.get(ranks[id as usize]), *word);
    }
}

#[test]
fn discard_keeps_the_message() {
    let mut buffer = PartitionBuffer::new();
    buffer.begin_record(0, 0, b"{bad", true);
    buffer.add_term("a", "x");
    buffer.discard_terms();
    buffer.add_term("", "bad");
    buffer.end_record();
    assert_eq!(buffer.num_records(), 1);
    assert_eq!(buffer.num_index_rows(), 1);
}

#[test]
fn repeated_pairs_are_dropped_per_record_and_kept_after_a_discard() {
    let pairs = |buffer: PartitionBuffer| {
        let finished = buffer.finish();
        finished
            .sorted_rows()
            .iter()
            .map(|r| {
                (
                    finished.field(r.field).to_owned(),
                    finished.term(r.term).to_owned(),
                    r.record,
                )
            })
            .collect::<Vec<_>>()
    };
    let mut buffer = PartitionBuffer::new();
    buffer.begin_record(0, 0, b"", true);
    for (field, term) in [("a", "x"), ("b", "x"), ("a", "x"), ("b", "x"), ("a", "y")] {
        buffer.add_term(field, term);
    }
    buffer.end_record();
    buffer.begin_record(1, 0, b"", true);
    buffer.add_term("a", "x");
    buffer.discard_terms();
    // The same pair again, after its first addition was discarded: still added.
    buffer.add_term("a", "x");
    buffer.add_term("a", "x");
    buffer.end_record();
    let own = |f: &str, t: &str, r| (f.to_owned(), t.to_owned(), r);
    assert_eq!(
        pairs(buffer),
        [
            own("a", "x", 0),
            own("a", "x", 1),
            own("b", "x", 0),
            own("a", "y", 0)
        ]
    );
}

#[test]
fn interning_again_gives_the_same_id_after_the_table_grew() {
    let mut interner = Interner::default();
    let words: Vec<String> = (0..50_000)
        .map(|i| format!("w{}", i * 7919 % 100_003))
        .collect();
    let first: Vec<u32> = words.iter().map(|w| interner.intern(w)).collect();
    let again: Vec<u32> = words.iter().map(|w| interner.intern(w)).collect();
    assert_eq!(first, again);
    assert_eq!(interner.len(), 50_000);
    for (word, &id) in words.iter().zip(&first) {
        assert_eq!(interner.get(id), word);
    }
}
