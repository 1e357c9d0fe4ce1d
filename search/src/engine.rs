//! The embedded engine: DataFusion over the Parquet tables in any object store, with hive
//! partition `dt` pruned, and row-group statistics, page index and bloom filters used on read.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use minerva_core::schema::{indices_schema, messages_schema};
use minerva_store::DataStore;
use url::Url;

use crate::counting::{CountingStore, ReadCounters, ReadStats};
use crate::error::SearchError;

/// URL scheme under which the data store is registered with DataFusion.
const STORE_URL: &str = "minerva://data";

/// DataFusion session over one data location.
pub struct EmbeddedEngine {
    ctx: SessionContext,
    counters: Arc<ReadCounters>,
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
        }
        let ctx = SessionContext::new_with_config(config);
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
            let table_url = ListingTableUrl::parse(&path)?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(vec![("dt".to_owned(), DataType::Utf8)]);
            let config = ListingTableConfig::new(table_url)
                .with_listing_options(options)
                .with_schema(schema);
            ctx.register_table(name, Arc::new(ListingTable::try_new(config)?))?;
        }
        Ok(EmbeddedEngine { ctx, counters })
    }

    /// Runs one statement and collects its result.
    pub async fn run(&self, sql: &str) -> Result<Vec<RecordBatch>, SearchError> {
        let frame = self.ctx.sql(sql).await?;
        Ok(frame.collect().await?)
    }

    /// What has been read from storage so far.
    pub fn read_stats(&self) -> ReadStats {
        self.counters.snapshot()
    }
}
