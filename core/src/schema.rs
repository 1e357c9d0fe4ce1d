//! Arrow/Parquet schemas of the two tables and the writer settings that are part of the format.
//!
//! Both tables are partitioned by `dt` (the UTC hour of the record's own timestamp) through the
//! object key, not through a column. Types are chosen so Athena/Trino, DuckDB and DataFusion
//! read them: strings as UTF-8, `timestamp` as INT64 microseconds adjusted to UTC, `seq` as a
//! signed 64-bit integer (no unsigned types, no nanoseconds).
//!
//! `messages.message` holds the original record as text. When the record's bytes are not valid
//! UTF-8, `message` holds a lossy conversion (invalid bytes become U+FFFD) and `raw` holds the
//! original bytes; `raw` is null otherwise. The original record is therefore always
//! `coalesce(raw, CAST(message AS VARBINARY))`.

use std::sync::{Arc, LazyLock};

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::{KeyValue, SortingColumn};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;

/// Version of the on-disk format, written into every file's key/value metadata.
pub const FORMAT_VERSION: &str = "2";

/// Key/value metadata key holding [`FORMAT_VERSION`].
pub const FORMAT_VERSION_KEY: &str = "minerva.format_version";

/// Column names.
pub mod col {
    /// Log type (e.g. `aws.cloudtrail`).
    pub const TAG: &str = "tag";
    /// Record time, UTC microseconds.
    pub const TIMESTAMP: &str = "timestamp";
    /// Dotted JSON path of the value the term came from; `""` for plain text.
    pub const FIELD: &str = "field";
    /// Normalised word.
    pub const TERM: &str = "term";
    /// Identity of the source object (hex).
    pub const OBJECT_ID: &str = "object_id";
    /// Line number (or record index for JSON documents) in the source object, from 0.
    pub const SEQ: &str = "seq";
    /// URI of the source object.
    pub const SOURCE: &str = "source";
    /// The original record.
    pub const MESSAGE: &str = "message";
    /// The original bytes when they are not valid UTF-8, else null.
    pub const RAW: &str = "raw";
}

fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

static INDICES: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new(col::TAG, DataType::Utf8, false),
        Field::new(col::FIELD, DataType::Utf8, false),
        Field::new(col::TERM, DataType::Utf8, false),
        Field::new(col::OBJECT_ID, DataType::Utf8, false),
        Field::new(col::SEQ, DataType::Int64, false),
    ]))
});

static MESSAGES: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new(col::TAG, DataType::Utf8, false),
        Field::new(col::TIMESTAMP, timestamp_type(), false),
        Field::new(col::OBJECT_ID, DataType::Utf8, false),
        Field::new(col::SEQ, DataType::Int64, false),
        Field::new(col::SOURCE, DataType::Utf8, false),
        Field::new(col::MESSAGE, DataType::Utf8, false),
        Field::new(col::RAW, DataType::Binary, true),
    ]))
});

/// Schema of the `indices` table: one row per distinct (field, term) of a record.
///
/// Format v2: no `timestamp` column. A search takes the time of each matching record from
/// `messages` (one value per record, stored once) instead of from each of its postings.
pub fn indices_schema() -> SchemaRef {
    INDICES.clone()
}

/// Schema of the `messages` table: one row per record.
pub fn messages_schema() -> SchemaRef {
    MESSAGES.clone()
}

/// Rows per data page: small enough that the page index can skip most of a row group.
pub const DATA_PAGE_ROW_LIMIT: usize = 8 * 1024;

/// Rows per row group of `indices` files.
pub const INDICES_ROW_GROUP_ROWS: usize = 256 * 1024;

/// Bytes per row group of `messages` files (long records make row counts a poor guide).
pub const MESSAGES_ROW_GROUP_BYTES: usize = 32 * 1024 * 1024;

/// False-positive rate of the bloom filter on `indices.term`.
pub const INDICES_BLOOM_FPP: f64 = 0.01;

/// Rows per row group of `messages` files.
pub const MESSAGES_ROW_GROUP_ROWS: usize = 16 * 1024;

fn sorting(column_idx: i32) -> SortingColumn {
    SortingColumn {
        column_idx,
        descending: false,
        nulls_first: false,
    }
}

