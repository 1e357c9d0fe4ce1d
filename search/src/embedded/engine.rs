//! The embedded engine: DataFusion over the Parquet tables in any object store, with hive
//! partition `dt` pruned, and row-group statistics, page index and bloom filters used on read.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::parquet::errors::ParquetError;
use datafusion::physical_plan::metrics::MetricValue;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::{SessionConfig, SessionContext};
use minerva_core::schema::{indices_schema, messages_schema};
use minerva_store::DataStore;
use url::Url;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Int64Type, TimestampMicrosecondType};
use futures::StreamExt;
use minerva_core::sql::{Dialect, Tables};

use super::counting::{CountingStore, ReadCounters};
use super::resume;
use crate::backend::{ReadStats, SearchError};
use crate::sql_engine::{Cell, Rows, SqlEngine};

/// URL scheme under which the data store is registered with DataFusion.
const STORE_URL: &str = "minerva://data";

/// What the Parquet scans of one or more statements read and skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanMetrics {
    /// Row groups in the files the scans opened.
    pub row_groups: u64,
    /// Row groups left after statistics and bloom filters (read, at least partly).
    pub row_groups_read: u64,
    /// Rows skipped with the page index.
    pub page_rows_pruned: u64,
}

impl std::ops::AddAssign for ScanMetrics {
    fn add_assign(&mut self, other: Self) {
        self.row_groups += other.row_groups;
        self.row_groups_read += other.row_groups_read;
        self.page_rows_pruned += other.page_rows_pruned;
    }
}

fn add_scan_metrics(plan: &dyn ExecutionPlan, out: &mut ScanMetrics) {
    if let Some(set) = plan.metrics() {
        let pruning = |name: &str| {
            set.sum_by_name(name).and_then(|value| match value {
                MetricValue::PruningMetrics {
                    pruning_metrics, ..
                } => Some((
                    pruning_metrics.pruned() as u64,
                    pruning_metrics.matched() as u64,
                )),
                _ => None,
            })
        };
        if let Some((pruned, matched)) = pruning("row_groups_pruned_statistics") {
            out.row_groups += pruned + matched;
            out.row_groups_read += match pruning("row_groups_pruned_bloom_filter") {
                Some((bloom_pruned, bloom_matched)) if bloom_pruned + bloom_matched > 0 => {
                    bloom_matched
                }
                _ => matched,
            };
        }
        if let Some((pruned, _)) = pruning("page_index_rows_pruned") {
            out.page_rows_pruned += pruned;
        }
    }
    for child in plan.children() {
        add_scan_metrics(child.as_ref(), out);
    }
}

/// Runs of one statement when files vanish under it (see [`EmbeddedEngine::run_with_metrics`]).
pub(super) const MAX_ATTEMPTS: u32 = 8;

/// The pause before run `attempt + 1`: 50 ms, doubling (6.35 s in all before the last run).
/// A merger deletes a batch's inputs in a burst after committing its output; retrying at once
/// can land in the same burst. Seen with two merges running beside a search that reads both
/// tables (the time join): four runs back to back each met a different vanished file.
pub(super) fn retry_delay(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(25 << attempt.min(MAX_ATTEMPTS))
}

/// True when `error` comes from an object that no longer exists.
pub(super) fn is_not_found(error: &DataFusionError) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(object_store::Error::NotFound { .. }) = e.downcast_ref::<object_store::Error>()
        {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::NotFound
        {
            return true;
        }
        // ParquetError::External does not expose its cause through `source()`.
        if let Some(ParquetError::External(inner)) = e.downcast_ref::<ParquetError>() {
            current = Some(inner.as_ref());
            continue;
        }
        current = e.source();
    }
    false
}

/// Bytes read from the end of a Parquet file to get its footer in one request.
pub const FOOTER_READ_BYTES: usize = 16 * 1024;

/// Keys per message fetch statement on the embedded engine.
const FETCH_BATCH: usize = 512;

/// Turns an engine error into the backend-neutral one.
pub(super) fn engine_error(error: DataFusionError) -> SearchError {
    SearchError::Engine(error.to_string())
}

