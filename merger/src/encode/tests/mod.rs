//! Merged files written page by page against the same rows through the Arrow writer with the
//! merger's settings: the same values, footer, row groups, encodings, pages and page index
//! (`minerva_core::pages::testing`). The rows come in batches that straddle row groups and
//! pages, and the file's bytes are taken after every batch, as the merger streams them.

mod indices;
mod messages;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use minerva_core::layout::Table;
use minerva_core::pages::FileWriter;
pub use minerva_core::pages::testing::Rng;
use minerva_core::schema::{MergedLayout, indices_schema, messages_schema};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;

use super::MergedEncoder;
use crate::rows::MergedRows;

fn extra() -> Vec<KeyValue> {
    vec![KeyValue::new("minerva.merge.group".into(), "g".to_owned())]
}

fn properties(table: Table, layout: &MergedLayout) -> parquet::file::properties::WriterProperties {
    match table {
        Table::Indices => layout.indices_properties(extra()),
        Table::Messages => layout.messages_properties(extra()),
    }
}

fn schema(table: Table) -> arrow_schema::SchemaRef {
    match table {
        Table::Indices => indices_schema(),
        Table::Messages => messages_schema(),
    }
}

/// The file [`MergedEncoder`] writes, its bytes taken after every batch; the same bytes when
/// the text columns come as the merger reads them, as dictionaries ([`as_dictionaries`]).
fn page_written(table: Table, layout: &MergedLayout, batches: &[RecordBatch]) -> Vec<u8> {
    let file = page_written_from(table, layout, batches);
    let from_dictionaries = page_written_from(table, layout, &as_dictionaries(table, batches));
    assert!(
        file == from_dictionaries,
        "dictionary inputs give another file"
    );
    file
}

/// `batches` with their dictionary-encoded text columns as Arrow dictionaries, as the merger
/// reads them (`kway::read_schema`). The first half of the batches are slices of one
/// dictionary array and the rest of another, as an input's batches share its row group's
/// dictionary; each dictionary is unsorted and holds a value no row uses and one value at two
/// keys, which rows use in turn.
fn as_dictionaries(table: Table, batches: &[RecordBatch]) -> Vec<RecordBatch> {
    let read_schema = crate::kway::read_schema(&schema(table));
    let half = batches.len().div_ceil(2);
    let mut out = Vec::with_capacity(batches.len());
    for part in [&batches[..half], &batches[half..]] {
        if part.is_empty() {
            continue;
        }
        let all = arrow_select::concat::concat_batches(&schema(table), part).unwrap();
        let columns = read_schema
            .fields()
            .iter()
            .zip(all.columns())
            .map(|(field, column)| match field.data_type() {
                DataType::Dictionary(..) => dictionary_of(column.as_string::<i32>()),
                _ => Arc::clone(column),
            })
            .collect();
        let all = RecordBatch::try_new(Arc::clone(&read_schema), columns).unwrap();
        let mut start = 0;
        for batch in part {
            out.push(all.slice(start, batch.num_rows()));
            start += batch.num_rows();
        }
    }
    out
}

/// `column` as a dictionary array: its distinct values in reverse order after an unused
/// value, the first of them also at the end; rows holding it alternate between its keys.
fn dictionary_of(column: &StringArray) -> ArrayRef {
    let mut distinct: Vec<&str> = column.iter().map(Option::unwrap).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut values = vec!["never used"];
    values.extend(distinct.iter().rev());
    let twice = distinct.first().copied();
    values.extend(twice);
    let key_of = |v: &str| values.iter().position(|x| *x == v).unwrap() as i32;
    let keys: Vec<i32> = column
        .iter()
        .enumerate()
        .map(|(row, v)| {
            let v = v.unwrap();
            match twice {
                Some(t) if t == v && row % 2 == 1 => values.len() as i32 - 1,
                _ => key_of(v),
            }
        })
        .collect();
    let values = Arc::new(StringArray::from_iter_values(values)) as ArrayRef;
    Arc::new(DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), values).unwrap())
}

fn page_written_from(table: Table, layout: &MergedLayout, batches: &[RecordBatch]) -> Vec<u8> {
    let mut file = FileWriter::try_new(&schema(table), properties(table, layout)).unwrap();
    let mut encoder = MergedEncoder::new(table, layout).unwrap();
    let mut bytes = Vec::new();
    for batch in batches {
        encoder
            .write(&MergedRows::from_batch(batch.clone()), &mut file)
            .unwrap();
        bytes.extend(file.take_bytes().unwrap());
        assert_eq!(bytes.len(), file.bytes_written());
    }
    encoder.finish(&mut file).unwrap();
    file.finish().unwrap();
    bytes.extend(file.take_bytes().unwrap());
    bytes
}

/// The same rows through the Arrow writer, handed over in slices that end at each page and row
/// group boundary of `layout`: the Arrow writer checks a page's row count only between the
/// slices it is given, so other slices would move its page boundaries.
fn arrow_written(table: Table, layout: &MergedLayout, batches: &[RecordBatch]) -> Vec<u8> {
    let (group_rows, page_rows) = match table {
        Table::Indices => (layout.indices_row_group_rows, layout.indices_page_rows),
        Table::Messages => (layout.messages_row_group_rows, layout.messages_page_rows),
    };
    let all = arrow_select::concat::concat_batches(&schema(table), batches).unwrap();
    let props = properties(table, layout);
    let mut writer = ArrowWriter::try_new(Vec::new(), schema(table), Some(props)).unwrap();
    for group in (0..all.num_rows()).step_by(group_rows) {
        let group_end = (group + group_rows).min(all.num_rows());
        for page in (group..group_end).step_by(page_rows) {
            let end = (page + page_rows).min(group_end);
            writer.write(&all.slice(page, end - page)).unwrap();
        }
    }
    writer.into_inner().unwrap()
}