fn base_properties(
    extra: Vec<KeyValue>,
    zstd_level: i32,
    page_rows: usize,
) -> parquet::file::properties::WriterPropertiesBuilder {
    let mut metadata = vec![KeyValue::new(
        FORMAT_VERSION_KEY.into(),
        FORMAT_VERSION.to_owned(),
    )];
    metadata.extend(extra);
    WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(zstd_level.clamp(1, 22)).expect("zstd level 1-22 is valid"),
        ))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_data_page_row_count_limit(page_rows.max(1))
        .set_write_batch_size(page_rows.max(1))
        .set_key_value_metadata(Some(metadata))
}

/// zstd level of files written by the indexer: fast, because it runs on every log line; the
/// merger rewrites files with [`MERGED_ZSTD_LEVEL`].
pub const INDEXER_ZSTD_LEVEL: i32 = 1;

/// zstd level of files written by the merger.
pub const MERGED_ZSTD_LEVEL: i32 = 6;

/// zstd level of `messages` files written by the merger. Measured on 300 MB of generated logs
/// merged: level 9 stored `messages` at 0.185 of raw against 0.190 at level 6, too little to
/// slow the merge for; the level stays tunable (`minerva merge --messages-zstd-level`).
pub const MERGED_MESSAGES_ZSTD_LEVEL: i32 = MERGED_ZSTD_LEVEL;

/// Writer settings for `indices` files: sorted by (term, field), bloom filter on `term`.
///
/// `distinct_terms` sizes the bloom filter (1 % false positives).
pub fn indices_writer_properties(
    distinct_terms: u64,
    extra: Vec<KeyValue>,
    zstd_level: i32,
) -> WriterProperties {
    indices_properties(
        extra,
        zstd_level,
        INDICES_ROW_GROUP_ROWS,
        DATA_PAGE_ROW_LIMIT,
        Some(distinct_terms),
    )
}

/// `seq` and `timestamp` grow within a run of rows (one term's postings, one object's records):
/// delta encoding stores the small differences (measured on merged indices: `seq` 1.75 → 0.86
/// bytes per row) where a dictionary of nearly unique values cannot.
fn delta_encoded(
    builder: parquet::file::properties::WriterPropertiesBuilder,
) -> parquet::file::properties::WriterPropertiesBuilder {
    let mut builder = builder;
    for column in [col::SEQ, col::TIMESTAMP] {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
    }
    builder
}

fn chunk_statistics_only(
    builder: parquet::file::properties::WriterPropertiesBuilder,
    columns: &[&str],
) -> parquet::file::properties::WriterPropertiesBuilder {
    columns.iter().fold(builder, |b, c| {
        b.set_column_statistics_enabled(ColumnPath::from(*c), EnabledStatistics::Chunk)
    })
}

fn indices_properties(
    extra: Vec<KeyValue>,
    zstd_level: i32,
    row_group_rows: usize,
    page_rows: usize,
    bloom_ndv: Option<u64>,
) -> WriterProperties {
    let term = ColumnPath::from(col::TERM);
    let mut builder = delta_encoded(base_properties(extra, zstd_level, page_rows));
    // Lookups filter on `term` (and `field`, `tag` within its rows): only `term` needs page
    // statistics. Each page's statistics of the other columns would cost every lookup a read
    // of their column index (measured: ~40 % of what a needle lookup read from a merged file).
    builder = chunk_statistics_only(builder, &[col::TAG, col::FIELD, col::OBJECT_ID, col::SEQ]);
    // `term` is sorted: each value stored as the length of the prefix it shares with the one
    // before and the rest (DELTA_BYTE_ARRAY) instead of through a dictionary. A dictionary
    // page holds every distinct term of the row group and a lookup must read all of it before
    // the one page it wants; measured on merged hours of generated logs it was two thirds of
    // the column, and the column is 27 % smaller without it.
    builder = builder
        .set_column_dictionary_enabled(term.clone(), false)
        .set_column_encoding(term.clone(), Encoding::DELTA_BYTE_ARRAY);
    let mut builder = builder
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        .set_sorting_columns(Some(vec![sorting(2), sorting(1), sorting(3), sorting(4)]));
    if let Some(ndv) = bloom_ndv {
        builder = builder
            .set_column_bloom_filter_enabled(term.clone(), true)
            .set_column_bloom_filter_fpp(term.clone(), INDICES_BLOOM_FPP)
            .set_column_bloom_filter_max_ndv(term, ndv.max(1));
    }
    builder.build()
}