/// DataFusion session over one data location.
pub struct EmbeddedEngine {
    ctx: SessionContext,
    counters: Arc<ReadCounters>,
    tables: Tables,
}

impl EmbeddedEngine {
    /// Registers the `indices` and `messages` tables of `data`.
    pub fn open(data: &DataStore) -> Result<Self, SearchError> {
        let mut config = SessionConfig::new()
            .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()));
        {
            let parquet = &mut config.options_mut().execution.parquet;
            parquet.pruning = true;
            parquet.enable_page_index = true;
            parquet.bloom_filter_on_read = true;
            // Evaluate filters while decoding, so pages of other terms are skipped.
            parquet.pushdown_filters = true;
            parquet.reorder_filters = true;
            // DataFusion reads the last 512 KiB of a file to find its footer by default, which
            // is the whole of a small file. Our footers are ~2 KiB; 16 KiB also covers the page
            // index of most files in the same request.
            parquet.metadata_size_hint = Some(FOOTER_READ_BYTES);
        }
        // Joins run in the order the SQL writes them: the matching keys (`hits`) first, as
        // the hash join's build side, so the `messages` scan of the time join is probed with
        // a dynamic filter of those keys and reads only their pages. With reordering on,
        // DataFusion's estimates (indices rows × a default selectivity) made the hour's every
        // message the build side: `GetObject` over 168 merged hours built 487,700 rows and took
        // 654 ms in the engine; in this order it builds 3,425 and took 388 ms.
        config.options_mut().optimizer.join_reordering = false;
        // No cached file listings: the merger replaces files, and a statement retried after a
        // file vanished must list again.
        let runtime = RuntimeEnvBuilder::new()
            .with_object_list_cache_limit(0)
            .build_arc()
            .map_err(engine_error)?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        let counters = Arc::new(ReadCounters::default());
        let store = Arc::new(CountingStore::new(data.store.clone(), counters.clone()));
        let url = Url::parse(STORE_URL).expect("the store URL is valid");
        ctx.register_object_store(&url, store);
        for (name, schema) in [
            ("indices", indices_schema()),
            ("messages", messages_schema()),
        ] {
            let path = if data.prefix.is_empty() {
                format!("{STORE_URL}/{name}/")
            } else {
                format!("{STORE_URL}/{}/{name}/", data.prefix)
            };
            let table_url = ListingTableUrl::parse(&path).map_err(engine_error)?;
            // The format must carry the session's Parquet options: `ParquetFormat::default()`
            // has its own defaults (512 KiB footer reads, no filter pushdown).
            let format =
                ParquetFormat::default().with_options(ctx.state().table_options().parquet.clone());
            let options = ListingOptions::new(Arc::new(format))
                .with_file_extension(".parquet")
                .with_table_partition_cols(vec![("dt".to_owned(), DataType::Utf8)]);
            let config = ListingTableConfig::new(table_url)
                .with_listing_options(options)
                .with_schema(schema);
            let table = ListingTable::try_new(config).map_err(engine_error)?;
            ctx.register_table(name, Arc::new(table))
                .map_err(engine_error)?;
        }
        Ok(EmbeddedEngine {
            ctx,
            counters,
            tables: Tables::default(),
        })
    }

    /// Runs one statement and collects its result.
    pub async fn run(&self, sql: &str) -> Result<Vec<RecordBatch>, SearchError> {
        Ok(self.run_with_metrics(sql).await?.0)
    }

    /// Runs one statement and streams its rows in batches (memory bounded by the plan, not by
    /// the result).
    ///
    /// When a file vanishes under the stream (a merge deleted an input it had merged), the
    /// statement is run again on a fresh listing, as [`Self::run_with_metrics`] does, and the
    /// rows already delivered are skipped. That is exact only for a statement whose rows are in
    /// a total order, as the index lookup's are (newest first, then object and record): the
    /// merged file holds the same rows, so the rerun yields them in the same order.
    pub async fn stream(
        &self,
        sql: &str,
    ) -> Result<futures::stream::BoxStream<'static, Result<Rows, SearchError>>, SearchError> {
        Ok(resume::stream_batches(self.ctx.clone(), sql.to_owned())
            .map(|batch| {
                let mut rows = Rows::default();
                batch_rows(&batch?, &mut rows.rows)?;
                Ok(rows)
            })
            .boxed())
    }

    /// Runs one statement and also reports what its Parquet scans pruned.
    ///
    /// A file can disappear between the listing and the read when the merger deletes inputs it
    /// has merged; the statement is then run again on a fresh listing (the merged file holds
    /// the same rows).
    pub async fn run_with_metrics(
        &self,
        sql: &str,
    ) -> Result<(Vec<RecordBatch>, ScanMetrics), SearchError> {
        let mut attempt = 1;
        loop {
            match self.run_once(sql).await {
                Err(e) if attempt < MAX_ATTEMPTS && is_not_found(&e) => {
                    tracing::debug!(attempt, error = %e, "a file vanished during a search; retrying");
                    tokio::time::sleep(retry_delay(attempt)).await;
                    attempt += 1;
                }
                result => return result.map_err(engine_error),
            }
        }
    }

    async fn run_once(
        &self,
        sql: &str,
    ) -> Result<(Vec<RecordBatch>, ScanMetrics), DataFusionError> {
        let frame = self.ctx.sql(sql).await?;
        let plan = frame.create_physical_plan().await?;
        let batches = collect(plan.clone(), self.ctx.task_ctx()).await?;
        let mut metrics = ScanMetrics::default();
        add_scan_metrics(plan.as_ref(), &mut metrics);
        Ok((batches, metrics))
    }

    /// What has been read from storage so far.
    pub fn read_stats(&self) -> ReadStats {
        self.counters.snapshot()
    }
}

