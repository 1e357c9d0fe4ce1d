//! Merged files written page by page against the same rows through the Arrow writer with the
//! merger's settings: the same values, footer, row groups, encodings, pages and page index
//! (`minerva_core::pages::testing`). The rows come in batches that straddle row groups and
//! pages, and the file's bytes are taken after every batch, as the merger streams them.

mod indices;
mod messages;

use arrow_array::RecordBatch;
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

/// The file [`MergedEncoder`] writes, its bytes taken after every batch.
fn page_written(table: Table, layout: &MergedLayout, batches: &[RecordBatch]) -> Vec<u8> {
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
