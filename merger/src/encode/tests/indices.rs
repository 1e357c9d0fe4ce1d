//! Merged `indices`, and a bloom filter holding every term of its row group.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use minerva_core::layout::Table;
use minerva_core::pages::testing::{assert_same_files, bloom_filters};
use minerva_core::schema::{MergedLayout, col, indices_schema};

use super::{Rng, arrow_written, page_written};

/// `rows` merged rows sorted by (term, field, object_id, seq): terms with shared prefixes,
/// 128-byte and non-ASCII terms, runs of one term over many fields and objects, an empty
/// field name, `seq` up to `i64::MAX`.
fn sorted_rows(rows: usize, rng: &mut Rng) -> Vec<(String, String, String, String, i64)> {
    let mut terms: Vec<String> = (0..rows / 6 + 1)
        .map(|i| format!("10.{}.{}.{}", i % 7, i / 7 % 13, i))
        .collect();
    terms.extend((0..40).map(|i| format!("{i}{}", "x".repeat(126))));
    terms.extend(["ünïcødé", "日本語", "a", "ab", "abc"].map(String::from));
    let fields: Vec<String> = (0..60)
        .map(|i| match i {
            0 => String::new(),
            _ => format!("f{i}.name"),
        })
        .collect();
    let mut out: Vec<_> = (0..rows)
        .map(|i| {
            let term = terms[rng.below(terms.len() as u64) as usize].clone();
            let field = fields[rng.below(if i % 5 == 0 { 60 } else { 3 }) as usize].clone();
            let object = rng.below(25);
            let tag = ["aws.cloudtrail", "aws.vpcflow", "syslog.sshd"][object as usize % 3];
            let seq = match i {
                0 => i64::MAX,
                _ => rng.below(1 << 40) as i64,
            };
            (term, field, format!("{object:032x}"), tag.to_owned(), seq)
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| (&a.0, &a.1, &a.2, a.4) == (&b.0, &b.1, &b.2, b.4));
    out
}

fn batches(rows: &[(String, String, String, String, i64)], batch_rows: usize) -> Vec<RecordBatch> {
    rows.chunks(batch_rows)
        .map(|chunk| {
            let text = |f: fn(&(String, String, String, String, i64)) -> &str| -> ArrayRef {
                Arc::new(StringArray::from_iter_values(chunk.iter().map(f)))
            };
            let columns = vec![
                text(|r| &r.3),
                text(|r| &r.1),
                text(|r| &r.0),
                text(|r| &r.2),
                Arc::new(Int64Array::from_iter_values(chunk.iter().map(|r| r.4))) as ArrayRef,
            ];
            RecordBatch::try_new(indices_schema(), columns).unwrap()
        })
        .collect()
}

fn check(layout: MergedLayout, rows: usize, batch_rows: usize, seed: u64) {
    let rows = sorted_rows(rows, &mut Rng(seed));
    let batches = batches(&rows, batch_rows);
    let file = page_written(Table::Indices, &layout, &batches);
    let arrow_file = arrow_written(Table::Indices, &layout, &batches);
    let values = assert_same_files(&file, &arrow_file, &[]);
    assert_eq!(values.num_rows(), rows.len());

    let term = indices_schema().index_of(col::TERM).unwrap();
    let mut start = 0;
    for (group_rows, bloom) in bloom_filters(&file, term) {
        match layout.indices_bloom_ndv {
            Some(_) => {
                let bloom = bloom.expect("a bloom filter on term");
                for row in &rows[start..start + group_rows] {
                    assert!(
                        bloom.check(row.0.as_str()),
                        "{} not in its bloom filter",
                        row.0
                    );
                }
            }
            None => assert!(bloom.is_none()),
        }
        start += group_rows;
    }
    assert_eq!(start, rows.len());
}

fn small_layout() -> MergedLayout {
    MergedLayout {
        indices_row_group_rows: 5000,
        indices_page_rows: 700,
        ..MergedLayout::default()
    }
}

#[test]
fn merged_indices_match_the_arrow_writer_across_row_groups() {
    // Four row groups, the last partial; batches of 777 rows straddle row groups and pages.
    check(small_layout(), 17_000, 777, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn merged_indices_with_the_default_layout() {
    check(MergedLayout::default(), 20_000, 8 * 1024, 42);
}

#[test]
fn merged_indices_without_a_bloom_filter_and_with_one_row_batches() {
    let layout = MergedLayout {
        indices_bloom_ndv: None,
        ..small_layout()
    };
    check(layout, 1500, 1, 7);
}

#[test]
fn merged_indices_bloom_capped_below_the_distinct_terms() {
    // More distinct terms per row group than the filter is sized for: every term still in.
    let layout = MergedLayout {
        indices_bloom_ndv: Some(64),
        ..small_layout()
    };
    check(layout, 12_000, 4096, 3);
}

#[test]
fn one_merged_row() {
    check(small_layout(), 1, 1, 9);
}