/// Appends the rows of `batch` as cells.
fn batch_rows(batch: &RecordBatch, out: &mut Vec<Vec<Cell>>) -> Result<(), SearchError> {
    let start = out.len();
    out.extend((0..batch.num_rows()).map(|_| Vec::with_capacity(batch.num_columns())));
    for column in batch.columns() {
        let rows = &mut out[start..];
        let cell_of: Box<dyn Fn(usize) -> Cell> = match column.data_type() {
            DataType::Utf8 => {
                let a = column.as_string::<i32>();
                Box::new(move |i| Cell::Text(a.value(i).to_owned()))
            }
            DataType::Int64 => {
                let a = column.as_primitive::<Int64Type>();
                Box::new(move |i| Cell::Int(a.value(i)))
            }
            DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, _) => {
                let a = column.as_primitive::<TimestampMicrosecondType>();
                Box::new(move |i| Cell::Timestamp(a.value(i)))
            }
            DataType::Binary => {
                let a = column.as_binary::<i32>();
                Box::new(move |i| Cell::Bytes(a.value(i).to_vec()))
            }
            DataType::Null => Box::new(|_| Cell::Null),
            other => {
                return Err(SearchError::Internal(format!(
                    "unexpected column type {other} in a result"
                )));
            }
        };
        for (i, row) in rows.iter_mut().enumerate() {
            row.push(if column.is_null(i) {
                Cell::Null
            } else {
                cell_of(i)
            });
        }
    }
    Ok(())
}

#[async_trait]
impl SqlEngine for EmbeddedEngine {
    fn dialect(&self) -> Dialect {
        Dialect::DataFusion
    }

    fn tables(&self) -> &Tables {
        &self.tables
    }

    fn fetch_batch(&self) -> usize {
        FETCH_BATCH
    }

    async fn query(&self, sql: &str) -> Result<Rows, SearchError> {
        let before = self.read_stats();
        let batches = self.run(sql).await?;
        let mut rows = Rows::default();
        for batch in &batches {
            batch_rows(batch, &mut rows.rows)?;
        }
        rows.read = self.read_stats().since(before);
        rows.read.statements = 1;
        Ok(rows)
    }
}