/// Writer settings for `messages` files: sorted by (object_id, seq).
pub fn messages_writer_properties(extra: Vec<KeyValue>, zstd_level: i32) -> WriterProperties {
    messages_properties(
        extra,
        zstd_level,
        MESSAGES_ROW_GROUP_ROWS,
        DATA_PAGE_ROW_LIMIT,
    )
}

fn messages_properties(
    extra: Vec<KeyValue>,
    zstd_level: i32,
    row_group_rows: usize,
    page_rows: usize,
) -> WriterProperties {
    // The fetch filters on (object_id, seq): the other columns need no page statistics.
    chunk_statistics_only(
        delta_encoded(base_properties(extra, zstd_level, page_rows)),
        &[col::TAG, col::TIMESTAMP, col::SOURCE],
    )
    .set_max_row_group_row_count(Some(row_group_rows.max(1)))
    .set_max_row_group_bytes(Some(MESSAGES_ROW_GROUP_BYTES))
    .set_column_dictionary_enabled(ColumnPath::from(col::MESSAGE), false)
    .set_column_dictionary_enabled(ColumnPath::from(col::RAW), false)
    .set_column_statistics_enabled(ColumnPath::from(col::MESSAGE), EnabledStatistics::None)
    .set_column_statistics_enabled(ColumnPath::from(col::RAW), EnabledStatistics::None)
    .set_sorting_columns(Some(vec![sorting(2), sorting(3)]))
    .build()
}

/// Distinct terms the bloom filter of a merged `indices` row group is sized for at most (the
/// writer shrinks it to the row group's real count). Measured on 1 GB of generated logs: with it
/// a needle lookup read 3.8 MB instead of 5.4 MB (the filter rules out the row group that the
/// sorted `term` statistics could not, before its page index is read), for 1.3 % more storage;
/// 65,536 read the same bytes and stored 1.6 % more.
pub const MERGED_BLOOM_NDV: u64 = 16_384;

/// Row-group and page sizes of the files the merger writes. Merged `indices` are sorted by
/// (term, field, object_id, seq) across all of an hour's objects, so row-group statistics on
/// `term` narrow a lookup to one row group, its bloom filter usually rules that one out when
/// the term is absent, and the page index narrows the rest to one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedLayout {
    /// Rows per row group of merged `indices` files.
    pub indices_row_group_rows: usize,
    /// Rows per data page of merged `indices` files.
    pub indices_page_rows: usize,
    /// Distinct terms the `term` bloom filter of each row group is sized for; `None` for no
    /// bloom filter.
    pub indices_bloom_ndv: Option<u64>,
    /// Rows per row group of merged `messages` files (also capped at 32 MiB).
    pub messages_row_group_rows: usize,
    /// Rows per data page of merged `messages` files: a fetch of one record reads one page.
    pub messages_page_rows: usize,
    /// zstd level of merged `messages` files.
    pub messages_zstd_level: i32,
}

impl Default for MergedLayout {
    fn default() -> Self {
        MergedLayout {
            indices_row_group_rows: INDICES_ROW_GROUP_ROWS,
            indices_page_rows: DATA_PAGE_ROW_LIMIT,
            indices_bloom_ndv: Some(MERGED_BLOOM_NDV),
            messages_row_group_rows: MESSAGES_ROW_GROUP_ROWS,
            messages_page_rows: 1024,
            messages_zstd_level: MERGED_MESSAGES_ZSTD_LEVEL,
        }
    }
}

impl MergedLayout {
    /// Writer settings for a merged `indices` file.
    pub fn indices_properties(&self, extra: Vec<KeyValue>) -> WriterProperties {
        indices_properties(
            extra,
            MERGED_ZSTD_LEVEL,
            self.indices_row_group_rows,
            self.indices_page_rows,
            self.indices_bloom_ndv,
        )
    }

    /// Writer settings for a merged `messages` file.
    pub fn messages_properties(&self, extra: Vec<KeyValue>) -> WriterProperties {
        messages_properties(
            extra,
            self.messages_zstd_level,
            self.messages_row_group_rows,
            self.messages_page_rows,
        )
    }
}
